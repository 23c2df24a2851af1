import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  installRuntimeModules,
  installedVersion,
  runtimeDependencies,
  unknownDependencies,
} from '../../toolchain/backend/runtimeDependencies';

describe("a generated service's runtime dependencies", () => {
  it('names the packages the factory carries, in the range of the versions it has', () => {
    expect(runtimeDependencies()).toEqual({
      pg: `^${installedVersion('pg')}`,
      '@azure/service-bus': `^${installedVersion('@azure/service-bus')}`,
      jose: `^${installedVersion('jose')}`,
    });
    expect(unknownDependencies(JSON.stringify({ dependencies: { pg: '^8.0.0', express: '^4' } }))).toEqual([
      'express',
    ]);
    expect(unknownDependencies('{')).toEqual(['(package.json is not valid JSON)']);
  });

  it('lays them out as npm would, other versions nested in the package that needs them, loadable on their own', () => {
    const target = mkdtempSync(join(tmpdir(), 'runtime-modules-'));
    try {
      installRuntimeModules(target);
      // The SDK needs another version of a package the factory has at its top level: it travels inside.
      expect(existsSync(join(target, 'node_modules', '@azure', 'service-bus', 'node_modules'))).toBe(true);
      // Loaded from the copy alone (a folder outside the factory, no NODE_PATH), as in the deployed service.
      const loaded = execFileSync(
        process.execPath,
        [
          '-e',
          "const { ServiceBusClient } = require('@azure/service-bus'); const { Pool } = require('pg');" +
            'process.stdout.write(typeof ServiceBusClient + " " + typeof Pool)',
        ],
        { cwd: target, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
      );
      expect(loaded).toBe('function function');
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });

  it('can be installed by two processes into the same build at once (builds are shared between processes)', async () => {
    const target = mkdtempSync(join(tmpdir(), 'runtime-modules-'));
    const compiled = join(__dirname, '../../dist/toolchain/backend/runtimeDependencies.js');
    const install = () =>
      new Promise<number | null>((done) =>
        spawn(
          process.execPath,
          ['-e', `require(${JSON.stringify(compiled)}).installRuntimeModules(${JSON.stringify(target)})`],
          { stdio: 'inherit' },
        ).on('exit', done),
      );
    try {
      expect(await Promise.all([install(), install(), install()])).toEqual([0, 0, 0]);
      expect(readdirSync(join(target, 'node_modules')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      const loaded = execFileSync(process.execPath, ['-e', "require('pg'); require('@azure/service-bus')"], {
        cwd: target,
        env: { PATH: process.env.PATH ?? '' },
      });
      expect(loaded.toString()).toBe('');
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  }, 60_000);
});
