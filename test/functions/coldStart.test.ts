import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { lazyModule } from '../../platform/lazyModule';

const root = join(__dirname, '../..');

describe('the Functions app at a cold start', () => {
  it('loads without the libraries only some activities need, and loads each one when it is first used', () => {
    // The compiled app, loaded as the Functions worker loads its entry point, in a process of its own.
    const script = `
      require('./dist/local/durableHost/functionsCore').installFunctionsCore();
      require('./dist/functions');
      const loaded = (name) => Object.keys(require.cache).some((path) => path.includes('/node_modules/' + name + '/'));
      const libraries = ['typescript', 'compromise', 'gpt-tokenizer', 'openai'];
      const atStart = libraries.filter(loaded);
      require('./dist/toolchain/vision/language').singular('books');
      require('./dist/toolchain/backend/routeTable');
      const afterVision = libraries.filter(loaded);
      process.stdout.write(JSON.stringify({ atStart, afterVision }));`;
    const result = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }),
    );
    expect(result).toEqual({ atStart: [], afterVision: ['compromise'] });
  });

  it('gives the library itself once it is used: its values, its functions and its classes', () => {
    let loads = 0;
    class Failure extends Error {}
    const library = lazyModule(() => {
      loads++;
      return Object.assign((word: string) => word.toUpperCase(), { Failure, limit: 3 });
    });
    expect(loads).toBe(0);
    expect(library('a')).toBe('A');
    expect(library.limit).toBe(3);
    expect(new library.Failure() instanceof Failure).toBe(true);
    expect('limit' in library).toBe(true);
    expect(loads).toBe(1);
  });
});
