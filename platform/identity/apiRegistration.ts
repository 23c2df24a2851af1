import { randomUUID } from 'node:crypto';
import type { GraphClient } from './graphClient';

/** The Azure CLI's application id: pre-authorised so that `az account get-access-token --resource api://<appId>` needs no consent prompt. */
export const azureCliAppId = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

/** The delegated scope clients ask for when they call the API on behalf of a signed-in person. */
export const userScope = 'user_impersonation';

/** An app role of the API: its value (the `roles` claim) and what it allows. */
export interface ApiRoleDefinition {
  value: string;
  description: string;
}

export interface AppRole {
  id: string;
  value: string;
  displayName: string;
  description: string;
  allowedMemberTypes: string[];
  isEnabled: boolean;
}

interface PermissionScope {
  id: string;
  value: string;
  type: string;
  adminConsentDisplayName: string;
  adminConsentDescription: string;
  userConsentDisplayName: string;
  userConsentDescription: string;
  isEnabled: boolean;
}

interface ApiApplication {
  requestedAccessTokenVersion?: number | null;
  oauth2PermissionScopes?: PermissionScope[];
  preAuthorizedApplications?: Array<{ appId: string; delegatedPermissionIds: string[] }>;
  [other: string]: unknown;
}

interface Application {
  id: string;
  appId: string;
  identifierUris?: string[];
  appRoles?: AppRole[];
  api?: ApiApplication;
  spa?: { redirectUris?: string[] };
}

export interface RegistrationOptions {
  /** Alternate key of the app registration (Graph `uniqueName`): one registration per environment. */
  uniqueName: string;
  displayName: string;
  /** The API's app roles. */
  roles: ApiRoleDefinition[];
  /**
   * Whether only principals assigned a role get tokens for the API; otherwise anyone signed in to the tenant
   * does (with the roles they were assigned, if any).
   */
  assignmentRequired: boolean;
  /** Object id to assign every API role to; the signed-in user (`/me`) when absent; nobody when null. */
  assigneeId?: string | null;
  /**
   * Addresses of single-page apps that sign people in with this registration (MSAL.js, authorization code with
   * PKCE) and come back there; added to those registered already, never removed.
   */
  spaRedirectUris?: string[];
  /** Progress, for a person watching the hook. */
  log?: (line: string) => void;
}

export interface RegistrationResult {
  appId: string;
  servicePrincipalId: string;
  /** Who was given every role (absent when nobody was to be). */
  assigneeId?: string;
  /** What this run changed; empty when everything was already in place. */
  changes: string[];
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The roles as the registration must define them, keeping the ids of roles that exist already. */
function desiredRoles(existing: AppRole[], roles: ApiRoleDefinition[]): AppRole[] {
  const ours = roles.map(({ value, description }): AppRole => {
    const found = existing.find((r) => r.value === value);
    return {
      id: found?.id ?? randomUUID(),
      value,
      displayName: value,
      description,
      allowedMemberTypes: ['User', 'Application'],
      isEnabled: true,
    };
  });
  // Roles defined by someone else stay as they are.
  return [...existing.filter((r) => !roles.some((role) => role.value === r.value)), ...ours];
}

/**
 * The API settings in two steps: first the delegated scope (and v2.0 tokens), then the Azure CLI's
 * pre-authorisation, which may name only a scope the registration already has.
 */
function desiredApi(
  existing: ApiApplication | undefined,
  displayName: string,
): {
  withScope: ApiApplication;
  complete: ApiApplication;
} {
  const scopes = existing?.oauth2PermissionScopes ?? [];
  const found = scopes.find((s) => s.value === userScope);
  const scope: PermissionScope = {
    id: found?.id ?? randomUUID(),
    value: userScope,
    type: 'User',
    adminConsentDisplayName: `Call ${displayName}`,
    adminConsentDescription: `Lets the client call ${displayName} as the signed-in person, with their app roles.`,
    userConsentDisplayName: `Call ${displayName}`,
    userConsentDescription: `Lets the client call ${displayName} as you, with your app roles.`,
    isEnabled: true,
  };
  const withScope: ApiApplication = {
    ...existing,
    // v2.0 tokens: issuer https://login.microsoftonline.com/<tenant>/v2.0, which App Service Authentication expects.
    requestedAccessTokenVersion: 2,
    oauth2PermissionScopes: [...scopes.filter((s) => s.value !== userScope), scope],
  };
  const others = (existing?.preAuthorizedApplications ?? []).filter((p) => p.appId !== azureCliAppId);
  return {
    withScope,
    complete: {
      ...withScope,
      preAuthorizedApplications: [...others, { appId: azureCliAppId, delegatedPermissionIds: [scope.id] }],
    },
  };
}

/** Field by field, ignoring order of keys, so that an unchanged registration is not written again. */
function same(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([, v]) => v !== undefined)
              .sort(([x], [y]) => x.localeCompare(y))
              .map(([k, v]) => [k, canonical(v)]),
          )
        : value;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

const applicationFields = 'id,appId,identifierUris,appRoles,api,spa';

/**
 * Creates or updates an API's app registration (its app roles; identifier URI api://<appId>; v2.0 access tokens;
 * a delegated scope pre-authorised for the Azure CLI; the redirect URIs of single-page apps that sign in with it), its service principal (role assignment required or not),
 * and assigns every role to one principal unless told not to. Idempotent: a second run writes nothing. The
 * factory's own API and each product's API are registered this way.
 */
export async function ensureApiRegistration(
  graph: GraphClient,
  options: RegistrationOptions,
): Promise<RegistrationResult> {
  const log = options.log ?? (() => undefined);
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(options.uniqueName)) {
    throw new Error(
      `the registration's unique name must be letters, digits, . _ - (got ${JSON.stringify(options.uniqueName)})`,
    );
  }
  if (typeof options.assigneeId === 'string' && !guid.test(options.assigneeId)) {
    throw new Error(`the assignee must be an object id (a GUID), got ${JSON.stringify(options.assigneeId)}`);
  }
  const changes: string[] = [];
  const byName = `/applications(uniqueName='${options.uniqueName}')`;

  let app = await graph.find<Application>(`${byName}?$select=${applicationFields}`);
  if (!app) {
    app = await graph.write<Application>(
      'PATCH',
      byName,
      { displayName: options.displayName, signInAudience: 'AzureADMyOrg' },
      { prefer: 'create-if-missing' },
    );
    if (!app?.appId) throw new Error(`creating the app registration ${options.uniqueName} returned no appId`);
    changes.push(`created the app registration ${options.uniqueName} (${app.appId})`);
  }

  for (const uri of options.spaRedirectUris ?? [])
    if (!/^https:\/\/[^/?#\s]+\/[^?#\s]*$/.test(uri))
      throw new Error(
        `a single-page app's redirect URI must be an https:// address, got ${JSON.stringify(uri)}`,
      );
  const api = desiredApi(app.api, options.displayName);
  const redirectUris = app.spa?.redirectUris ?? [];
  const wanted = {
    identifierUris: [...new Set([...(app.identifierUris ?? []), `api://${app.appId}`])],
    appRoles: desiredRoles(app.appRoles ?? [], options.roles),
    api: api.withScope,
    ...(options.spaRedirectUris
      ? { spa: { redirectUris: [...new Set([...redirectUris, ...options.spaRedirectUris])] } }
      : {}),
  };
  const current = {
    identifierUris: app.identifierUris ?? [],
    appRoles: app.appRoles ?? [],
    api: app.api ?? {},
    ...(options.spaRedirectUris ? { spa: { redirectUris } } : {}),
  };
  if (!same(wanted, current)) {
    await graph.write('PATCH', `/applications/${app.id}`, wanted);
    changes.push(
      `set the identifier URI, app roles, the user_impersonation scope and v2.0 access tokens${options.spaRedirectUris ? ', and the sign-in addresses of its single-page apps' : ''}`,
    );
  }
  if (!same(api.complete, api.withScope)) {
    await graph.write('PATCH', `/applications/${app.id}`, { api: api.complete });
    changes.push('pre-authorised the Azure CLI for the user_impersonation scope');
  }
  const roleIds = new Map(wanted.appRoles.map((r) => [r.value, r.id]));

  const required = options.assignmentRequired;
  let sp = await graph.find<{ id: string; appRoleAssignmentRequired?: boolean }>(
    `/servicePrincipals(appId='${app.appId}')?$select=id,appRoleAssignmentRequired`,
  );
  if (!sp) {
    sp = await graph.write('POST', '/servicePrincipals', {
      appId: app.appId,
      appRoleAssignmentRequired: required,
    });
    if (!sp?.id) throw new Error(`creating the service principal of ${app.appId} returned no id`);
    changes.push('created the service principal');
  } else if (sp.appRoleAssignmentRequired !== required) {
    await graph.write('PATCH', `/servicePrincipals/${sp.id}`, { appRoleAssignmentRequired: required });
    changes.push(`${required ? 'required' : 'stopped requiring'} role assignments on the service principal`);
  }

  if (options.assigneeId === null) {
    for (const change of changes) log(change);
    return { appId: app.appId, servicePrincipalId: sp.id, changes };
  }
  const assigneeId = options.assigneeId ?? (await graph.get<{ id: string }>('/me?$select=id')).id;
  const assigned = await graph.list<{ appRoleId: string; principalId: string }>(
    `/servicePrincipals/${sp.id}/appRoleAssignedTo?$select=id,appRoleId,principalId`,
  );
  for (const { value: role } of options.roles) {
    const appRoleId = roleIds.get(role)!;
    if (assigned.some((a) => a.principalId === assigneeId && a.appRoleId === appRoleId)) continue;
    await graph.write('POST', `/servicePrincipals/${sp.id}/appRoleAssignedTo`, {
      principalId: assigneeId,
      resourceId: sp.id,
      appRoleId,
    });
    changes.push(`assigned ${role} to ${assigneeId}`);
  }

  for (const change of changes) log(change);
  if (changes.length === 0) log(`the app registration ${options.uniqueName} (${app.appId}) is up to date`);
  return { appId: app.appId, servicePrincipalId: sp.id, assigneeId, changes };
}
