import type { TokenCredential } from '@azure/identity';
import { apiRoles } from '../../../platform/auth/principal';
import { azureCliAppId, ensureApiRegistration } from '../../../platform/identity/apiRegistration';
import { GraphClient, GraphError } from '../../../platform/identity/graphClient';
import { FakeGraph } from '../../support/fakeGraph';

const factoryRoles = apiRoles.map((value) => ({ value, description: `may ${value}` }));

const credential: TokenCredential = {
  getToken: async () => ({ token: 'graph-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

describe('registering the API in Entra ID (Microsoft Graph)', () => {
  let graph: FakeGraph;
  let client: GraphClient;
  beforeEach(async () => {
    graph = await FakeGraph.start();
    client = new GraphClient({ credential, endpoint: graph.url, retryDelaysMs: [1, 1, 1] });
  });
  afterEach(() => graph.close());

  const register = (assigneeId?: string) =>
    ensureApiRegistration(client, {
      uniqueName: 'software-factory-api-dev',
      displayName: 'Software factory API (dev)',
      roles: factoryRoles,
      assignmentRequired: true,
      assigneeId,
    });

  it('creates the registration with the app roles, api://<appId>, v2.0 tokens, and assigns the user every role', async () => {
    const result = await register();
    const [app] = graph.state.applications;
    expect(result.appId).toBe(app.appId);
    expect(app.uniqueName).toBe('software-factory-api-dev');
    expect(app.signInAudience).toBe('AzureADMyOrg');
    expect(app.identifierUris).toEqual([`api://${app.appId}`]);
    expect(app.api.requestedAccessTokenVersion).toBe(2);
    expect(app.appRoles.map((r: { value: string }) => r.value).sort()).toEqual([...apiRoles].sort());
    for (const role of app.appRoles)
      expect(role).toMatchObject({ isEnabled: true, allowedMemberTypes: ['User', 'Application'] });
    const [scope] = app.api.oauth2PermissionScopes;
    expect(scope).toMatchObject({ value: 'user_impersonation', type: 'User', isEnabled: true });
    expect(app.api.preAuthorizedApplications).toEqual([
      { appId: azureCliAppId, delegatedPermissionIds: [scope.id] },
    ]);

    const [sp] = graph.state.servicePrincipals;
    expect(sp).toMatchObject({ appId: app.appId, appRoleAssignmentRequired: true });
    expect(result.servicePrincipalId).toBe(sp.id);
    expect(result.assigneeId).toBe(graph.me.id);
    expect(graph.state.assignments.map((a) => [a.principalId, a.resourceId, a.appRoleId])).toEqual(
      apiRoles.map((role) => [
        graph.me.id,
        sp.id,
        app.appRoles.find((r: { value: string }) => r.value === role).id,
      ]),
    );
    expect(graph.requests.every((r) => r.headers.authorization === 'Bearer graph-token')).toBe(true);
    const upsert = graph.requests.find((r) => r.method === 'PATCH' && r.path.includes('uniqueName'));
    expect(upsert?.headers.prefer).toBe('create-if-missing');
  });

  it("registers a product's API: its own roles, tokens for anyone signed in to the tenant, nobody assigned", async () => {
    const product = () =>
      ensureApiRegistration(client, {
        uniqueName: 'toolshed-3f2a-api',
        displayName: 'ToolShed API',
        roles: [{ value: 'librarian', description: 'Librarians of ToolShed' }],
        assignmentRequired: false,
        assigneeId: null,
      });
    const result = await product();
    const [app] = graph.state.applications;
    expect(app.appRoles.map((r: { value: string }) => r.value)).toEqual(['librarian']);
    expect(app.api.oauth2PermissionScopes[0].adminConsentDisplayName).toBe('Call ToolShed API');
    expect(graph.state.servicePrincipals[0].appRoleAssignmentRequired).toBe(false);
    expect(result.appId).toBe(app.appId);
    expect(result.assigneeId).toBeUndefined();
    expect(graph.state.assignments).toEqual([]);
    expect(graph.requests.some((r) => r.path.endsWith('/me'))).toBe(false);
    expect((await product()).changes).toEqual([]);
  });

  it("registers the product's web app and PWA as single-page apps, keeping addresses someone else added", async () => {
    const product = (spaRedirectUris?: string[]) =>
      ensureApiRegistration(client, {
        uniqueName: 'toolshed-3f2a-api',
        displayName: 'ToolShed API',
        roles: [],
        assignmentRequired: false,
        assigneeId: null,
        spaRedirectUris,
      });
    await product();
    const [app] = graph.state.applications;
    expect(app.spa.redirectUris).toEqual([]);
    // A developer's own address, added by hand in the portal, stays.
    app.spa.redirectUris = ['http://localhost:5173/'];
    const pages = [
      'https://ca-web-3f2a.example.azurecontainerapps.io/',
      'https://ca-web-3f2a.example.azurecontainerapps.io/app/',
    ];
    const result = await product(pages);
    expect(result.changes).toEqual([
      expect.stringContaining('the sign-in addresses of its single-page apps'),
    ]);
    expect(graph.state.applications[0].spa.redirectUris).toEqual(['http://localhost:5173/', ...pages]);
    expect((await product(pages)).changes).toEqual([]);
    // Without addresses, a later registration leaves them alone.
    expect((await product()).changes).toEqual([]);
    expect(graph.state.applications[0].spa.redirectUris).toHaveLength(3);
    await expect(product(['http://ca-web.example/'])).rejects.toThrow(/https:\/\/ address/);
    await expect(product(['https://ca-web.example'])).rejects.toThrow(/https:\/\/ address/);
  });

  it('changes nothing on a second run', async () => {
    await register();
    const before = structuredClone(graph.state);
    const writes = graph.writes().length;
    const again = await register();
    expect(again.changes).toEqual([]);
    expect(graph.writes()).toHaveLength(writes);
    expect(graph.state).toEqual(before);
  });

  it('completes a registration someone made by hand, keeping what it already has', async () => {
    await register();
    const [app] = graph.state.applications;
    const startRole = app.appRoles.find((r: { value: string }) => r.value === 'Runs.Start');
    // By hand: v1 tokens, a role of their own, and the Gates.Approve role never defined.
    app.api.requestedAccessTokenVersion = 1;
    app.appRoles = [
      ...app.appRoles.filter((r: { value: string }) => r.value !== 'Gates.Approve'),
      {
        id: 'f0e0d0c0-0000-4000-8000-000000000001',
        value: 'Custom.Thing',
        displayName: 'x',
        description: 'x',
        allowedMemberTypes: ['User'],
        isEnabled: true,
      },
    ];
    graph.state.assignments = graph.state.assignments.filter((a) => a.appRoleId === startRole.id);
    const result = await register();
    expect(app.api.requestedAccessTokenVersion).toBe(2);
    expect(app.appRoles.map((r: { value: string }) => r.value).sort()).toEqual(
      [...apiRoles, 'Custom.Thing'].sort(),
    );
    expect(app.appRoles.find((r: { value: string }) => r.value === 'Runs.Start').id).toBe(startRole.id);
    expect(graph.state.assignments).toHaveLength(3);
    expect(result.changes).toEqual(
      expect.arrayContaining([
        'assigned Runs.Read to ' + graph.me.id,
        'assigned Gates.Approve to ' + graph.me.id,
      ]),
    );
    expect(result.changes.join('\n')).not.toMatch(/Runs\.Start/);
  });

  it('assigns the roles to the given object id instead of the signed-in user', async () => {
    const assignee = '11111111-2222-4333-8444-555555555555';
    await register(assignee);
    expect(new Set(graph.state.assignments.map((a) => a.principalId))).toEqual(new Set([assignee]));
    expect(graph.requests.some((r) => r.path === '/v1.0/me')).toBe(false);
  });

  it('waits for a new application to replicate before creating its service principal', async () => {
    graph.replicationDelays = 2;
    await register();
    expect(
      graph.requests.filter((r) => r.method === 'POST' && r.path === '/v1.0/servicePrincipals'),
    ).toHaveLength(3);
    expect(graph.state.servicePrincipals).toHaveLength(1);
  });

  it('rejects bad input and reports Graph errors with their code', async () => {
    await expect(register('not-a-guid')).rejects.toThrow(/assignee must be an object id/);
    await expect(
      ensureApiRegistration(client, {
        uniqueName: "x') or (1",
        displayName: 'x',
        roles: [],
        assignmentRequired: true,
      }),
    ).rejects.toThrow(/unique name must be/);
    const noToken = new GraphClient({ credential: { getToken: async () => null }, endpoint: graph.url });
    await expect(
      ensureApiRegistration(noToken, {
        uniqueName: 'a',
        displayName: 'a',
        roles: [],
        assignmentRequired: true,
      }),
    ).rejects.toThrow(/azd auth login/);
    graph.replicationDelays = 10;
    const error = await register().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect((error as GraphError).message).toMatch(/POST \/servicePrincipals: 404 Request_ResourceNotFound/);
    expect(() => new GraphClient({ credential, endpoint: 'http://graph.example' })).toThrow(/must be https/);
  });
});
