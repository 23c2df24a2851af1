import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseFeedback, storeFeedback } from '../../../agents/blueprint/operations/feedbackInbox';
import { deploymentTargetFromSettings } from '../../../functions/compositionRoot';
import { factoryHome } from '../../../platform/config';
import { assertSafeSegment, type CurrentDeployment } from '../../../platform/deployment';
import { requireRun } from '../../../runs/runCommands';
import { parse, positiveInt, UsageError } from '../args';
import { Output } from '../output';
import { openSession, localTenant } from '../session';

const maxFeedbackBytes = 2 * 1024 * 1024;

/** The routing entry of a run's local deployment (`deployments/<tenant>/<runId>/current.json`), if any. */
export function readCurrentDeployment(
  home: string,
  tenantId: string,
  runId: string,
): CurrentDeployment | undefined {
  const path = join(
    resolve(home),
    'deployments',
    assertSafeSegment(tenantId, 'tenant id'),
    assertSafeSegment(runId, 'run id'),
    'current.json',
  );
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as CurrentDeployment;
}

/** Lines for `factory status`: where the deployed product answers, or that it is stopped. */
export function describeDeployment(current: CurrentDeployment | undefined): string[] {
  if (!current) return [];
  if (current.status !== 'live') return [`deployment: ${current.version} stopped`];
  return [
    `deployment: ${current.version} live (${current.adapter})`,
    ...(current.web ? [`  web app: ${current.web}`] : []),
    ...current.services.map((s) => `  ${s.service}: ${s.url}`),
    `  (a bearer token for it: factory token ${current.runId} --subject <you>${(current.roles ?? []).map((role) => ` [--role ${role}]`).join('')}${current.web ? `; sign in to the web app by opening ${current.web}#access_token=<token>` : ''})`,
  ];
}

/**
 * What of the run's product serves now and where, from the deployment target (the local routing entry, or the
 * Container Apps traffic); undefined when nothing was deployed or the target cannot say.
 */
export async function liveDeployment(
  home: string,
  tenantId: string,
  runId: string,
): Promise<CurrentDeployment | undefined> {
  try {
    return await deploymentTargetFromSettings(process.env, home).current(tenantId, runId);
  } catch {
    return undefined;
  }
}

/** The product a run id names: the run's own, or, for a run that changed a product, that product's first run. */
async function productRun(runId: string): Promise<string> {
  const session = await openSession({ process: false });
  try {
    return (await session.ports.runs.get(session.tenantId, runId))?.change?.product ?? runId;
  } finally {
    await session.close();
  }
}

/** `factory undeploy RUN_ID`: stops every process of the run's (product's) local deployment. */
export async function undeployCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, ['RUN_ID']);
  const out = new Output(Boolean(values.json));
  const runId = positionals[0];
  try {
    assertSafeSegment(runId, 'run id');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const home = factoryHome();
  const tenantId = localTenant();
  const product = await productRun(runId);
  const before = readCurrentDeployment(home, tenantId, product);
  if (!before) throw new Error(`run ${runId} has no deployment under ${join(home, 'deployments', tenantId)}`);
  const result = await deploymentTargetFromSettings(process.env, home).undeploy(tenantId, product);
  const name = product === runId ? runId : `${runId} (the product of run ${product})`;
  out.result({ runId, product, ...result }, () =>
    out.line(
      result.stopped
        ? `${name}: stopped ${result.stopped} process(es) of ${result.versions.join(', ')}`
        : `${name}: nothing was running`,
    ),
  );
  return 0;
}

/** `factory feedback RUN_ID --file F`: stores user feedback for the run's next optimization phase. */
export async function feedbackCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { file: { type: 'string' } }, ['RUN_ID']);
  if (!values.file || typeof values.file !== 'string')
    throw new UsageError('--file F is required: a JSON array, JSON Lines or one entry per line of text');
  const out = new Output(Boolean(values.json));
  const file = resolve(values.file);
  if (!existsSync(file)) throw new UsageError(`--file ${values.file}: no such file`);
  if (statSync(file).size > maxFeedbackBytes)
    throw new UsageError(`--file ${values.file}: larger than ${maxFeedbackBytes} bytes`);
  const entries = parseFeedback(readFileSync(file, 'utf8'), values.file);
  const runId = positionals[0];
  const session = await openSession({ process: false });
  try {
    await requireRun(session.ports, session.tenantId, runId);
    const stored = await storeFeedback(session.ports.artifacts, session.tenantId, runId, entries);
    out.result({ runId, ...stored }, () =>
      out.line(
        stored.duplicate
          ? `${runId}: this feedback was already stored (${stored.path})`
          : `${runId}: stored ${stored.entries} feedback entr${stored.entries === 1 ? 'y' : 'ies'}; the next Production to Optimization phase reads them`,
      ),
    );
    return 0;
  } finally {
    await session.close();
  }
}

/** Longest token `factory token` issues: a week (people trying the product; nothing renews it). */
const maxTokenHours = 7 * 24;

/**
 * `factory token RUN_ID --subject NAME [--role ROLE]... [--hours N]`: a bearer token the run's deployed product
 * accepts, signed by its deployment's issuer, for trying the product with curl or a client.
 */
export async function tokenCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    { subject: { type: 'string' }, role: { type: 'string', multiple: true }, hours: { type: 'string' } },
    ['RUN_ID'],
  );
  const runId = positionals[0];
  try {
    assertSafeSegment(runId, 'run id');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const subject = typeof values.subject === 'string' ? values.subject.trim() : '';
  if (!/^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/.test(subject))
    throw new UsageError(
      '--subject NAME is required: letters, digits and . _ @ : - (at most 128), as the product will see it',
    );
  const roles = (values.role as unknown as string[] | undefined) ?? [];
  for (const role of roles)
    if (!/^[A-Za-z][A-Za-z0-9._-]{0,63}$/.test(role))
      throw new UsageError(`--role '${role}' is not a role name (a letter, then letters, digits, . _ -)`);
  const hours = positiveInt('hours', values.hours) ?? 8;
  if (hours > maxTokenHours) throw new UsageError(`--hours must be at most ${maxTokenHours}`);
  const home = factoryHome();
  const tenantId = localTenant();
  const target = deploymentTargetFromSettings(process.env, home);
  // Only a local deployment's own issuer signs for a chosen subject and roles; Entra ID issues Azure's tokens.
  if (target.adapter !== 'local-blue-green')
    throw new UsageError(
      'in Azure the product trusts Entra ID: az account get-access-token --resource api://<product API app id>',
    );
  const product = await productRun(runId);
  const current = await target.current(tenantId, product);
  if (!current) throw new Error(`run ${runId} has no deployment: nothing would accept a token`);
  const token = await target.accessToken(
    tenantId,
    product,
    { subject, roles: [...new Set(roles)] },
    hours * 3600,
  );
  const out = new Output(Boolean(values.json));
  const expiresAt = new Date(Date.now() + hours * 3600_000).toISOString();
  out.result({ runId, subject, roles, expiresAt, token }, () => out.line(token));
  return 0;
}
