import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodePermissionArgs, type Sandbox } from '../../../platform/sandbox';

const node = process.execPath;
export const limits = { timeoutMs: 10_000, cpuSeconds: 10, maxOutputBytes: 64 * 1024 };

/** The behaviour every `Sandbox` adapter promises; run once per adapter. */
export function sandboxContract(
  name: string,
  setup: () => Promise<Sandbox>,
  teardown?: () => Promise<void>,
): void {
  describe(`Sandbox contract: ${name}`, () => {
    let sandbox: Sandbox;

    beforeAll(async () => {
      sandbox = await setup();
    });
    afterAll(async () => {
      await teardown?.();
    });

    it('returns the exit code, stdout and stderr of the command', async () => {
      const result = await sandbox.run({
        files: [
          {
            path: 'exit.js',
            content: "process.stdout.write('out'); process.stderr.write('err'); process.exitCode = 3;",
          },
        ],
        command: [node, 'exit.js'],
        ...limits,
      });
      expect(result).toMatchObject({
        exitCode: 3,
        signal: null,
        timedOut: false,
        stdout: 'out',
        stderr: 'err',
      });
      expect(result.outputTruncated).toBe(false);
      expect(result.durationMs).toBeGreaterThan(0);
    });

    it('gives the command its files, nested folders included, and {workdir} as the folder it runs in', async () => {
      const script = `const fs = require('node:fs');
process.stdout.write(JSON.stringify({ cwd: process.cwd(), arg: process.argv[2], data: fs.readFileSync('lib/deep/data.txt', 'utf8') }));`;
      const result = await sandbox.run({
        files: [
          { path: 'main.js', content: script },
          { path: 'lib/deep/data.txt', content: Buffer.from('bytes in') },
        ],
        command: [node, 'main.js', '--root={workdir}'],
        ...limits,
      });
      const seen = JSON.parse(result.stdout) as { cwd: string; arg: string; data: string };
      expect(seen.data).toBe('bytes in');
      expect(seen.arg).toBe(`--root=${seen.cwd}`);
      expect(seen.cwd.startsWith('/')).toBe(true);
    });

    it('copies a workdir without writing to it', async () => {
      const source = mkdtempSync(join(tmpdir(), 'sandbox-contract-src-'));
      try {
        mkdirSync(join(source, 'src'));
        writeFileSync(
          join(source, 'src', 'hello.js'),
          "require('node:fs').writeFileSync('made.txt', 'x'); console.log('hello');",
        );
        const result = await sandbox.run({ workdir: source, command: [node, 'src/hello.js'], ...limits });
        expect(result.stdout.trim()).toBe('hello');
        expect(existsSync(join(source, 'made.txt'))).toBe(false);
      } finally {
        rmSync(source, { recursive: true, force: true });
      }
    });

    it('kills a command that loops forever at the wall-clock timeout, with its whole process group', async () => {
      const started = Date.now();
      const result = await sandbox.run({
        files: [
          {
            path: 'loop.js',
            content:
              "require('node:child_process').spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'inherit' }); for (;;) {}",
          },
        ],
        command: [node, 'loop.js'],
        ...limits,
        timeoutMs: 1500,
      });
      expect(result.timedOut).toBe(true);
      expect(result.exitCode).toBeNull();
      expect(Date.now() - started).toBeLessThan(8000);
    });

    it('stops a command at its CPU-time limit', async () => {
      const result = await sandbox.run({
        files: [{ path: 'spin.js', content: 'for (;;) {}' }],
        command: [node, 'spin.js'],
        ...limits,
        cpuSeconds: 1,
      });
      expect(result.timedOut).toBe(false);
      expect(['SIGXCPU', 'SIGKILL']).toContain(result.signal);
    });

    it('passes caller variables but none that look secret, and nothing of the factory process', async () => {
      const saved = process.env.FACTORY_CONTRACT_PROBE;
      process.env.FACTORY_CONTRACT_PROBE = 'factory-s3cret';
      try {
        const result = await sandbox.run({
          files: [{ path: 'env.js', content: 'process.stdout.write(JSON.stringify(process.env))' }],
          command: [node, 'env.js'],
          env: {
            PORT: '1234',
            STORAGE_CONNECTION: 'x',
            GITHUB_TOKEN: 'y',
            AZURE_CLIENT_ID: 'z',
            NODE_OPTIONS: '--inspect',
          },
          ...limits,
        });
        const env = JSON.parse(result.stdout) as Record<string, string>;
        expect(env.PORT).toBe('1234');
        for (const name of [
          'STORAGE_CONNECTION',
          'GITHUB_TOKEN',
          'AZURE_CLIENT_ID',
          'NODE_OPTIONS',
          'FACTORY_CONTRACT_PROBE',
        ]) {
          expect(env[name]).toBeUndefined();
        }
        expect(result.stdout).not.toContain('s3cret');
      } finally {
        if (saved === undefined) delete process.env.FACTORY_CONTRACT_PROBE;
        else process.env.FACTORY_CONTRACT_PROBE = saved;
      }
    });

    it('lets a Node command write inside its directory and fails writes outside it', async () => {
      const outside = join(tmpdir(), `sandbox-escape-${process.pid}-${name.replace(/\W/g, '')}.txt`);
      const script = `const fs = require('node:fs');
fs.writeFileSync('inside.txt', 'ok');
try { fs.writeFileSync(${JSON.stringify(outside)}, 'escaped'); console.log('WROTE'); } catch (e) { console.log('DENIED ' + e.code); }`;
      const result = await sandbox.run({
        files: [{ path: 'write.js', content: script }],
        command: [node, ...nodePermissionArgs(), 'write.js'],
        ...limits,
      });
      expect(result.stdout.trim()).toBe('DENIED ERR_ACCESS_DENIED');
      expect(existsSync(outside)).toBe(false);
    });

    it('truncates output at the limit', async () => {
      const result = await sandbox.run({
        files: [{ path: 'noisy.js', content: "process.stdout.write('x'.repeat(200000))" }],
        command: [node, 'noisy.js'],
        ...limits,
        maxOutputBytes: 1000,
      });
      expect(result.outputTruncated).toBe(true);
      expect(result.stdout.length).toBe(1000);
      expect(result.exitCode).toBe(0);
    });

    it('refuses file paths that leave the working directory', async () => {
      await expect(
        sandbox.run({ files: [{ path: '../evil.js', content: '' }], command: [node, '-v'], ...limits }),
      ).rejects.toThrow(/inside the working directory/);
    });
  });
}
