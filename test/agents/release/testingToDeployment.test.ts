import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadReleasePackage } from '../../../toolchain/release/productFiles';
import { createAgentContext } from '../../../agents/runtime/agentContext';
import { testingToDeploymentAgents } from '../../../agents/testing-to-deployment';
import { releaseVersion } from '../../../core/version';
import type { ReleaseNotes } from '../../../agents/testing-to-deployment/releaseManager';
import type { SecurityReport } from '../../../agents/testing-to-deployment/securityEngineer';
import { testingToDeploymentGate } from '../../../gates/testing-to-deployment';
import { LocalBlueGreenTarget } from '../../../platform/deployment';
import { readTarGz, sha256 } from '../../../platform/deployment/tarball';
import { compileForDeployment } from '../../../toolchain/backend/compileForDeployment';
import { evaluateGate, runAgents, testAgentPorts, type HarnessRun } from '../../support/agentHarness';
import { builtProduct, patchService } from './fixtures';
import { testingToDeployment } from '../../../orchestrations/testingToDeployment';
import { phaseSteps } from '../../../orchestrations/phaseSteps';
import { serviceDockerfilePath } from '../../../core/ports/deploymentTarget';
import { serviceDockerfile } from '../../../toolchain/release/serviceDockerfile';

describe('Testing to Deployment', () => {
  const home = mkdtempSync(join(tmpdir(), 'factory-release-'));
  const target = new LocalBlueGreenTarget({ home, build: compileForDeployment });
  const ports = { ...testAgentPorts(home), deploymentTarget: () => target };
  let released: HarnessRun;
  let leaky: HarnessRun;

  beforeAll(async () => {
    const built = await runAgents(builtProduct, { visionText: 'tool library', ports });
    released = await runAgents(testingToDeploymentAgents, {
      visionText: 'tool library',
      store: built.store,
      inputs: built.refs.slice(1),
      ports,
    });
    const planted = await runAgents(
      [
        patchService(
          'lending',
          'src/config.ts',
          () =>
            "export const storage = 'DefaultEndpointsProtocol=https;AccountName=tools;AccountKey=c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTIzNA==;EndpointSuffix=core.windows.net';\nexport const awsKey = 'AKIAIOSFODNN7EXAMPLQ';\n",
        ),
        ...testingToDeploymentAgents,
      ],
      // Another phase folder: artifact paths are immutable and the clean release above already used its own.
      {
        visionText: 'tool library',
        store: built.store,
        phase: 'development-to-testing',
        inputs: built.refs.slice(1),
        ports,
      },
    );
    leaky = planted;
  }, 120_000);

  afterAll(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('declares the steps with provisioning, security and observability in parallel', () => {
    expect(phaseSteps(testingToDeployment, 'testing-to-deployment')).toEqual([
      'devopsEngineer',
      ['cloudProvisioner', 'securityEngineer', 'observabilityEngineer'],
      'releaseManager',
      'deploymentOrchestrator',
    ]);
  });

  it('writes a pipeline whose every reference exists in the product', async () => {
    const pipeline = await released.json<{
      validation: { stages: string[]; findings: string[]; checkedReferences: number };
    }>('pipeline');
    expect(pipeline.validation.findings).toEqual([]);
    expect(pipeline.validation.stages).toEqual(['build', 'test', 'package', 'deploy_dev', 'deploy_prod']);
    expect(pipeline.validation.checkedReferences).toBeGreaterThan(4);
  });

  it('plans the Bicep resources per environment, sized by each parameter file', async () => {
    const plan = await released.json<{
      environments: Array<{
        name: string;
        totals: Record<string, number>;
        resources: Array<{ type: string; settings: Record<string, string> }>;
      }>;
      compile: { status: string };
    }>('provisioning-plan');
    expect(plan.environments.map((e) => e.name).sort()).toEqual(['dev', 'prod']);
    const prod = plan.environments.find((e) => e.name === 'prod')!;
    expect(prod.totals['Microsoft.App/containerApps']).toBe(1);
    expect(
      prod.resources.find((r) => r.type === 'Microsoft.DBforPostgreSQL/flexibleServers')?.settings
        .postgresSku,
    ).toBe('Standard_D2ds_v5');
    expect(['compiled', 'skipped']).toContain(plan.compile.status);
  });

  it('passes the generated product with no high-severity finding and a verified package', async () => {
    const security = await released.json<SecurityReport>('security-report');
    expect(security.summary.high).toBe(0);
    expect(security.dependencies.entries.map((e) => e.service)).toEqual(['lending']);
    const criteria = await evaluateGate(testingToDeploymentGate, released);
    expect(criteria.filter((c) => !c.passed)).toEqual([]);
  });

  it('versions the release and packages a tar.gz whose files match the manifest', async () => {
    const notes = await released.json<ReleaseNotes>('release-notes');
    expect(notes.version).toBe('1.0.0');
    expect(releaseVersion(3)).toBe('1.2.0');
    expect(notes.stories.length).toBeGreaterThan(0);
    const ctx = createAgentContext({
      store: released.store,
      runId: released.runId,
      tenantId: released.tenantId,
      iteration: 1,
      attempt: 1,
      phase: 'development-to-testing',
      agent: 'test',
      inputs: released.refs,
    });
    const { archive, manifest } = await loadReleasePackage(ctx);
    expect(manifest.archive).toBe('tool-library-1.0.0.tgz');
    const entries = readTarGz(archive);
    expect(entries.map((e) => e.path)).toContain('services/lending/src/main.ts');
    expect(entries.map((e) => e.path)).toContain('infra/main.bicep');
    // The image build of each service starts from the package: its Dockerfile is at the root.
    expect(entries.find((e) => e.path === serviceDockerfilePath)?.content.toString()).toBe(serviceDockerfile);
    for (const file of manifest.files)
      expect(sha256(entries.find((e) => e.path === file.path)!.content)).toBe(file.sha256);
  });

  it('fails the gate when generated code holds a planted secret', async () => {
    const security = await leaky.json<SecurityReport>('security-report');
    expect(security.secrets.map((s) => `${s.rule} ${s.file}:${s.line}`)).toEqual([
      'secret/azure-storage-key services/lending/src/config.ts:1',
      'secret/aws-access-key services/lending/src/config.ts:2',
    ]);
    expect(JSON.stringify(security)).not.toContain('AKIAIOSFODNN7EXAMPLQ');
    const criteria = await evaluateGate(testingToDeploymentGate, leaky);
    const failed = criteria.filter((c) => !c.passed);
    expect(failed.map((c) => c.name)).toEqual([
      'high-severity security findings',
      'deployment plan complete',
    ]);
    expect(failed[0].findings[0]).toContain('services/lending/src/config.ts:1 secret/azure-storage-key');
  });

  it('fails package verification when an archived file was altered after packaging', async () => {
    const ctx = createAgentContext({
      store: released.store,
      runId: released.runId,
      tenantId: released.tenantId,
      iteration: 1,
      attempt: 1,
      phase: 'development-to-testing',
      agent: 'test',
      inputs: released.refs,
    });
    const { archive, manifest } = await loadReleasePackage(ctx);
    const { verifyPackage } = await import('../../../toolchain/release/productFiles');
    const tampered = {
      ...manifest,
      files: manifest.files.map((f) =>
        f.path === 'infra/main.bicep' ? { ...f, sha256: sha256('other') } : f,
      ),
    };
    expect(verifyPackage(archive, tampered).problems).toEqual([
      'infra/main.bicep: sha256 differs from the manifest',
    ]);
  });

  it('writes archives that the system tar reads', () => {
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    const dir = mkdtempSync(join(tmpdir(), 'factory-tar-'));
    try {
      const { writeFileSync, readFileSync } = require('node:fs') as typeof import('node:fs');
      const { writeTarGz } =
        require('../../../platform/deployment/tarball') as typeof import('../../../platform/deployment/tarball');
      const long = `${'deep/'.repeat(30)}file.txt`;
      writeFileSync(
        join(dir, 'a.tgz'),
        writeTarGz([
          { path: 'x/y.txt', content: Buffer.from('hello') },
          { path: long, content: Buffer.from('long') },
        ]),
      );
      execFileSync('tar', ['-xzf', 'a.tgz'], { cwd: dir });
      expect(readFileSync(join(dir, 'x/y.txt'), 'utf8')).toBe('hello');
      expect(readFileSync(join(dir, long), 'utf8')).toBe('long');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
