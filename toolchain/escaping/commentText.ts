import { singleLine } from './lineTerminators';

/**
 * Text for the inside of a comment, block or line (TypeScript doc comments, `//` and SQL `--` comments): one
 * line, and every star directly followed by a slash gets a backslash between them. Characters are only
 * replaced or inserted, never removed, so no comment end can form from what was on either side (two stars and
 * two slashes come out as star, star, backslash, slash, slash).
 */
export function commentText(text: string): string {
  return singleLine(text).replace(/\*\//g, '*\\/');
}
