import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { isSecretName } from '../../../core/ports/sandbox';
import { serviceDockerfilePath } from '../../../core/ports/deploymentTarget';
import { serviceCompilerOptions } from '../../../toolchain/backend/generateService';
import { serviceDockerfile, serviceDockerfileEntry } from '../../../toolchain/release/serviceDockerfile';
import { dockerfileSteps, runDockerfile, startImage } from '../../support/localImages';

/** A service in the generated shape: its own strict tsconfig, `main` in dist/src, GET /health on PORT. */
function serviceFiles(): Record<string, string> {
  return {
    'package.json': JSON.stringify({
      name: 'items',
      private: true,
      main: 'dist/src/main.js',
      devDependencies: { typescript: '~5.9', '@types/node': '^20' },
    }),
    'tsconfig.json': JSON.stringify({ compilerOptions: serviceCompilerOptions, include: ['src', 'test'] }),
    'src/main.ts': `import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
const server = createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ status: 'ok', env: process.env.NODE_ENV }));
});
server.listen(Number(process.env.PORT), process.env.HOST, () => {
  process.stdout.write('items service listening on port ' + (server.address() as AddressInfo).port + '\\n');
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
`,
  };
}

describe('the release package Dockerfile', () => {
  const steps = dockerfileSteps(serviceDockerfile);

  it('sits at the package root and builds from node:22-slim, running as the unprivileged node user', () => {
    expect(serviceDockerfileEntry().path).toBe(serviceDockerfilePath);
    expect(steps.filter((s) => s.keyword === 'FROM').map((s) => s.args)).toEqual([
      'node:22-slim AS build',
      'node:22-slim',
    ]);
    const final = steps.filter((s) => s.stage === 1).map((s) => s.keyword);
    expect(final.indexOf('USER')).toBeLessThan(final.indexOf('CMD'));
    expect(steps.find((s) => s.keyword === 'USER')!.args).toBe('node');
    expect(steps.find((s) => s.keyword === 'EXPOSE')!.args).toBe('8080');
  });

  it('carries no secret: no ARG or ENV with a secret-looking name', () => {
    const names = steps
      .filter((s) => s.keyword === 'ARG' || s.keyword === 'ENV')
      .flatMap((s) => s.args.split(' ').map((pair) => pair.split('=')[0]));
    expect(names).toEqual(['SERVICE', 'NODE_ENV', 'PORT', 'HOST', 'MIGRATIONS_DIR']);
    expect(names.filter(isSecretName)).toEqual([]);
  });

  it("builds and starts a service when its steps run here (npm install replaced by the factory's packages)", async () => {
    const root = mkdtempSync(join(tmpdir(), 'factory-dockerfile-'));
    const context = join(root, 'context');
    try {
      for (const [path, content] of Object.entries(serviceFiles())) {
        mkdirSync(dirname(join(context, 'services/items', path)), { recursive: true });
        writeFileSync(join(context, 'services/items', path), content);
      }
      // The service's migrations travel into the image, where it applies them at start.
      mkdirSync(join(context, 'db/items'), { recursive: true });
      writeFileSync(
        join(context, 'db/items/001_create_items.sql'),
        'CREATE TABLE items (id uuid PRIMARY KEY);',
      );
      const image = runDockerfile(
        serviceDockerfile,
        context,
        { SERVICE: 'items' },
        root,
        resolve(__dirname, '../../../node_modules'),
      );
      expect(image.command).toEqual(['node', 'dist/src/main.js']);
      expect(existsSync(join(image.appDir, 'migrations', '001_create_items.sql'))).toBe(true);
      // The image's /app/migrations, in the folder that stands for /app here.
      expect(image.env.MIGRATIONS_DIR).toBe(join(image.appDir, 'migrations'));
      const { origin, process: child } = await startImage(image);
      try {
        const response = await fetch(`${origin}/health`);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ status: 'ok', env: 'production' });
      } finally {
        child.kill('SIGTERM');
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
