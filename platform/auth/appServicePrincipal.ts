import { apiRoles, AuthenticationError, isValidTenantId, type ApiRole, type Principal } from './principal';

/** The header App Service Authentication adds for an authenticated caller (base64 JSON). */
export const clientPrincipalHeader = 'x-ms-client-principal';

const tenantClaims = ['http://schemas.microsoft.com/identity/claims/tenantid', 'tid'];
const subjectClaims = ['http://schemas.microsoft.com/identity/claims/objectidentifier', 'oid', 'sub'];
const maxHeaderBytes = 16 * 1024;

interface ClientPrincipal {
  auth_typ?: unknown;
  role_typ?: unknown;
  claims?: unknown;
}

/**
 * Reads the caller from App Service Authentication's `x-ms-client-principal`. Only meaningful behind the
 * platform, which removes any client-supplied copy of the header; `resolvePrincipal` calls this only with
 * `FACTORY_AUTH_MODE=appservice`. Tenant: the `tid` claim; roles: the `roles` claim (Entra app roles).
 */
export function principalFromClientPrincipal(header: string | null): Principal {
  if (!header)
    throw new AuthenticationError(
      'no authenticated caller: sign in with Entra ID and send a bearer token for the API',
    );
  if (header.length > maxHeaderBytes)
    throw new AuthenticationError('the client principal is too large', true);
  let parsed: ClientPrincipal;
  try {
    const json = Buffer.from(header, 'base64').toString('utf8');
    parsed = JSON.parse(json) as ClientPrincipal;
  } catch {
    throw new AuthenticationError('the client principal is not base64-encoded JSON', true);
  }
  // JSON.parse may give null or a primitive; only an object with a claims array is a client principal.
  const rawClaims = (parsed as ClientPrincipal | null)?.claims;
  if (!Array.isArray(rawClaims)) throw new AuthenticationError('the client principal has no claims', true);
  const claims = rawClaims.filter((c): c is { typ: string; val: string } => {
    const { typ, val } = (c ?? {}) as { typ?: unknown; val?: unknown };
    if (typeof val !== 'string') return false;
    // Stryker disable next-line ConditionalExpression: a typ that is no string equals none of the claim types compared below, so keeping the claim changes no result; the check makes the type guard true
    return typeof typ === 'string';
  });
  const first = (types: string[]) => claims.find((c) => types.includes(c.typ))?.val;
  const tenantId = first(tenantClaims);
  if (!isValidTenantId(tenantId))
    throw new AuthenticationError('the caller has no valid tenant id claim (tid)', true);
  // Stryker disable next-line ConditionalExpression: a role_typ that is no string equals no claim's typ, so adding it changes no result
  const roleTypes = new Set(['roles', typeof parsed.role_typ === 'string' ? parsed.role_typ : 'roles']);
  const roles = [...new Set(claims.filter((c) => roleTypes.has(c.typ)).map((c) => c.val))].filter(
    (r): r is ApiRole => (apiRoles as readonly string[]).includes(r),
  );
  const subject =
    first(subjectClaims) ??
    claims.find((c) => c.typ === 'name' || c.typ === 'preferred_username')?.val ??
    'unknown';
  return { tenantId, roles, subject: subject.slice(0, 200), source: 'appservice' };
}
