import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProcessSandbox, nodePermissionArgs } from '../../../platform/sandbox';
import { isSecretName } from '../../../platform/sandbox/sandbox';

const node = process.execPath;
const limits = { timeoutMs: 10_000, cpuSeconds: 10, maxOutputBytes: 64 * 1024 };

describe('LocalProcessSandbox', () => {
  const parentEnv = {
    ...process.env,
    FACTORY_SECRET: 'factory-s3cret',
    AZURE_CLIENT_SECRET: 'azure-s3cret',
    MY_API_KEY: 'k',
    NODE_OPTIONS: '--inspect',
  };
  const sandbox = new LocalProcessSandbox({ parentEnv });

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
    expect(result.signal).toBe('SIGKILL');
    expect(Date.now() - started).toBeLessThan(5000);
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

  it('gives the command no secrets from the parent environment', async () => {
    const result = await sandbox.run({
      files: [{ path: 'env.js', content: 'process.stdout.write(JSON.stringify(process.env))' }],
      command: [node, 'env.js'],
      env: { PORT: '1234', STORAGE_CONNECTION: 'x', GITHUB_TOKEN: 'y' },
      ...limits,
    });
    const env = JSON.parse(result.stdout) as Record<string, string>;
    expect(env.FACTORY_SECRET).toBeUndefined();
    expect(env.AZURE_CLIENT_SECRET).toBeUndefined();
    expect(env.MY_API_KEY).toBeUndefined();
    expect(env.NODE_OPTIONS).toBeUndefined();
    expect(env.STORAGE_CONNECTION).toBeUndefined();
    expect(env.GITHUB_TOKEN).toBeUndefined();
    expect(env.PORT).toBe('1234');
    expect(result.stdout).not.toContain('s3cret');
    expect(env.HOME).toMatch(/sandbox-/);
    expect(env.TMPDIR.startsWith(env.HOME)).toBe(true);
    expect(isSecretName('AzureWebJobsStorage_CONNECTION')).toBe(true);
  });

  it('lets a Node command write inside its directory and fails writes outside it', async () => {
    const outside = join(tmpdir(), `sandbox-escape-${process.pid}.txt`);
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
