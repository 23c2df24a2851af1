import { LocalProcessSandbox } from '../../../platform/sandbox';
import { isSecretName } from '../../../core/ports/sandbox';
import { limits, sandboxContract } from './sandboxContract';

sandboxContract('local process', async () => new LocalProcessSandbox());

describe('LocalProcessSandbox', () => {
  const parentEnv = {
    ...process.env,
    FACTORY_SECRET: 'factory-s3cret',
    AZURE_CLIENT_SECRET: 'azure-s3cret',
    MY_API_KEY: 'k',
    NODE_OPTIONS: '--inspect',
  };
  const sandbox = new LocalProcessSandbox({ parentEnv });

  it('ends a timed-out command with SIGKILL', async () => {
    const result = await sandbox.run({
      files: [{ path: 'loop.js', content: 'for (;;) {}' }],
      command: [process.execPath, 'loop.js'],
      ...limits,
      timeoutMs: 1000,
    });
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe('SIGKILL');
  });

  it('builds the environment from the parent without its secrets, with HOME and TMPDIR in the folder', async () => {
    const result = await sandbox.run({
      files: [{ path: 'env.js', content: 'process.stdout.write(JSON.stringify(process.env))' }],
      command: [process.execPath, 'env.js'],
      ...limits,
    });
    const env = JSON.parse(result.stdout) as Record<string, string>;
    expect(env.FACTORY_SECRET).toBeUndefined();
    expect(env.AZURE_CLIENT_SECRET).toBeUndefined();
    expect(env.MY_API_KEY).toBeUndefined();
    expect(env.NODE_OPTIONS).toBeUndefined();
    expect(result.stdout).not.toContain('s3cret');
    expect(env.HOME).toMatch(/sandbox-/);
    expect(env.TMPDIR.startsWith(env.HOME)).toBe(true);
    expect(isSecretName('AzureWebJobsStorage_CONNECTION')).toBe(true);
  });
});
