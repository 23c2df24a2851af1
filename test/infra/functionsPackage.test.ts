import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packaged, packageProblems, projectFiles } from './functionsPackage';

const root = join(__dirname, '..', '..');
const funcignore = readFileSync(join(root, '.funcignore'), 'utf8');
const main = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string }).main;

// What exists in the project folder when azd or the pipeline packages it: the checkout, the build output, the
// production dependencies, and what local runs and tests leave behind.
const atPackaging = [
  ...projectFiles(root).filter((f) => !f.startsWith('dist/') && !f.startsWith('.factory/')),
  'dist/functions/index.js',
  'dist/functions/index.js.map',
  'dist/core/phases.js',
  'dist/test/infra/bicep.test.js',
  'dist/bench/index.js',
  'dist/local/cli/main.js',
  '.factory/api-token',
  '.factory/runs.sqlite',
  '.git/HEAD',
  '.azure/factory-dev/.env',
  'test-output/junit.xml',
  'coverage/lcov.info',
];

describe('the Functions package (.funcignore)', () => {
  it('holds the compiled app, host.json, package files and node_modules, and nothing it must not', () => {
    const files = packaged(atPackaging, funcignore);
    expect(packageProblems(files, main)).toEqual([]);
    expect(main).toBe('dist/functions/index.js');
    expect(files).toEqual(expect.arrayContaining(['dist/core/phases.js', 'dist/functions/index.js.map']));
  });

  it('reports a package that ships tests, local state and the token, or lacks the entry point', () => {
    const careless = funcignore
      .split('\n')
      .filter((line) => !['/test/', '/.factory/', '/.git/'].includes(line.trim()))
      .concat('/dist/functions/')
      .join('\n');
    const problems = packageProblems(packaged(atPackaging, careless), main);
    expect(problems).toEqual(
      expect.arrayContaining([
        'missing dist/functions/index.js',
        'ships .factory/api-token (under .factory/)',
        'ships .git/HEAD (under .git/)',
        'ships test/infra/functionsPackage.test.ts (under test/)',
      ]),
    );
  });

  it('reports a package without its dependencies', () => {
    const problems = packageProblems(packaged(atPackaging, `${funcignore}\nnode_modules\n`), main);
    expect(problems).toContain('missing node_modules');
  });
});
