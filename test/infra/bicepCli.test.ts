import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBicep, parseDiagnostics } from './bicepCli';

describe('finding the Bicep CLI', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'factory-bicep-path-'));
    writeFileSync(join(dir, 'bicep'), '#!/bin/sh\n');
    chmodSync(join(dir, 'bicep'), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prefers BICEP_PATH', () => {
    expect(findBicep({ BICEP_PATH: join(dir, 'bicep'), PATH: '' }).path).toBe(join(dir, 'bicep'));
  });

  it('says why when BICEP_PATH is wrong, without falling back to PATH', () => {
    const found = findBicep({ BICEP_PATH: join(dir, 'missing'), PATH: dir });
    expect(found.path).toBeUndefined();
    expect(found.reason).toMatch(/not an executable file/);
  });

  it('falls back to bicep on PATH', () => {
    expect(findBicep({ PATH: `/nonexistent:${dir}` }).path).toBe(join(dir, 'bicep'));
    expect(findBicep({ PATH: '/nonexistent' }).reason).toMatch(/BICEP_PATH/);
  });
});

describe('parsing Bicep diagnostics', () => {
  it('keeps errors and warnings with their rule codes', () => {
    const output = [
      '/x/main.bicep(3,7) : Warning no-unused-params: Parameter "a" is declared but never used. [https://aka.ms/x]',
      '/x/modules/m.bicep(10,1) : Error BCP018: Expected the "}" character at this location.',
      '/x/main.bicep(1,1) : Info use-recent-api-versions: not a problem',
      'Some other line',
    ].join('\n');
    expect(parseDiagnostics(output)).toEqual([
      expect.objectContaining({
        file: '/x/main.bicep',
        line: 3,
        column: 7,
        level: 'Warning',
        code: 'no-unused-params',
      }),
      expect.objectContaining({ file: '/x/modules/m.bicep', level: 'Error', code: 'BCP018' }),
    ]);
  });
});
