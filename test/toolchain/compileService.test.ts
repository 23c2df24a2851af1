import { spawn } from 'node:child_process';
import { existsSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { buildCacheMaxIdleMs, compileService } from '../../toolchain/backend/compileService';

// Sources no other test compiles, so their builds are this test's own.
const seed = Date.now();
const build = (n: number) => {
  const result = compileService(
    [{ path: 'src/main.ts', content: `export const value: number = ${seed + n};\n` }],
    {
      emit: true,
    },
  );
  expect(result.diagnostics).toEqual([]);
  return result.outDir!;
};

describe('compiled services kept in the temp folder', () => {
  it('are reused while in use and removed once idle, so the folder does not grow', () => {
    const idle = new Date(Date.now() - buildCacheMaxIdleMs - 60_000);
    const first = build(1);
    const second = build(2);
    // Unused for longer than the limit: the next build removes it; the one made a moment ago stays.
    utimesSync(first, idle, idle);
    const third = build(3);
    expect(existsSync(first)).toBe(false);
    expect(existsSync(second)).toBe(true);
    // A cache hit is a use: the same sources again give the same build, marked as used now.
    utimesSync(third, idle, idle);
    expect(build(3)).toBe(third);
    expect(statSync(third).mtimeMs).toBeGreaterThan(idle.getTime());
    build(4);
    expect(existsSync(third)).toBe(true);
  });

  it('are never replaced once complete: processes that compile the same sources at once all use the first build', async () => {
    // Each process compiles, then reports the identity (inode) of the build folder it got, and again a moment later
    // while the others finish: a later finisher that replaced the folder would pull it from under the first one's
    // tests or deployment copy.
    const compiled = join(__dirname, '../../dist/toolchain/backend/compileService.js');
    const sources = [{ path: 'src/main.ts', content: `export const value: number = ${seed + 100};\n` }];
    const compile = () =>
      new Promise<string>((done, fail) => {
        let out = '';
        const child = spawn(process.execPath, [
          '-e',
          `const { statSync } = require('node:fs');` +
            `const { outDir } = require(${JSON.stringify(compiled)}).compileService(${JSON.stringify(sources)}, { emit: true });` +
            `const first = statSync(outDir).ino; setTimeout(() => console.log(first, statSync(outDir).ino), 1500);`,
        ]);
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('exit', (code) => (code === 0 ? done(out.trim()) : fail(new Error(`exit ${code}`))));
      });
    const reports = await Promise.all([compile(), compile(), compile(), compile()]);
    const inodes = new Set(reports.flatMap((r) => r.split(' ')));
    expect(inodes.size).toBe(1);
  }, 60_000);
});
