import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localSandbox, SandboxUnavailableError } from '../../../platform/sandbox';
import { Cgroup } from '../../../platform/sandbox/cgroup';
import { namespaceSupport } from '../../../platform/sandbox/namespaceConfinement';
import { sandboxContract } from './sandboxContract';

const node = process.execPath;
const limits = { timeoutMs: 20_000, cpuSeconds: 20, maxOutputBytes: 64 * 1024 };
const support = namespaceSupport();
// CI installs bubblewrap, so there the suite runs (and fails if namespaces do not work).
const suite = support.available || process.env.CI ? describe : describe.skip;
if (!support.available && !process.env.CI)
  process.stderr.write(`namespace sandbox tests skipped: ${support.reason}\n`);

/** Processes on this host whose command line contains `marker`. */
function hostProcessesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) found.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

if (support.available || process.env.CI)
  sandboxContract('local namespaces', async () => localSandbox({ FACTORY_SANDBOX: 'namespaces' }));

suite('the namespace sandbox confines generated code', () => {
  const canary = `canary-${randomBytes(12).toString('hex')}`;
  const sandbox = localSandbox({ FACTORY_SANDBOX: 'namespaces' });
  let home: string;
  let listener: Server;
  let port: number;
  let connections = 0;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'factory-home-'));
    writeFileSync(join(home, 'api-token'), canary);
    process.env.FACTORY_CANARY = canary;
    listener = createServer((socket) => {
      connections++;
      socket.end(canary);
    });
    await new Promise<void>((done) => listener.listen(0, '127.0.0.1', done));
    port = (listener.address() as { port: number }).port;
  });

  afterAll(async () => {
    delete process.env.FACTORY_CANARY;
    await new Promise((done) => listener.close(done));
    rmSync(home, { recursive: true, force: true });
  });

  const attack = (
    script: string,
    extra: Partial<typeof limits> & { memoryMiB?: number; maxProcesses?: number } = {},
  ) =>
    sandbox.run({
      files: [{ path: 'attack.js', content: script }],
      command: [node, 'attack.js'],
      ...limits,
      ...extra,
    });

  it('says what confines it', () => {
    expect(sandbox.adapter).toBe('local-namespaces');
    expect(sandbox.isolation).toMatch(
      /^isolated: own user.*PID, network \(loopback only\) and mount namespaces/,
    );
  });

  it("does not see the factory's environment, processes, home or files", async () => {
    const result = await attack(`
      const fs = require('node:fs');
      const seen = [];
      const tryRead = (path) => { try { seen.push(path + ':' + fs.readFileSync(path, 'utf8').slice(0, 4000)); } catch (e) { seen.push(path + ':' + e.code); } };
      for (const pid of fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p))) tryRead('/proc/' + pid + '/environ');
      tryRead(${JSON.stringify(join(home, 'api-token'))});
      tryRead('/proc/${process.pid}/environ');
      tryRead(${JSON.stringify(join(process.cwd(), 'package.json'))});
      console.log(JSON.stringify({ uid: process.getuid(), pids: fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).length, seen }));
    `);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as { uid: number; pids: number; seen: string[] };
    expect(result.stdout).not.toContain(canary);
    expect(report.seen.find((s) => s.includes('api-token'))).toMatch(/ENOENT$/);
    expect(report.seen.find((s) => s.includes('package.json'))).toMatch(/ENOENT$/);
    // Only its own process (and bubblewrap's init) exist in its PID namespace.
    expect(report.pids).toBeLessThanOrEqual(2);
    if (process.getuid?.() === 0) expect(report.uid).toBe(65534);
  });

  it("cannot reach a listener on the host's loopback", async () => {
    const before = connections;
    const result = await attack(`
      const socket = require('node:net').connect(${port}, '127.0.0.1');
      socket.on('data', (d) => console.log('GOT ' + d));
      socket.on('error', (e) => console.log('ERROR ' + e.code));
    `);
    expect(result.stdout).toMatch(/ERROR (ECONNREFUSED|ENETUNREACH)/);
    expect(result.stdout).not.toContain(canary);
    expect(connections).toBe(before);
  });

  it('talks to its own servers on its own loopback', async () => {
    const result = await attack(`
      const net = require('node:net');
      const server = net.createServer((s) => s.end('pong')).listen(0, '127.0.0.1', () => {
        net.connect(server.address().port, '127.0.0.1').on('data', (d) => { console.log(String(d)); server.close(); });
      });
    `);
    expect(result.stdout.trim()).toBe('pong');
  });

  it('writes only inside its folder', async () => {
    const outside = join(tmpdir(), `escape-${canary}`);
    const result = await attack(`
      const fs = require('node:fs');
      fs.writeFileSync('inside.txt', 'ok');
      for (const path of [${JSON.stringify(outside)}, ${JSON.stringify(join(home, 'planted'))}, '/usr/planted']) {
        try { fs.writeFileSync(path, 'x'); console.log('WROTE ' + path); } catch (e) { console.log('DENIED ' + e.code); }
      }
    `);
    expect(result.exitCode).toBe(0);
    // /tmp inside is the sandbox's own: a write there never reaches the host's.
    expect(existsSync(outside)).toBe(false);
    expect(existsSync(join(home, 'planted'))).toBe(false);
    expect(existsSync('/usr/planted')).toBe(false);
    expect(result.stdout).toMatch(/DENIED (ENOENT|EROFS|EACCES)/);
  });

  it('stops a fork bomb at its process limit', async () => {
    const result = await attack(
      `
      const { spawn } = require('node:child_process');
      let started = 0;
      const next = () => {
        const child = spawn('/bin/sleep', ['30']);
        child.on('spawn', () => { started++; next(); });
        child.on('error', (e) => { console.log('REFUSED ' + e.code + ' after ' + started); process.exit(0); });
      };
      next();
    `,
      { maxProcesses: 32 },
    );
    expect(result.stdout).toMatch(/REFUSED EAGAIN after \d+/);
    expect(Number(/after (\d+)/.exec(result.stdout)![1])).toBeLessThan(32);
  });

  it('kills a tree that allocates 4 GiB at its memory limit', async () => {
    const result = await attack(
      `const chunks = []; for (let i = 0; i < 16; i++) chunks.push(Buffer.alloc(256 * 1024 * 1024, 1)); console.log('ALLOCATED');`,
      { memoryMiB: 256 },
    );
    expect(result.stdout).not.toContain('ALLOCATED');
    expect(result.exitCode === 137 || result.signal === 'SIGKILL').toBe(true);
    expect(result.stderr).toContain('memory limit of 256 MiB reached');
  });

  it('leaves no survivor: a setsid grandchild holding its output dies with it, at the end and at the limit', async () => {
    const marker = `survivor-${canary}`;
    const grandchild = `require('node:child_process').spawn('/bin/sh', ['-c', 'sleep 60; echo ${marker}'], { detached: true, stdio: 'inherit' }).unref();`;
    const ended = await attack(`${grandchild} console.log('parent done');`);
    expect(ended.stdout).toContain('parent done');
    expect(ended.durationMs).toBeLessThan(10_000);
    const started = Date.now();
    const limited = await attack(`${grandchild} setInterval(() => {}, 1000);`, { timeoutMs: 1500 });
    expect(limited.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(8_000);
    await new Promise((done) => setTimeout(done, 300));
    expect(hostProcessesWith(marker)).toEqual([]);
  });
});

(support.available && support.cgroups ? describe : describe.skip)('control groups left behind', () => {
  it('are swept when empty, and kept while a process is in them', async () => {
    const limits = { memoryBytes: 64 << 20, maxProcesses: 8, cpus: 1 };
    const empty = Cgroup.create(`factory-sweeptest-empty-${process.pid}`, limits)!;
    const busy = Cgroup.create(`factory-sweeptest-busy-${process.pid}`, limits)!;
    const sleeper = spawn('/bin/sh', [
      '-c',
      'for f in "$@"; do echo $$ > "$f"; done; exec sleep 30',
      'sh',
      ...busy.procsFiles(),
    ]);
    await new Promise((done) => setTimeout(done, 200));
    expect(busy.members()).toContain(sleeper.pid);
    expect(Cgroup.sweep('factory-sweeptest-', 0)).toBe(empty.folders.length);
    for (const folder of empty.folders) expect(existsSync(folder)).toBe(false);
    for (const folder of busy.folders) expect(existsSync(folder)).toBe(true);
    await busy.destroy();
    for (const folder of busy.folders) expect(existsSync(folder)).toBe(false);
  });
});

describe('choosing the local sandbox', () => {
  it('refuses an unknown mode', () => {
    expect(() => localSandbox({ FACTORY_SANDBOX: 'container' })).toThrow(SandboxUnavailableError);
  });

  it('runs unconfined only when asked to, and says so', () => {
    const weak = localSandbox({ FACTORY_SANDBOX: 'process' });
    expect(weak.adapter).toBe('local-process');
    expect(weak.isolation).toMatch(/^NOT ISOLATED/);
  });
});
