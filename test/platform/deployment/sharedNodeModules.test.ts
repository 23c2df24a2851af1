import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedNodeModules } from '../../../platform/deployment/sharedNodeModules';

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
});
