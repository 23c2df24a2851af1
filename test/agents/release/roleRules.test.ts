import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { architectureToDevelopmentAgents } from '../../../agents/architecture-to-development';
import type { AgentDefinition, ArtifactRef } from '../../../core/agent';
import type { DeploymentTarget } from '../../../core/ports/deploymentTarget';
import { deploymentToProductionAgents, rollbackCoordinator } from '../../../agents/deployment-to-production';
import type { PostDeploymentCheck } from '../../../agents/deployment-to-production/postDeploymentValidator';
import { visionToArchitectureAgents } from '../../../agents/vision-to-architecture';
import { LocalBlueGreenTarget } from '../../../platform/deployment';
import { compileForDeployment } from '../../../toolchain/backend/compileForDeployment';
import { testAgentPorts, type HarnessRun } from '../../support/agentHarness';
import { readJson, releasedProduct, runPhase } from './phaseRunner';

const phase5 = deploymentToProductionAgents.filter((agent) => agent.name !== rollbackCoordinator.name);
const phases1and2 = [...visionToArchitectureAgents, ...architectureToDevelopmentAgents] as Array<
  AgentDefinition<unknown>
>;

/**
 * The deployed target as Azure's is: the factory's token names its one identity and carries no role of the
 * product, whatever it asks for (only an app role assignment would grant one). Everything else is the local target.
 */
function withoutRoles(target: LocalBlueGreenTarget): DeploymentTarget {
  return Object.assign(Object.create(target) as LocalBlueGreenTarget, {
    grantsRoles: false,
    accessToken: (tenant: string, run: string, _caller: { subject: string }, seconds?: number) =>
      target.accessToken(tenant, run, { subject: 'factory', roles: [] }, seconds),
  });
}

/** A product of `visionFile` built, released and deployed by phase 5 on a local target in its own home. */
function deployedProduct(visionFile: string) {
  const home = mkdtempSync(join(tmpdir(), 'factory-roles-'));
  const target = new LocalBlueGreenTarget({ home, build: compileForDeployment });
  const ports = { ...testAgentPorts(home), deploymentTarget: () => target };
  let built: HarnessRun;
  let released: ArtifactRef[];
  return {
    target,
    async build() {
      ({ built, released } = await releasedProduct(phases1and2, visionFile, ports));
    },
    /** Runs phase 5 with a deployment target (a new iteration each time) and reads the post-deployment checks. */
    async validate(deploymentTarget: DeploymentTarget, iteration: number): Promise<PostDeploymentCheck> {
      const refs = await runPhase(built.store, phase5, released, {
        iteration,
        phase: 'deployment-to-production',
        ports: { ...ports, deploymentTarget: () => deploymentTarget },
      });
      return readJson<PostDeploymentCheck>(built.store, refs, 'health-check', 'health-check-post.json');
    },
    async stop() {
      await target.undeploy('test', 'run-1');
      rmSync(home, { recursive: true, force: true });
    },
  };
}

describe('rules about who may act, deployed (volunteer-shifts vision, local blue/green)', () => {
  const product = deployedProduct('rules/volunteer-shifts.md');
  const { target } = product;

  beforeAll(() => product.build(), 240_000);
  afterAll(() => product.stop());

  it('checks create-read-delete with the roles the rules name where tokens carry them', async () => {
    const post = await product.validate(target, 1);
    expect(post.integration.filter((c) => !c.passed)).toEqual([]);
    expect(post.integration.map((c) => c.name)).toEqual(
      expect.arrayContaining(['POST /v1/shifts, GET, DELETE and GET by id']),
    );
    expect(post.passed).toBe(true);
    // The product refuses a caller without the role, naming the rule.
    const live = (await target.current('test', 'run-1'))!;
    const url = live.services.find((s) => s.service === 'shifts')!.url;
    const token = await target.accessToken('test', 'run-1', { subject: 'visitor', roles: [] });
    const refused = await fetch(`${url}/v1/shifts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'Sorting',
        startsAt: '2027-01-04T09:00:00Z',
        endsAt: '2027-01-04T12:00:00Z',
      }),
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ rule: 'shift-rule-1' });
  });

  it('checks the refusal instead where the factory cannot hold a role (as in Azure), and skips what it cannot make', async () => {
    const post = await product.validate(withoutRoles(target), 2);
    const byName = new Map(post.integration.map((c) => [c.name, c]));
    expect(
      byName.get('POST /v1/shifts without the role Coordinator: refused with 403 naming the rule'),
    ).toMatchObject({ passed: true, status: 403 });
    // A signup refers to a shift, which only a coordinator creates; a volunteer can be made but not removed.
    const skipped = post.integration.filter((c) => c.skipped).map((c) => c.url.replace(/^.*\/v1/, '/v1'));
    expect(skipped.sort()).toEqual(['/v1/signups', '/v1/volunteers']);
    expect(post.integration.filter((c) => !c.passed)).toEqual([]);
    expect(post.passed).toBe(true);
  });
});

describe("rules about one's own records, deployed (peer-review vision, local blue/green)", () => {
  const product = deployedProduct('rules/peer-review.md');

  beforeAll(() => product.build(), 240_000);
  afterAll(() => product.stop());

  it('makes a review of a submission as a second user, and skips it where the factory has one identity', async () => {
    const local = await product.validate(product.target, 1);
    expect(local.integration.filter((c) => !c.passed)).toEqual([]);
    expect(local.integration.map((c) => c.name)).toContain('POST /v1/reviews, GET, DELETE and GET by id');
    const azureLike = await product.validate(withoutRoles(product.target), 2);
    const reviews = azureLike.integration.find((c) => c.url.endsWith('/v1/reviews'))!;
    expect(reviews.skipped).toMatch(/second user/);
    expect(azureLike.passed).toBe(true);
  });
});
