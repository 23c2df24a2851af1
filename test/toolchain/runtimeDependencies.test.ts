import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
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

  it('can be installed by several processes into the same build at once, while another lists it (builds are shared between processes)', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'runtime-modules-'));
    const target = join(parent, 'build');
    mkdirSync(target);
    const compiled = join(__dirname, '../../dist/toolchain/backend');
    const node = (code: string) =>
      new Promise<number | null>((done) =>
        spawn(process.execPath, ['-e', code], { stdio: 'inherit' }).on('exit', done),
      );
    const install = () =>
      node(
        `require(${JSON.stringify(join(compiled, 'runtimeDependencies.js'))}).installRuntimeModules(${JSON.stringify(target)})`,
      );
    // Lists the build over and over, as a test run collecting the compiled files does: it must never meet a
    // folder that disappears under it.
    const list = () =>
      node(
        `const { listFiles } = require(${JSON.stringify(join(compiled, 'compileService.js'))});` +
          `const end = Date.now() + 3000; while (Date.now() < end) listFiles(${JSON.stringify(target)});`,
      );
    try {
      expect(await Promise.all([install(), install(), install(), list()])).toEqual([0, 0, 0, 0]);
      // Nothing is left of the copies each process made before renaming them into place.
      expect(readdirSync(parent)).toEqual(['build']);
      const loaded = execFileSync(process.execPath, ['-e', "require('pg'); require('@azure/service-bus')"], {
        cwd: target,
        env: { PATH: process.env.PATH ?? '' },
      });
      expect(loaded.toString()).toBe('');
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  }, 60_000);
});
