import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The static half of generated code lives as real TypeScript files under `kit/` (type-checked and unit-tested with
 * the factory) and is copied verbatim: `kit/service/` into every service, `kit/gateway/` into the product's gateway.
 * The folder ships with the factory's package, next to `dist/`, so it is found from both the sources and the
 * compiled code.
 */
const marker = join('kit', 'service', 'src', 'domain', 'errors.ts');

let root: string | undefined;

function kitRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, marker))) return (root = join(dir, 'kit'));
    if (dirname(dir) === dir)
      throw new Error(`the service kit (${marker}) is missing from the factory's package`);
  }
}

const cache = new Map<string, string>();

/** A kit file's text, by its path inside the generated service or gateway (e.g. `src/domain/errors.ts`). */
export function kitFile(path: string, part: 'service' | 'gateway' | 'client' = 'service'): string {
  const key = `${part}/${path}`;
  let text = cache.get(key);
  if (text === undefined) {
    text = readFileSync(join(kitRoot(), key), 'utf8');
    cache.set(key, text);
  }
  return text;
}
