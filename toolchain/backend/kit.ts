import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The static half of a generated service lives as real TypeScript files under `kit/service/` (type-checked and
 * unit-tested with the factory) and is copied verbatim. The folder ships with the factory's package, next to
 * `dist/`, so it is found from both the sources and the compiled code.
 */
const marker = join('kit', 'service', 'src', 'domain', 'errors.ts');

let root: string | undefined;

function kitRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, marker))) return (root = join(dir, 'kit', 'service'));
    if (dirname(dir) === dir)
      throw new Error(`the service kit (${marker}) is missing from the factory's package`);
  }
}

const cache = new Map<string, string>();

/** A kit file's text, by its path inside the generated service (e.g. `src/domain/errors.ts`). */
export function kitFile(path: string): string {
  let text = cache.get(path);
  if (text === undefined) {
    text = readFileSync(join(kitRoot(), path), 'utf8');
    cache.set(path, text);
  }
  return text;
}
