import { z } from 'zod';
import { productOf, type AgentDefinition } from '../../core/agent';
import { integrationTargets } from '../blueprint/operations/checks';
import { checkResultSchema, type DeploymentReport } from '../blueprint/operations/reports';
import { newestJson } from '../../toolchain/release/productFiles';
import { httpCheck, type CheckResult } from '../../platform/deployment';
import type { DeploymentPlan } from '../testing-to-deployment/deploymentOrchestrator';
import type { DriverTarget } from '../../toolchain/testing/drivers';

export const postDeploymentSchema = z.object({
  stage: z.literal('post-deployment'),
  releasedVersion: z.string(),
  servingVersion: z.string().optional(),
  health: z.array(checkResultSchema),
  smoke: z.array(checkResultSchema),
  integration: z.array(checkResultSchema),
  passed: z.boolean(),
});
export type PostDeploymentCheck = z.infer<typeof postDeploymentSchema>;

/** One HTTP exchange of an integration check, with a timeout; the body is parsed when it is JSON. */
async function exchange(
  authorization: string,
  method: string,
  url: string,
  body?: Record<string, unknown>,
): Promise<{ status: number; json: { id?: unknown; rule?: unknown } }> {
  const response = await fetch(url, {
    method,
    headers: { authorization, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  let json: { id?: unknown; rule?: unknown } = {};
  try {
    json = text ? (JSON.parse(text) as { id?: unknown; rule?: unknown }) : {};
  } catch {
    json = {};
  }
  return { status: response.status, json };
}

/**
 * The body of a target with every reference to another record of the service filled with a record created for
 * it first (the database keeps those references with foreign keys); `made` collects what was created, in order.
 */
async function withParents(
  authorization: string,
  base: string,
  target: DriverTarget,
  targets: DriverTarget[],
  made: string[],
  depth = 0,
): Promise<Record<string, unknown>> {
  const body = { ...target.body };
  for (const parent of target.parents) {
    const parentTarget = targets.find((t) => t.collectionPath === parent.collectionPath);
    // A record referring to its own kind keeps the sample id: the chain has to end somewhere.
    if (!parentTarget || parentTarget === target || depth > 3) continue;
    const parentBody = await withParents(
      authorization,
      base,
      { ...parentTarget, body: parent.body },
      targets,
      made,
      depth + 1,
    );
    const created = await exchange(authorization, 'POST', `${base}${parent.collectionPath}`, parentBody);
    if (created.status !== 201 || typeof created.json.id !== 'string')
      throw new Error(`creating the record ${parent.field} refers to answered ${created.status}`);
    made.push(`${parent.collectionPath}/${encodeURIComponent(created.json.id)}`);
    body[parent.field] = created.json.id;
  }
  return body;
}

/**
 * Creates a resource through the deployed API (after the records it refers to), reads it back by id, deletes it
 * and checks it is gone, then deletes what it referred to: the live product keeps no record the factory made for
 * checking. A record that could not be deleted is named in the error, so a person can remove it.
 */
/**
 * Who the checks call as: `first`, and `second`, another subject, for what a rule forbids on one's own records
 * ("cannot review their own submission"); absent where the target cannot sign for a chosen caller.
 */
interface Callers {
  first: string;
  second?: string;
}

async function createReadDelete(
  callers: Callers,
  service: string,
  base: string,
  target: DriverTarget,
  targets: DriverTarget[],
): Promise<CheckResult> {
  const made: string[] = [];
  const other = callers.second ?? callers.first;
  const creator = target.notOwn.includes('create') ? other : callers.first;
  const checked = await createReadDeleteOne(
    {
      create: creator,
      delete: target.notOwn.includes('delete') && creator === callers.first ? other : creator,
    },
    service,
    base,
    target.collectionPath,
    () => withParents(callers.first, base, target, targets, made),
  );
  const left: string[] = [];
  for (const path of made.reverse()) {
    const parent = targets.find((t) => path.startsWith(`${t.collectionPath}/`));
    const remover = parent?.notOwn.includes('delete') ? other : callers.first;
    const deleted = await exchange(remover, 'DELETE', `${base}${path}`).catch(() => ({ status: 0 }));
    if (deleted.status !== 204) left.push(path);
  }
  if (left.length === 0) return checked;
  const error = [checked.error, `records ${left.join(', ')} are left in the product`]
    .filter(Boolean)
    .join('; ');
  return { ...checked, passed: false, error };
}

async function createReadDeleteOne(
  authorization: { create: string; delete: string },
  service: string,
  base: string,
  collectionPath: string,
  bodyOf: () => Promise<Record<string, unknown>>,
): Promise<CheckResult> {
  const name = `POST ${collectionPath}, GET, DELETE and GET by id`;
  const result = timedResult(service, name, `${base}${collectionPath}`);
  let id: string | undefined;
  let failure: string | undefined;
  let status: number | undefined;
  try {
    const created = await exchange(authorization.create, 'POST', `${base}${collectionPath}`, await bodyOf());
    status = created.status;
    if (created.status !== 201 || typeof created.json.id !== 'string')
      return result(status, `create answered ${created.status}${created.json.id ? '' : ' without an id'}`);
    id = created.json.id;
    const item = `${base}${collectionPath}/${encodeURIComponent(id)}`;
    const read = await exchange(authorization.create, 'GET', item);
    status = read.status;
    if (read.status !== 200) failure = `read by id answered ${read.status}`;
    const deleted = await exchange(authorization.delete, 'DELETE', item);
    status = deleted.status;
    if (deleted.status !== 204)
      return result(
        status,
        [failure, `delete answered ${deleted.status}; record ${id} is left in the product`]
          .filter(Boolean)
          .join('; '),
      );
    id = undefined;
    const gone = await exchange(authorization.create, 'GET', item);
    status = gone.status;
    if (gone.status !== 404)
      failure = [failure, `read after delete answered ${gone.status}`].filter(Boolean).join('; ');
    return result(status, failure);
  } catch (error) {
    const left = id === undefined ? '' : `; record ${id} may be left in the product`;
    return result(status, `${(error as Error).message}${left}`);
  }
}

/** The result of one check, timed from now on: passed unless it is given an error. */
function timedResult(service: string, name: string, url: string) {
  const started = Date.now();
  return (status: number | undefined, error?: string): CheckResult => ({
    service,
    name,
    url,
    status,
    passed: error === undefined,
    durationMs: Date.now() - started,
    ...(error === undefined ? {} : { error }),
  });
}

/**
 * Whether checking a target needs a caller the target cannot sign for: a role, or a second user where a rule
 * forbids acting on one's own records, for it or a record it refers to.
 */
function needsChosenCaller(target: DriverTarget, targets: DriverTarget[], depth = 0): boolean {
  const { roles, notOwn } = target;
  if (roles.create.length > 0 || roles.delete.length > 0 || notOwn.length > 0) return true;
  return target.parents.some((parent) => {
    const parentTarget = targets.find((t) => t.collectionPath === parent.collectionPath);
    return (
      parentTarget !== undefined &&
      parentTarget !== target &&
      depth < 3 &&
      needsChosenCaller(parentTarget, targets, depth + 1)
    );
  });
}

/**
 * Where the factory's token holds no role (Azure), a create the vision restricts to some roles is checked from the
 * other side: it must be refused with 403 naming the rule, before any record is read or written. A record that
 * cannot be made or removed again without a role is not created at all; the check says why.
 */
async function refusedWithoutRole(
  authorization: string,
  service: string,
  base: string,
  target: DriverTarget,
): Promise<CheckResult> {
  const url = `${base}${target.collectionPath}`;
  const { create } = target.roles;
  if (create.length === 0) {
    return {
      service,
      name: `POST ${target.collectionPath}, GET, DELETE and GET by id`,
      url,
      passed: true,
      durationMs: 0,
      skipped:
        'creating or deleting it, or a record it refers to, needs a role of the product or a second user, and the factory has one identity without roles here',
    };
  }
  const name = `POST ${target.collectionPath} without the role ${create.join(' or ')}: refused with 403 naming the rule`;
  const result = timedResult(service, name, url);
  try {
    const reply = await exchange(authorization, 'POST', url, target.body);
    if (reply.status === 403 && typeof reply.json.rule === 'string') return result(reply.status);
    let error = `answered ${reply.status}`;
    if (reply.status === 201 && typeof reply.json.id === 'string') {
      const item = `${url}/${encodeURIComponent(reply.json.id)}`;
      const deleted = await exchange(authorization, 'DELETE', item).catch(() => ({ status: 0 }));
      if (deleted.status !== 204) error += `; record ${reply.json.id} is left in the product`;
    }
    return result(reply.status, error);
  } catch (error) {
    return result(undefined, (error as Error).message);
  }
}

/** Who the checks call as: the factory, signed in as itself with the roles the product's rules name. */
const validatorSubject = 'factory:post-deployment-validator';

export const postDeploymentValidator: AgentDefinition<PostDeploymentCheck> = {
  name: 'postDeploymentValidator',
  role: 'QA Engineer',
  phase: 'deployment-to-production',
  purpose:
    'Validates what serves after the deployment: health checks, smoke tests and create-read-delete integration tests against the deployed URLs (leaving no data behind).',
  uses: 'tools',
  reads: ['deployment-report', 'deployment-plan', 'domain-model', 'openapi'],
  writes: ['health-check'],
  output: postDeploymentSchema,
  async blueprint(ctx) {
    const report = await newestJson<DeploymentReport>(ctx, 'deployment-report');
    if (!report) throw new Error('no deployment-report was given: the Production Deployer writes it');
    const plan = await newestJson<DeploymentPlan>(ctx, 'deployment-plan');
    const target = ctx.deploymentTarget();
    const current = await target.current(ctx.tenantId, productOf(ctx));
    const live = current?.status === 'live' ? current.services : [];
    const targetsOf = await integrationTargets(
      ctx,
      live.map((s) => s.service),
    );
    const roles = [
      ...new Set([...targetsOf.values()].flat().flatMap((t) => [...t.roles.create, ...t.roles.delete])),
    ].sort();
    const token = async (subject: string) =>
      `Bearer ${await target.accessToken(ctx.tenantId, productOf(ctx), { subject, roles }, 600)}`;
    const authorization = live.length ? await token(validatorSubject) : '';
    const callers: Callers = {
      first: authorization,
      ...(live.length && target.grantsRoles ? { second: await token(`${validatorSubject}:second`) } : {}),
    };
    const health = await Promise.all(
      live.map((s) => httpCheck(s.service, 'GET /health', `${s.url}/health`, [200], 5000)),
    );
    const smoke: CheckResult[] = [];
    for (const s of plan?.services ?? []) {
      const url = live.find((l) => l.service === s.service)?.url;
      for (const line of s.smoke) {
        const path = line.replace(/^GET\s+/, '');
        smoke.push(
          url
            ? await httpCheck(s.service, line, `${url}${path}`, [200], 5000, authorization)
            : {
                service: s.service,
                name: line,
                url: '',
                passed: false,
                durationMs: 0,
                error: 'the service is not live',
              },
        );
      }
    }
    const integration: CheckResult[] = [];
    for (const s of live) {
      const targets = targetsOf.get(s.service) ?? [];
      for (const t of targets)
        integration.push(
          target.grantsRoles || !needsChosenCaller(t, targets)
            ? await createReadDelete(callers, s.service, s.url, t, targets)
            : await refusedWithoutRole(authorization, s.service, s.url, t),
        );
    }
    const servingVersion = current?.status === 'live' ? current.version : undefined;
    const all = [...health, ...smoke, ...integration];
    return {
      stage: 'post-deployment',
      releasedVersion: report.version,
      servingVersion,
      health,
      smoke,
      integration,
      passed: servingVersion === report.version && live.length > 0 && all.every((c) => c.passed),
    };
  },
  artifacts(output) {
    return [
      {
        path: 'production/health-check-post.json',
        kind: 'health-check',
        contentType: 'application/json',
        content: JSON.stringify(output, null, 2) + '\n',
      },
    ];
  },
};
