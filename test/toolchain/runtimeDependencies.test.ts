import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
});
