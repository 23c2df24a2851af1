import { existsSync, statSync, utimesSync } from 'node:fs';
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
});
