import { createHash } from 'node:crypto';
import { z } from 'zod';
import { kebabCase } from '../vision/language';

/**
 * The product slug names the product's topics, packages and hosts, and is the namespace of its event schema ids
 * (`urn:<slug>:events:<Event>`). A URN namespace identifier is 2 to 32 letters, digits and inner hyphens
 * (RFC 8141), so the slug keeps to that whatever the title's length.
 */
export const maxProductSlugLength = 32;

export const productSlugSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/,
    'a product slug is 2 to 32 lower-case letters, digits and inner hyphens, starting with a letter',
  );

const hashLength = 6;
const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, hashLength);

/**
 * The slug of a product title: kebab-case, cut to the limit when longer, with a short hash of the whole title so
 * two long titles that share their beginning keep different slugs. A title without a Latin letter or digit
 * (`{}`, a title in another script) becomes `product-<hash>`.
 */
export function productSlugOf(title: string): string {
  if (!/[A-Za-z0-9]/.test(title)) return `product-${shortHash(title)}`;
  const kebab = kebabCase(title);
  if (kebab.length < 2) return `${kebab}-${shortHash(title)}`;
  if (kebab.length <= maxProductSlugLength) return kebab;
  const head = kebab.slice(0, maxProductSlugLength - hashLength - 1).replace(/-+$/, '');
  return `${head}-${shortHash(kebab)}`;
}
