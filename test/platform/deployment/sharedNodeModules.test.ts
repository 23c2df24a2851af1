import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedModulesFolder, sharedNodeModules } from '../../../platform/deployment/sharedNodeModules';

/** A compiled service folder whose node_modules holds one package at `version`, made under a strict umask. */
function build(version: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'shared-modules-build-'));
  const pkg = join(folder, 'node_modules', 'pg');
  mkdirSync(join(pkg, 'lib'), { recursive: true, mode: 0o700 });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'pg', version }), { mode: 0o600 });
  writeFileSync(join(pkg, 'lib', 'index.js'), 'module.exports = 1;\n', { mode: 0o600 });
  return folder;
}

describe('the read-only packages deployed services share', () => {
  it('is one copy per content, readable by every user and writable by none but its owner', () => {
    const first = sharedNodeModules(build('8.16.0'));
    expect(sharedNodeModules(build('8.16.0'))).toBe(first);
    // Same sizes, another version: another copy.
    const other = sharedNodeModules(build('8.16.1'));
    expect(other).not.toBe(first);
    expect(JSON.parse(readFileSync(join(other, 'pg', 'package.json'), 'utf8')).version).toBe('8.16.1');
    for (const path of [first, join(first, 'pg'), join(first, 'pg', 'lib')])
      expect((statSync(path).mode & 0o777).toString(8)).toBe('755');
    for (const path of [join(first, 'pg', 'package.json'), join(first, 'pg', 'lib', 'index.js')])
      expect((statSync(path).mode & 0o777).toString(8)).toBe('644');
    expect(readFileSync(join(first, 'pg', 'lib', 'index.js'), 'utf8')).toBe('module.exports = 1;\n');
  });

  it('gives packages changed after they were built a copy of their own, even at the same size', () => {
    const honest = sharedNodeModules(build('8.16.0'));
    const tampered = build('8.16.0');
    writeFileSync(join(tampered, 'node_modules/pg/lib/index.js'), 'module.exports = 2;\n');
    const copy = sharedNodeModules(tampered);
    expect(copy).not.toBe(honest);
    expect(readFileSync(join(honest, 'pg/lib/index.js'), 'utf8')).toBe('module.exports = 1;\n');
    expect(readFileSync(join(copy, 'pg/lib/index.js'), 'utf8')).toBe('module.exports = 2;\n');
  });

  it('makes a copy again when files of it went missing', () => {
    const folder = build('9.0.0');
    const shared = sharedNodeModules(folder);
    rmSync(join(shared, 'pg/lib/index.js'));
    expect(sharedNodeModules(folder)).toBe(shared);
    expect(readFileSync(join(shared, 'pg/lib/index.js'), 'utf8')).toBe('module.exports = 1;\n');
  });

  it('refuses packages holding a symbolic link, and a shared folder others may write', () => {
    const linked = build('9.1.0');
    symlinkSync('/etc', join(linked, 'node_modules/pg/lib/etc'));
    expect(() => sharedNodeModules(linked)).toThrow(/symbolic link.*pg\/lib\/etc/);
    const base = join(tmpdir(), sharedModulesFolder);
    sharedNodeModules(build('9.2.0'));
    chmodSync(base, 0o777);
    try {
      expect(() => sharedNodeModules(build('9.2.0'))).toThrow(/not a folder of the factory's own/);
    } finally {
      chmodSync(base, 0o755);
    }
  });
});
