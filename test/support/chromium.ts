import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** Debian's Chromium (or CHROMIUM_PATH), for browser tests with playwright-core; undefined when none is installed. */
export const chromiumPath = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
]
  .filter((p): p is string => Boolean(p))
  .find((p) => existsSync(p));

/** Where browser tests leave their screenshots. */
export const screenshotDir = resolve(__dirname, '..', '..', 'test-output');

/**
 * `it` where a browser test can run: with Chromium, or always in CI (where a missing browser is a failure, not a
 * skip); elsewhere `it.skip`, saying why once.
 */
export function browserIt(what: string): jest.It {
  if (chromiumPath || process.env.CI) return it;
  process.stderr.write(
    `${what} skipped: no Chromium found (install it with .ci/install-chromium.sh or set CHROMIUM_PATH)\n`,
  );
  return it.skip;
}
