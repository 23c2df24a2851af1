import { closeSync, existsSync, openSync, readSync, realpathSync } from 'node:fs';

/** Whether a file begins with `prefix`, reading only that many bytes (the Chromium binary is hundreds of MB). */
function startsWith(file: string, prefix: string): boolean {
  const head = Buffer.alloc(prefix.length);
  const fd = openSync(file, 'r');
  try {
    return readSync(fd, head, 0, head.length, 0) === head.length && head.toString('latin1') === prefix;
  } finally {
    closeSync(fd);
  }
}

/**
 * Debian's Chromium (or CHROMIUM_PATH) as a program a confined command can start: the binary itself, under /usr
 * (which the namespaces sandbox mounts read-only inside), not `/usr/bin/chromium`, a shell wrapper that reads
 * /etc, which the sandbox does not mount. Undefined when this host has none.
 */
export function hostChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium'].filter(
    (p): p is string => Boolean(p),
  );
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const real = realpathSync(candidate);
    const script = startsWith(real, '#!');
    const program = script ? '/usr/lib/chromium/chromium' : real;
    if (program.startsWith('/usr/') && existsSync(program)) return program;
  }
  return undefined;
}
