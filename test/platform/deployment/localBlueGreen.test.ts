import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileForDeployment } from '../../../toolchain/backend/compileForDeployment';
import { LocalBlueGreenTarget, type CurrentDeployment } from '../../../platform/deployment';
import { localConfinement } from '../../../platform/sandbox';
import type { Confinement } from '../../../platform/sandbox/confinement';
import { namespaceSupport } from '../../../platform/sandbox/namespaceConfinement';
import { processConfinement } from '../../../platform/sandbox/processConfinement';
import { writeTarGz } from '../../../platform/deployment/tarball';
import { supervised } from '../../support/processTree';

/** A small service in the shape the factory generates: `src/main.ts` on PORT, prints its port, GET /health. */
function release(healthStatus: number, marker: string): Buffer {
  const main = `import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
const server = createServer((req, res) => {
  const status = req.url === '/health' ? ${healthStatus} : req.url === '/v1/items' ? 200 : 404;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ marker: '${marker}' }));
});
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  process.stdout.write('items service listening on port ' + (server.address() as AddressInfo).port + '\\n');
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
`;
  return writeTarGz([
    {
      path: 'services/items/package.json',
      content: Buffer.from(JSON.stringify({ name: 'items', private: true })),
    },
    { path: 'services/items/src/main.ts', content: Buffer.from(main) },
  ]);
}

/** The service's own process under its supervisor. */
const serviceProcess = (supervisor: number) => supervised(supervisor, 'src/main.js\0');

const get = async (url: string) => {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return { status: response.status, body: (await response.json()) as { marker: string } };
};

const namespaces = namespaceSupport().available || process.env.CI;

const confinements: Array<[string, (() => Confinement) | undefined]> = [
  ['Node permission model only', undefined],
  ...(namespaces
    ? [
        ['namespaces', () => localConfinement({ FACTORY_SANDBOX: 'namespaces' })] as [
          string,
          () => Confinement,
        ],
      ]
    : []),
];

describe.each(confinements)('local blue/green deployment target (%s)', (_name, confinement) => {
  const home = mkdtempSync(join(tmpdir(), 'factory-deploy-'));
  const target = new LocalBlueGreenTarget({ home, build: compileForDeployment, confinement });
  const request = (version: string, archive: Buffer) => ({
    tenantId: 'test',
    runId: 'run-bg',
    version,
    archive,
    services: ['items'],
    smoke: [{ service: 'items', method: 'GET' as const, path: '/v1/items', expect: [200] }],
    healthTimeoutMs: 1500,
  });

  afterAll(async () => {
    await target.undeploy('test', 'run-bg');
    rmSync(home, { recursive: true, force: true });
  });

  it('deploys the first version and writes the routing entry', async () => {
    const outcome = await target.deploy(request('1.0.0', release(200, 'blue')));
    expect(outcome.status).toBe('deployed');
    expect(outcome.steps.map((s) => s.name)).toEqual([
      'unpack',
      'build items',
      'start (green beside blue)',
      'health checks',
      'smoke tests',
      'switch traffic',
    ]);
    const current = JSON.parse(
      readFileSync(join(home, 'deployments/test/run-bg/current.json'), 'utf8'),
    ) as CurrentDeployment;
    expect(current).toMatchObject({ version: '1.0.0', status: 'live' });
    expect((await get(`${current.services[0].url}/health`)).body.marker).toBe('blue');
  }, 30_000);

  it('keeps the previous version serving when the new one fails its health check', async () => {
    const before = (await target.current('test', 'run-bg'))!;
    const outcome = await target.deploy(request('1.1.0', release(500, 'broken')));
    expect(outcome.status).toBe('rolled-back');
    expect(outcome.health[0]).toMatchObject({ passed: false, status: 500 });
    expect(outcome.rollback).toMatchObject({ restored: '1.0.0' });
    const after = (await target.current('test', 'run-bg'))!;
    expect(after.version).toBe('1.0.0');
    expect(after.services).toEqual(before.services);
    expect((await get(`${after.services[0].url}/health`)).body.marker).toBe('blue');
    // The failed green was stopped.
    await expect(
      fetch(`${outcome.services[0].url}/health`, { signal: AbortSignal.timeout(1000) }),
    ).rejects.toThrow();
    expect(after.history.map((h) => h.event)).toEqual(['switched', 'rolled-back']);
  }, 30_000);

  it('switches to a healthy new version, stops the old one, and rolls back on request', async () => {
    const blue = (await target.current('test', 'run-bg'))!;
    const outcome = await target.deploy(request('1.2.0', release(200, 'green')));
    expect(outcome).toMatchObject({ status: 'deployed', previousVersion: '1.0.0' });
    expect((await get(`${outcome.services[0].url}/health`)).body.marker).toBe('green');
    await expect(
      fetch(`${blue.services[0].url}/health`, { signal: AbortSignal.timeout(1000) }),
    ).rejects.toThrow();

    const rolled = await target.rollback('test', 'run-bg', 'post-deployment validation failed');
    expect(rolled).toMatchObject({ status: 'rolled-back', rollback: { restored: '1.0.0' } });
    const current = (await target.current('test', 'run-bg'))!;
    expect(current.version).toBe('1.0.0');
    expect((await get(`${current.services[0].url}/health`)).body.marker).toBe('blue');
    await expect(
      fetch(`${outcome.services[0].url}/health`, { signal: AbortSignal.timeout(1000) }),
    ).rejects.toThrow();
  }, 30_000);

  it('runs each service as the sandbox user in its own control group when confined by namespaces', async () => {
    const current = (await target.current('test', 'run-bg'))!;
    const records = JSON.parse(
      readFileSync(join(home, 'deployments/test/run-bg', current.version, 'processes.json'), 'utf8'),
    ) as Array<{ pid: number; dir: string; cgroup?: string[] }>;
    expect(records).toHaveLength(1);
    const confined = confinement !== undefined;
    expect((records[0].cgroup ?? []).length > 0).toBe(confined && process.getuid?.() === 0);
    // The supervisor leads; bubblewrap runs under it and the service is a descendant, as another user.
    const service = serviceProcess(records[0].pid);
    expect(service).toBeDefined();
    if (confined && process.getuid?.() === 0)
      expect(readFileSync(`/proc/${service}/status`, 'utf8')).toMatch(/^Uid:\s+65534\s/m);
    // The version's packages are links to the build's when the service runs elsewhere, a copy when it runs there.
    const versionPackage = join(
      home,
      'deployments/test/run-bg',
      current.version,
      'build/items/node_modules/pg/package.json',
    );
    expect(statSync(versionPackage).nlink > 1).toBe(confined);
    if (confined) {
      // Its packages are one shared copy, mounted read-only where its own copy of them would be.
      const mounts = readFileSync(`/proc/${service}/mountinfo`, 'utf8')
        .split('\n')
        .map((line) => line.split(' '))
        .filter((fields) => fields[4] === join(records[0].dir, 'node_modules'));
      expect(mounts.map((fields) => fields[5].split(',')[0])).toEqual(['ro']);
      expect(readdirSync(join(records[0].dir, 'node_modules'))).toEqual([]);
    }
  });

  it('starts a crashed service again, on the same URL, as a platform would', async () => {
    const current = (await target.current('test', 'run-bg'))!;
    const records = JSON.parse(
      readFileSync(join(home, 'deployments/test/run-bg', current.version, 'processes.json'), 'utf8'),
    ) as Array<{ pid: number }>;
    const service = serviceProcess(records[0].pid)!;
    process.kill(Number(service), 'SIGKILL');
    const url = `${current.services[0].url}/health`;
    let answered = false;
    for (let i = 0; i < 100 && !answered; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answered = await fetch(url, { signal: AbortSignal.timeout(500) }).then(
        (r) => r.ok,
        () => false,
      );
    }
    expect(answered).toBe(true);
    const log = readFileSync(
      join(home, 'deployments/test/run-bg', current.version, 'logs/items.log'),
      'utf8',
    );
    // Killed: SIGKILL, or 137 from the shell that confines it; the same port again.
    const port = new URL(current.services[0].url).port;
    expect(log).toMatch(
      new RegExp(
        `\\[supervisor\\] \\S+ the service exited \\((SIGKILL|code 137)\\); starting it again on port ${port}\\b`,
      ),
    );
  }, 30_000);

  it('undeploys: every process stops and the routing entry says so', async () => {
    const current = (await target.current('test', 'run-bg'))!;
    const records = JSON.parse(
      readFileSync(join(home, 'deployments/test/run-bg', current.version, 'processes.json'), 'utf8'),
    ) as Array<{ cgroup?: string[] }>;
    const result = await target.undeploy('test', 'run-bg');
    expect(result.stopped).toBe(1);
    expect((await target.current('test', 'run-bg'))!.status).toBe('stopped');
    await expect(
      fetch(`${current.services[0].url}/health`, { signal: AbortSignal.timeout(1000) }),
    ).rejects.toThrow();
    expect(existsSync(join(home, 'deployments/test/run-bg/1.0.0/logs/items.log'))).toBe(true);
    for (const folder of records[0].cgroup ?? []) expect(existsSync(folder)).toBe(false);
  }, 30_000);

  it('refuses unsafe names', async () => {
    await expect(target.deploy(request('../x', release(200, 'x')))).rejects.toThrow(
      "version '../x' is not a safe path segment",
    );
  });
});

(namespaces ? describe : describe.skip)('a version built for namespaces and started without them', () => {
  it('runs from a copy of its packages of its own, leaving the build it was linked to as it was', async () => {
    const home = mkdtempSync(join(tmpdir(), 'factory-deploy-'));
    let confinement = localConfinement({ FACTORY_SANDBOX: 'namespaces' });
    const target = new LocalBlueGreenTarget({
      home,
      build: compileForDeployment,
      confinement: () => confinement,
    });
    const request = (version: string, archive: Buffer) => ({
      tenantId: 'test',
      runId: 'run-switch',
      version,
      archive,
      services: ['items'],
      smoke: [],
      healthTimeoutMs: 1500,
    });
    try {
      expect((await target.deploy(request('1.0.0', release(200, 'blue')))).status).toBe('deployed');
      expect((await target.deploy(request('1.1.0', release(200, 'green')))).status).toBe('deployed');
      const build = join(home, 'deployments/test/run-switch/1.0.0/build/items');
      const linked = join(build, 'node_modules/pg/package.json');
      expect(statSync(linked).nlink).toBeGreaterThan(1);
      const before = readFileSync(linked, 'utf8');

      confinement = processConfinement;
      const rolled = await target.rollback('test', 'run-switch', 'the operator asked');
      expect(rolled).toMatchObject({ status: 'rolled-back', rollback: { restored: '1.0.0' } });
      const current = (await target.current('test', 'run-switch'))!;
      expect((await get(`${current.services[0].url}/health`)).body.marker).toBe('blue');
      expect(statSync(linked).nlink).toBe(1);
      expect(readFileSync(linked, 'utf8')).toBe(before);
      expect(readdirSync(build).filter((name) => /^\.linked|node_modules\./.test(name))).toEqual([]);
    } finally {
      await target.undeploy('test', 'run-switch');
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);
});

(namespaces ? describe : describe.skip)('a confined deployed service and the factory process', () => {
  it('keeps serving after the process that deployed it is killed, and stops whole when undeployed', async () => {
    const home = mkdtempSync(join(tmpdir(), 'factory-deploy-'));
    const archive = join(home, 'release.tgz');
    writeFileSync(archive, release(200, 'survivor'));
    const dist = join(__dirname, '../../../dist');
    // Another process deploys, prints the routing entry, and is killed with SIGKILL as a crash would.
    const deployer = spawn(
      process.execPath,
      [
        '-e',
        `const { LocalBlueGreenTarget } = require(${JSON.stringify(join(dist, 'platform/deployment'))});
         const { localConfinement } = require(${JSON.stringify(join(dist, 'platform/sandbox'))});
         const { compileForDeployment } = require(${JSON.stringify(join(dist, 'toolchain/backend/compileForDeployment'))});
         const target = new LocalBlueGreenTarget({ home: process.argv[1], build: compileForDeployment, confinement: () => localConfinement({}) });
         target.deploy({ tenantId: 'test', runId: 'run-crash', version: '1.0.0', archive: require('node:fs').readFileSync(process.argv[2]),
           services: ['items'], smoke: [], healthTimeoutMs: 5000 })
           .then((o) => { console.log(JSON.stringify(o.services)); setInterval(() => {}, 1000); });`,
        home,
        archive,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const services = await new Promise<Array<{ url: string }>>((done) => {
      let out = '';
      deployer.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) done(JSON.parse(out) as Array<{ url: string }>);
      });
    });
    deployer.kill('SIGKILL');
    await new Promise((done) => deployer.on('exit', done));
    expect((await get(`${services[0].url}/health`)).body.marker).toBe('survivor');

    const target = new LocalBlueGreenTarget({
      home,
      build: compileForDeployment,
      confinement: () => localConfinement({ FACTORY_SANDBOX: 'namespaces' }),
    });
    expect((await target.undeploy('test', 'run-crash')).stopped).toBe(1);
    await expect(fetch(`${services[0].url}/health`, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
    rmSync(home, { recursive: true, force: true });
  }, 60_000);
});
