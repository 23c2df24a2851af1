/**
 * The deployment target port: where a release package goes live. Adapters: `LocalBlueGreenTarget` (services as
 * processes on loopback under FACTORY_HOME, blue/green with a routing file) and `ContainerAppsTarget` (the
 * product's ARM template, images built by ACR Tasks, blue/green between Container Apps revisions). See
 * docs/adr/0051-deployment-target.md and docs/adr/0053-products-on-container-apps.md.
 */

/** The release package's Dockerfile, at its root: builds any one of its services (`--build-arg SERVICE=<slug>`). */
export const serviceDockerfilePath = 'Dockerfile';
/** The Dockerfile of the product's gateway (its web app, PWA and one origin for the APIs), when it has clients. */
export const gatewayDockerfilePath = 'gateway/Dockerfile';

/** One request a smoke test makes against a deployed service. */
export interface SmokeCheck {
  service: string;
  method: 'GET';
  path: string;
  expect: number[];
}

export interface CheckResult {
  service: string;
  name: string;
  url: string;
  status?: number;
  passed: boolean;
  durationMs: number;
  error?: string;
  /** Why the check could not be made (it does not fail the stage). */
  skipped?: string;
}

export interface DeployedService {
  service: string;
  url: string;
  port?: number;
  pid?: number;
}

export interface DeploymentStep {
  name: string;
  startedAt: string;
  durationMs: number;
  ok: boolean;
  detail: string;
}

export interface DeployRequest {
  tenantId: string;
  runId: string;
  version: string;
  /** The release package (`.tgz` written by the Release Manager). */
  archive: Buffer;
  /** Services in the package to run (`services/<slug>/`). */
  services: string[];
  smoke: SmokeCheck[];
  /** Compiled ARM template and parameters: required by the Container Apps adapter, ignored by the local one. */
  infrastructure?: { template: Record<string, unknown>; parameters: Record<string, unknown> };
  /** How long a new version has to answer its health check. */
  healthTimeoutMs?: number;
  /** The roles the product's rules ask callers for (app roles of its API in Azure; the local issuer needs none). */
  roles?: Array<{ value: string; description: string }>;
}

export interface DeploymentOutcome {
  adapter: string;
  version: string;
  /** `deployed`: live and switched; `rolled-back`: the new version failed and the previous one still serves. */
  status: 'deployed' | 'rolled-back' | 'failed';
  previousVersion?: string;
  services: DeployedService[];
  steps: DeploymentStep[];
  health: CheckResult[];
  smoke: CheckResult[];
  rollback?: { reason: string; restored?: string; detail: string };
  /** Where people open the product: its web app, on the origin that also serves the services' APIs. */
  web?: string;
}

/** What is live for a run: the routing entry `factory status` reads. */
export interface CurrentDeployment {
  tenantId: string;
  runId: string;
  adapter: string;
  version: string;
  status: 'live' | 'stopped';
  switchedAt: string;
  services: DeployedService[];
  previousVersion?: string;
  /** The product's web app (its installable app at `<web>app/`, the APIs at `<web>api/<service>/`), when it has one. */
  web?: string;
  /** The roles the live version's rules ask callers for, where the target records them (the local one does). */
  roles?: string[];
  history: Array<{
    version: string;
    at: string;
    event: 'switched' | 'rolled-back' | 'stopped';
    detail?: string;
  }>;
}

/** Who a token for the product names: a subject and its roles. */
export interface TokenCaller {
  subject: string;
  roles: string[];
}

export interface DeploymentTarget {
  readonly adapter: string;
  /**
   * Whether `accessToken` signs for the caller asked for: its subject and roles. The local issuer does; in Azure
   * the token names the factory's identity, which holds a product role only by an app role assignment the factory
   * cannot make (that takes Graph's tenant-wide AppRoleAssignment.ReadWrite.All), so checks there see what one
   * caller without roles sees.
   */
  readonly grantsRoles: boolean;
  /**
   * A bearer token the run's deployed services accept. Locally the deployment's own issuer signs it for the
   * caller; in Azure the factory's identity gets one from Microsoft Entra ID for the product's API, and the roles
   * are those its app role assignments grant (the caller's roles cannot be chosen there).
   */
  accessToken(tenantId: string, runId: string, caller: TokenCaller, seconds?: number): Promise<string>;
  deploy(request: DeployRequest): Promise<DeploymentOutcome>;
  /** What serves now, if anything. */
  current(tenantId: string, runId: string): Promise<CurrentDeployment | undefined>;
  /** Switches back to the version that served before the current one (after a failed post-deployment check). */
  rollback(tenantId: string, runId: string, reason: string): Promise<DeploymentOutcome>;
  /** Stops everything deployed for the run; returns how many processes or deployments it stopped. */
  undeploy(tenantId: string, runId: string): Promise<{ stopped: number; versions: string[] }>;
  /** Recent log lines of the live services (empty when the target keeps none). */
  logs(tenantId: string, runId: string, maxLines?: number): Promise<Array<{ service: string; line: string }>>;
  /**
   * The file that says what serves, for targets that keep one a person can open (the local target's routing
   * entry, `current.json`); absent where what serves lives elsewhere (Container Apps keep their traffic weights).
   */
  routingFile?(tenantId: string, runId: string): string;
}

/** Runs checks over HTTP (health and smoke), each with its own timeout; never throws. */
export async function httpCheck(
  service: string,
  name: string,
  url: string,
  expect: number[],
  timeoutMs = 3000,
  /** The Authorization header, for operations that need a token. */
  authorization?: string,
): Promise<CheckResult> {
  const started = Date.now();
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: authorization ? { authorization } : {},
    });
    await response.arrayBuffer();
    return {
      service,
      name,
      url,
      status: response.status,
      passed: expect.includes(response.status),
      durationMs: Date.now() - started,
    };
  } catch (error) {
    return {
      service,
      name,
      url,
      passed: false,
      durationMs: Date.now() - started,
      error: (error as Error).message,
    };
  }
}

export function assertSafeSegment(value: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(value))
    throw new Error(`${what} '${value}' is not a safe path segment`);
  return value;
}
