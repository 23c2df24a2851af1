/** App roles of the factory's API (Entra ID app roles in Azure, token grants locally). */
export const apiRoles = ['Runs.Start', 'Runs.Read', 'Gates.Approve'] as const;
export type ApiRole = (typeof apiRoles)[number];

/** Who is calling: the tenant whose runs they see and the roles that decide what they may do. */
export interface Principal {
  tenantId: string;
  roles: ApiRole[];
  /** A stable identifier of the caller (object id, or the token's label), recorded with approvals. */
  subject: string;
  /** `appservice` (App Service Authentication) or `token` (a local bearer token). */
  source: 'appservice' | 'token';
}

/** Missing, malformed or unknown credentials: the caller is not identified (401). */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
  constructor(
    message: string,
    /** True when credentials were presented but rejected (`error="invalid_token"`). */
    readonly invalidCredentials = false,
  ) {
    super(message);
  }
}

/** The server's own authentication settings are wrong: no request can be authenticated until fixed. */
export class AuthConfigurationError extends Error {
  override name = 'AuthConfigurationError';
}

export type AuthMode = 'appservice' | 'token';

/**
 * `FACTORY_AUTH_MODE`: `appservice` trusts the platform's `x-ms-client-principal` header (only behind App
 * Service Authentication, which strips a client-supplied one); anything else is a configuration error, and
 * unset means bearer tokens.
 */
export function authMode(env: NodeJS.ProcessEnv = process.env): AuthMode {
  const value = env.FACTORY_AUTH_MODE?.trim();
  if (!value || value === 'token') return 'token';
  if (value === 'appservice') return 'appservice';
  throw new AuthConfigurationError(
    `FACTORY_AUTH_MODE=${JSON.stringify(value)} is not supported: use appservice or token`,
  );
}

/** Tenant ids become run-store partition keys and storage path segments. */
export const tenantIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function isValidTenantId(value: unknown): value is string {
  return typeof value === 'string' && tenantIdPattern.test(value) && !value.includes('..');
}

export function hasRole(principal: Principal, role: ApiRole): boolean {
  return principal.roles.includes(role);
}
