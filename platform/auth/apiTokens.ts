import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { apiRoles, AuthConfigurationError, isValidTenantId, type ApiRole, type Principal } from './principal';

/**
 * Bearer tokens for the API when it is not behind App Service Authentication (`factory serve`).
 *
 * `FACTORY_API_TOKENS` is a JSON object from token to grant:
 *   {"<token>": {"tenant": "a", "roles": ["Runs.Start", "Runs.Read"], "name": "ci"}}
 * Tokens are 24 to 512 characters of A-Z a-z 0-9 - . _ ~ + / (RFC 6750 token68, `=` padding allowed); `roles`
 * are app roles (Runs.Start, Runs.Read, Gates.Approve); `name` labels the caller in approvals (default: a
 * hash prefix, never the token). When the setting is unset, the token in `<FACTORY_HOME>/api-token` (created
 * by the first `factory serve`) grants every role for tenant `FACTORY_TENANT` (default `local`).
 */
export const apiTokensSetting = 'FACTORY_API_TOKENS';
export const apiTokenFileName = 'api-token';

const tokenPattern = /^[A-Za-z0-9\-._~+/]{24,512}=*$/;

const grantSchema = z
  .object({
    tenant: z
      .string()
      .refine(isValidTenantId, 'must be 1-128 letters, digits, . _ : - starting with a letter or digit'),
    roles: z.array(z.enum(apiRoles)).min(1),
    name: z.string().min(1).max(100).optional(),
  })
  .strict();

interface Grant {
  digest: Buffer;
  tenantId: string;
  roles: ApiRole[];
  subject: string;
}

const digestOf = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** The configured tokens, kept only as sha256 digests. */
export class TokenTable {
  constructor(
    private readonly grants: Grant[],
    /** Where the tokens came from, for error messages (never the tokens). */
    readonly source: string,
  ) {}

  get size(): number {
    return this.grants.length;
  }

  /**
   * The grant a presented token matches, if any. Every configured digest is compared in constant time and
   * the loop never stops early, so timing reveals neither which token matched nor how much of it.
   */
  verify(token: string): Omit<Principal, 'source'> | undefined {
    const presented = digestOf(token);
    let match: Grant | undefined;
    for (const grant of this.grants) {
      if (timingSafeEqual(presented, grant.digest) && !match) match = grant;
    }
    return match ? { tenantId: match.tenantId, roles: [...match.roles], subject: match.subject } : undefined;
  }
}

/** Parses `FACTORY_API_TOKENS`; any mistake is an `AuthConfigurationError` naming the entry, not the token. */
export function parseApiTokens(raw: string): TokenTable {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new AuthConfigurationError(`${apiTokensSetting} is not valid JSON: ${(error as Error).message}`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new AuthConfigurationError(
      `${apiTokensSetting} must be a JSON object from token to {tenant, roles, name?}`,
    );
  }
  const grants: Grant[] = [];
  Object.entries(json as Record<string, unknown>).forEach(([token, value], index) => {
    const label = `${apiTokensSetting} entry ${index + 1}`;
    if (!tokenPattern.test(token)) {
      throw new AuthConfigurationError(
        `${label}: the token must be 24-512 characters of A-Z a-z 0-9 - . _ ~ + / (then optional =)`,
      );
    }
    const parsed = grantSchema.safeParse(value);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(grant)'}: ${i.message}`)
        .join('; ');
      throw new AuthConfigurationError(`${label}: ${problems}`);
    }
    const digest = digestOf(token);
    grants.push({
      digest,
      tenantId: parsed.data.tenant,
      roles: [...new Set(parsed.data.roles)],
      subject: parsed.data.name ?? `token:${digest.toString('hex').slice(0, 8)}`,
    });
  });
  if (grants.length === 0) throw new AuthConfigurationError(`${apiTokensSetting} defines no tokens`);
  return new TokenTable(grants, apiTokensSetting);
}

export const apiTokenFile = (factoryHome: string) => join(factoryHome, apiTokenFileName);

/** The tenant the local token acts for: the same one the CLI uses. */
export const localTokenTenant = (env: NodeJS.ProcessEnv) => env.FACTORY_TENANT?.trim() || 'local';

let cached: { key: string; table: TokenTable } | undefined;

/**
 * The tokens in force: `FACTORY_API_TOKENS` when set, else the local token file, else none. A missing token
 * file means none (a server that was never set up answers 401 saying how to create one); a token file that
 * exists but cannot be read or holds no valid token, or an invalid `FACTORY_TENANT`, is an
 * `AuthConfigurationError`, so a broken setup is never mistaken for a caller with a wrong token.
 */
export function loadTokenTable(env: NodeJS.ProcessEnv, factoryHome: string): TokenTable {
  const setting = env[apiTokensSetting];
  let key: string;
  let build: () => TokenTable;
  if (setting !== undefined && setting.trim() !== '') {
    key = `env\n${setting}`;
    build = () => parseApiTokens(setting);
  } else {
    const file = apiTokenFile(factoryHome);
    let token: string | undefined;
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new AuthConfigurationError(
          `cannot read the API token file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
        );
      }
    }
    if (token === undefined) return new TokenTable([], 'none');
    const tenant = localTokenTenant(env);
    if (!tokenPattern.test(token))
      throw new AuthConfigurationError(`the API token file ${file} does not hold a valid token`);
    if (!isValidTenantId(tenant))
      throw new AuthConfigurationError(`FACTORY_TENANT=${JSON.stringify(tenant)} is not a valid tenant id`);
    key = `file\n${file}\n${tenant}\n${token}`;
    build = () =>
      new TokenTable(
        [{ digest: digestOf(token), tenantId: tenant, roles: [...apiRoles], subject: 'local' }],
        file,
      );
  }
  // Stryker disable next-line ConditionalExpression: rebuilding on every call gives an equal table; the cache only spares parsing per request
  if (cached?.key !== key) cached = { key, table: build() };
  return cached.table;
}

export type LocalTokenState =
  { source: 'setting' } | { source: 'file'; path: string; created: boolean; tenant: string };

/**
 * Makes sure a local server can be called: with `FACTORY_API_TOKENS` unset, creates `<home>/api-token`
 * (mode 0600, 256 random bits) once. The token itself is never printed; callers point at the file.
 */
export function ensureLocalApiToken(
  factoryHome: string,
  env: NodeJS.ProcessEnv = process.env,
): LocalTokenState {
  if (env[apiTokensSetting] !== undefined && env[apiTokensSetting]!.trim() !== '') {
    parseApiTokens(env[apiTokensSetting]!);
    return { source: 'setting' };
  }
  mkdirSync(factoryHome, { recursive: true });
  const path = apiTokenFile(factoryHome);
  const tenant = localTokenTenant(env);
  try {
    writeFileSync(path, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    return { source: 'file', path, created: true, tenant };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return { source: 'file', path, created: false, tenant };
    throw error;
  }
}
