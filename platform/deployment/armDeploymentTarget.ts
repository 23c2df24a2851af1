import type { TokenCredential } from '@azure/identity';
import {
  assertSafeSegment,
  httpCheck,
  type CheckResult,
  type CurrentDeployment,
  type DeployedService,
  type DeploymentOutcome,
  type DeploymentStep,
  type DeploymentTarget,
  type DeployRequest,
} from '../../core/ports/deploymentTarget';

export interface ArmTargetOptions {
  subscriptionId: string;
  resourceGroup: string;
  credential: TokenCredential;
  /** Resource Manager endpoint; a loopback fake in tests. */
  endpoint?: string;
  apiVersion?: string;
  pollIntervalMs?: number;
  timeoutMs?: number;
}

interface ArmDeployment {
  name: string;
  tags?: Record<string, string>;
  properties: {
    provisioningState: string;
    timestamp?: string;
    outputs?: Record<string, { type?: string; value: unknown }>;
    parameters?: Record<string, { value: unknown }>;
    error?: { code?: string; message?: string };
  };
}

const terminal = new Set(['Succeeded', 'Failed', 'Canceled']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Deploys the product's infrastructure (Bicep compiled to an ARM template) with the ARM REST API:
 * `PUT .../resourcegroups/{rg}/providers/Microsoft.Resources/deployments/{name}`, then polls until the
 * deployment is terminal. `@azure/arm-resources` is not a dependency of the factory, so the calls are plain
 * `fetch` with a bearer token from `@azure/identity`. A failed deployment is redeployed from the last
 * successful one by ARM itself (`onErrorDeployment: LastSuccessful`); a deployment whose services fail their
 * health or smoke checks is rolled back by redeploying the previous deployment's exported template.
 */
export class ArmDeploymentTarget implements DeploymentTarget {
  readonly adapter = 'azure-arm';
  private readonly endpoint: string;
  private readonly apiVersion: string;

  constructor(private readonly options: ArmTargetOptions) {
    if (!/^[0-9a-fA-F-]{36}$/.test(options.subscriptionId))
      throw new Error(`subscription id '${options.subscriptionId}' is not a GUID`);
    if (!/^[-\w._()]{1,90}$/.test(options.resourceGroup))
      throw new Error(`resource group name '${options.resourceGroup}' is not valid`);
    this.endpoint = (options.endpoint ?? 'https://management.azure.com').replace(/\/$/, '');
    this.apiVersion = options.apiVersion ?? '2021-04-01';
  }

  private deploymentsUrl(suffix = ''): string {
    const { subscriptionId, resourceGroup } = this.options;
    return `${this.endpoint}/subscriptions/${subscriptionId}/resourcegroups/${encodeURIComponent(resourceGroup)}/providers/Microsoft.Resources/deployments${suffix}`;
  }

  private async call<T>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
    const token = await this.options.credential.getToken(`${this.endpoint}/.default`);
    if (!token) throw new Error('the credential returned no token for Azure Resource Manager');
    const separator = url.includes('?') ? '&' : '?';
    const response = await fetch(`${url}${separator}api-version=${this.apiVersion}`, {
      method,
      headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = (text ? JSON.parse(text) : {}) as T & { error?: { code?: string; message?: string } };
    if (response.status >= 400) {
      throw new Error(
        `ARM ${method} ${url.replace(this.endpoint, '')} answered ${response.status}: ${parsed.error?.code ?? ''} ${parsed.error?.message ?? text.slice(0, 300)}`.trim(),
      );
    }
    return { status: response.status, body: parsed };
  }

  private async putAndWait(
    name: string,
    properties: Record<string, unknown>,
    tags: Record<string, string>,
  ): Promise<ArmDeployment> {
    const url = this.deploymentsUrl(`/${encodeURIComponent(name)}`);
    await this.call('PUT', url, { properties, tags });
    const deadline = Date.now() + (this.options.timeoutMs ?? 30 * 60_000);
    for (;;) {
      const { body } = await this.call<ArmDeployment>('GET', url);
      if (terminal.has(body.properties.provisioningState)) return body;
      if (Date.now() > deadline)
        throw new Error(
          `ARM deployment ${name} is still ${body.properties.provisioningState} after the timeout`,
        );
      await sleep(this.options.pollIntervalMs ?? 5000);
    }
  }

  async deploy(request: DeployRequest): Promise<DeploymentOutcome> {
    if (!request.infrastructure) {
      throw new Error(
        'the ARM target deploys a compiled ARM template: the Bicep CLI (BICEP_PATH or bicep on PATH) must build infra/main.bicep first',
      );
    }
    const version = assertSafeSegment(request.version, 'version');
    const steps: DeploymentStep[] = [];
    const before = await this.current(request.tenantId, request.runId);
    const name = deploymentName(request.runId, version);
    const started = new Date();
    const parameters = Object.fromEntries(
      Object.entries(request.infrastructure.parameters).map(([k, v]) => [k, { value: v }]),
    );
    const result = await this.putAndWait(
      name,
      {
        mode: 'Incremental',
        template: request.infrastructure.template,
        parameters,
        ...(before ? { onErrorDeployment: { type: 'LastSuccessful' } } : {}),
      },
      { factoryRun: request.runId, factoryTenant: request.tenantId, factoryVersion: version },
    );
    const state = result.properties.provisioningState;
    steps.push({
      name: `ARM deployment ${name}`,
      startedAt: started.toISOString(),
      durationMs: Date.now() - started.getTime(),
      ok: state === 'Succeeded',
      detail:
        state +
        (result.properties.error
          ? `: ${result.properties.error.message ?? result.properties.error.code}`
          : ''),
    });
    const base = {
      adapter: this.adapter,
      version,
      previousVersion: before?.version,
      steps,
      health: [] as CheckResult[],
      smoke: [] as CheckResult[],
    };
    if (state !== 'Succeeded') {
      const reason = result.properties.error?.message ?? `deployment ${state}`;
      return {
        ...base,
        status: before ? 'rolled-back' : 'failed',
        services: before?.services ?? [],
        rollback: {
          reason,
          restored: before?.version,
          detail: before
            ? `ARM redeployed the last successful deployment (${before.version})`
            : 'no earlier deployment to fall back to',
        },
      };
    }
    const services = serviceUrls(result);
    const health = await Promise.all(
      services.map((s) => httpCheck(s.service, 'GET /health', `${s.url}/health`, [200], 10_000)),
    );
    const smoke: CheckResult[] = [];
    for (const check of request.smoke) {
      const target = services.find((s) => s.service === check.service);
      smoke.push(
        target
          ? await httpCheck(
              check.service,
              `${check.method} ${check.path}`,
              `${target.url}${check.path}`,
              check.expect,
              10_000,
            )
          : {
              service: check.service,
              name: `${check.method} ${check.path}`,
              url: '',
              passed: false,
              durationMs: 0,
              error: 'no URL in the deployment outputs',
            },
      );
    }
    const failed = [...health, ...smoke].filter((c) => !c.passed);
    if (failed.length === 0) return { ...base, status: 'deployed', services, health, smoke };
    const reason = failed.map((c) => `${c.service} ${c.name}: ${c.status ?? c.error}`).join('; ');
    const rolled = await this.rollback(request.tenantId, request.runId, reason);
    return {
      ...base,
      steps: [...steps, ...rolled.steps],
      status: rolled.status === 'rolled-back' ? 'rolled-back' : 'failed',
      services,
      health,
      smoke,
      rollback: rolled.rollback,
    };
  }

  async current(tenantId: string, runId: string): Promise<CurrentDeployment | undefined> {
    const mine = await this.succeeded(runId);
    const latest = mine[0];
    if (!latest) return undefined;
    return {
      tenantId,
      runId,
      adapter: this.adapter,
      version: latest.tags?.factoryVersion ?? latest.name,
      status: 'live',
      switchedAt: latest.properties.timestamp ?? '',
      services: serviceUrls(latest),
      previousVersion: mine[1]?.tags?.factoryVersion,
      history: mine
        .map((d) => ({
          version: d.tags?.factoryVersion ?? d.name,
          at: d.properties.timestamp ?? '',
          event: 'switched' as const,
        }))
        .reverse(),
    };
  }

  /** Succeeded deployments of the run, newest first. */
  private async succeeded(runId: string): Promise<ArmDeployment[]> {
    const { body } = await this.call<{ value: ArmDeployment[] }>('GET', this.deploymentsUrl());
    return (body.value ?? [])
      .filter((d) => d.tags?.factoryRun === runId && d.properties.provisioningState === 'Succeeded')
      .sort((a, b) => (b.properties.timestamp ?? '').localeCompare(a.properties.timestamp ?? ''));
  }

  async rollback(tenantId: string, runId: string, reason: string): Promise<DeploymentOutcome> {
    const mine = await this.succeeded(runId);
    const [failing, previous] = mine;
    const steps: DeploymentStep[] = [];
    const version = failing?.tags?.factoryVersion ?? 'none';
    if (!previous) {
      return {
        adapter: this.adapter,
        version,
        status: 'failed',
        services: failing ? serviceUrls(failing) : [],
        steps,
        health: [],
        smoke: [],
        rollback: { reason, detail: 'no earlier successful deployment to restore' },
      };
    }
    const started = new Date();
    const { body: exported } = await this.call<{ template: Record<string, unknown> }>(
      'POST',
      this.deploymentsUrl(`/${encodeURIComponent(previous.name)}/exportTemplate`),
    );
    const restoredVersion = previous.tags?.factoryVersion ?? previous.name;
    const result = await this.putAndWait(
      `${previous.name}-restore`.slice(0, 64),
      { mode: 'Incremental', template: exported.template, parameters: previous.properties.parameters ?? {} },
      { factoryRun: runId, factoryTenant: tenantId, factoryVersion: restoredVersion },
    );
    const ok = result.properties.provisioningState === 'Succeeded';
    steps.push({
      name: `redeploy ${previous.name}`,
      startedAt: started.toISOString(),
      durationMs: Date.now() - started.getTime(),
      ok,
      detail: result.properties.provisioningState,
    });
    return {
      adapter: this.adapter,
      version,
      status: ok ? 'rolled-back' : 'failed',
      previousVersion: restoredVersion,
      services: serviceUrls(result),
      steps,
      health: [],
      smoke: [],
      rollback: {
        reason,
        restored: ok ? restoredVersion : undefined,
        detail: ok
          ? `redeployed ${previous.name}'s template`
          : `restoring ${previous.name} ended ${result.properties.provisioningState}`,
      },
    };
  }

  undeploy(): Promise<{ stopped: number; versions: string[] }> {
    // ARM deployments are records; deleting one leaves its resources. Removing a product means deleting its
    // resource group, a decision left to a person.
    return Promise.reject(
      new Error(
        `undeploy is not automated for Azure: delete resource group '${this.options.resourceGroup}' (az group delete -n ${this.options.resourceGroup}) to remove the product`,
      ),
    );
  }

  logs(): Promise<Array<{ service: string; line: string }>> {
    // In Azure the services log to Application Insights; the port has no copy.
    return Promise.resolve([]);
  }
}

export function deploymentName(runId: string, version: string): string {
  return `factory-${runId}-${version}`.replace(/[^-\w._()]/g, '-').slice(0, 64);
}

/** `SERVICE_URLS` output of the product template: `[{ service, url }]`. */
function serviceUrls(deployment: ArmDeployment): DeployedService[] {
  const value = deployment.properties.outputs?.SERVICE_URLS?.value;
  if (!Array.isArray(value)) return [];
  return value
    .filter(
      (v): v is { service: string; url: string } =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as { service?: unknown }).service === 'string' &&
        typeof (v as { url?: unknown }).url === 'string',
    )
    .map((v) => ({ service: v.service, url: v.url.replace(/\/$/, '') }));
}
