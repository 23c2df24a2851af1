import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { isSecretName } from '../../../core/ports/sandbox';
import { serviceDockerfilePath } from '../../../core/ports/deploymentTarget';
import { serviceCompilerOptions } from '../../../toolchain/backend/generateService';
import { serviceDockerfile, serviceDockerfileEntry } from '../../../toolchain/release/serviceDockerfile';

interface Instruction {
  stage: number;
  keyword: string;
  args: string;
}

function instructions(dockerfile: string): Instruction[] {
  let stage = -1;
  return dockerfile
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(' ');
      if (keyword === 'FROM') stage++;
      return { stage, keyword, args: rest.join(' ') };
    });
}

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
  const steps = instructions(serviceDockerfile);

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
    expect(names).toEqual(['SERVICE', 'NODE_ENV', 'PORT', 'HOST']);
    expect(names.filter(isSecretName)).toEqual([]);
  });

  it("builds and starts a service when its steps run here (npm install replaced by the factory's packages)", async () => {
    const root = mkdtempSync(join(tmpdir(), 'factory-dockerfile-'));
    const context = join(root, 'context');
    const stages = [join(root, 'build'), join(root, 'app')];
    try {
      for (const [path, content] of Object.entries(serviceFiles())) {
        mkdirSync(dirname(join(context, 'services/items', path)), { recursive: true });
        writeFileSync(join(context, 'services/items', path), content);
      }
      const env: Record<string, string> = { SERVICE: 'items' };
      let command: string[] = [];
      for (const step of steps) {
        const cwd = stages[step.stage];
        const expand = (text: string) => text.replace(/\$\{?(\w+)\}?/g, (_, name: string) => env[name] ?? '');
        if (step.keyword === 'FROM' || step.keyword === 'ARG' || step.keyword === 'WORKDIR')
          mkdirSync(cwd, { recursive: true });
        else if (step.keyword === 'ENV')
          for (const pair of step.args.split(' ')) env[pair.split('=')[0]] = pair.split('=')[1];
        else if (step.keyword === 'COPY') {
          const from = /^--from=build /.test(step.args);
          const parts = expand(step.args.replace(/^--from=build /, '')).split(' ');
          const destination = parts.pop()!;
          // Docker's rules: a folder's content goes into the destination; a file goes into it when it ends in /.
          for (const source of parts) {
            const path = from ? join(stages[0], source.replace(/^\/build\/?/, '')) : join(context, source);
            const intoFolder = statSync(path).isDirectory() || /\/$|^\.$/.test(destination);
            const target =
              intoFolder && !statSync(path).isDirectory()
                ? join(resolve(cwd, destination), basename(path))
                : resolve(cwd, destination);
            cpSync(path, target, { recursive: true });
          }
        } else if (step.keyword === 'RUN') {
          if (step.args.startsWith('npm install'))
            symlinkSync(resolve(__dirname, '../../../node_modules'), join(cwd, 'node_modules'));
          else execFileSync('sh', ['-c', step.args], { cwd, env: { ...process.env, ...env }, stdio: 'pipe' });
        } else if (step.keyword === 'CMD') command = JSON.parse(step.args) as string[];
      }
      expect(command).toEqual(['node', 'dist/src/main.js']);
      const child = spawn(process.execPath, command.slice(1), {
        cwd: stages[1],
        env: { PATH: process.env.PATH ?? '', ...env, PORT: '0', HOST: '127.0.0.1' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      try {
        const port = await new Promise<number>((done, fail) => {
          child.stdout.on('data', (chunk: Buffer) => {
            const found = /listening on port (\d+)/.exec(chunk.toString());
            if (found) done(Number(found[1]));
          });
          child.once('exit', (code) => fail(new Error(`the service exited with ${code}`)));
        });
        const response = await fetch(`http://127.0.0.1:${port}/health`);
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
