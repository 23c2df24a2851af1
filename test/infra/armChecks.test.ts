import {
  ALLOWED_ROLE_DEFINITIONS,
  ArmResource,
  ArmTemplate,
  REQUIRED_APP_SETTINGS,
  SESSION_EXECUTOR_ROLE,
  checkSecurityBaseline,
  collectResources,
  guidsInExpression,
  resolveValue,
} from './armChecks';

// A small compliant template shaped like Bicep's output: symbolic (object) resources at the top, an inline
// module with an array of resources, parameters and variables that the checks must resolve.
function compliantTemplate(): ArmTemplate {
  const moduleTemplate: ArmTemplate = {
    parameters: {
      maxDelivery: { type: 'int', defaultValue: 5 },
      window: { type: 'string', defaultValue: 'PT10M' },
    },
    variables: {
      roles: {
        blobOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
        sender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39',
        sessionExecutor: SESSION_EXECUTOR_ROLE,
      },
      storageRoles: ["[variables('roles').blobOwner]"],
    },
    resources: [
      {
        type: 'Microsoft.Storage/storageAccounts',
        name: 'st',
        properties: {
          allowSharedKeyAccess: false,
          supportsHttpsTrafficOnly: true,
          minimumTlsVersion: 'TLS1_2',
          allowBlobPublicAccess: false,
        },
      },
      {
        type: 'Microsoft.ServiceBus/namespaces',
        name: 'sb',
        properties: { disableLocalAuth: true, minimumTlsVersion: '1.2' },
      },
      {
        type: 'Microsoft.ServiceBus/namespaces/topics',
        name: 'sb/factory-events',
        properties: {
          requiresDuplicateDetection: true,
          duplicateDetectionHistoryTimeWindow: "[parameters('window')]",
        },
      },
      {
        type: 'Microsoft.ServiceBus/namespaces/queues',
        name: 'sb/factory-commands',
        properties: {
          deadLetteringOnMessageExpiration: true,
          maxDeliveryCount: "[parameters('maxDelivery')]",
        },
      },
      {
        type: 'Microsoft.DocumentDB/databaseAccounts',
        name: 'cosmos',
        properties: { disableLocalAuth: true },
      },
      { type: 'Microsoft.CognitiveServices/accounts', name: 'cog', properties: { disableLocalAuth: true } },
      { type: 'Microsoft.Insights/components', name: 'appi', properties: { DisableLocalAuth: true } },
      {
        type: 'Microsoft.Web/sites',
        name: 'func',
        properties: { httpsOnly: true, siteConfig: { minTlsVersion: '1.2' } },
      },
      {
        type: 'Microsoft.Web/sites/config',
        name: "[format('{0}/{1}', 'func', 'appsettings')]",
        properties: {
          ...Object.fromEntries(REQUIRED_APP_SETTINGS.map((name) => [name, `value-of-${name}`])),
          FACTORY_AUTH_MODE: 'appservice',
        },
      },
      {
        type: 'Microsoft.Web/sites/config',
        name: "[format('{0}/{1}', 'func', 'authsettingsV2')]",
        properties: {
          platform: { enabled: true },
          globalValidation: { requireAuthentication: true, excludedPaths: ['/api/health'] },
          identityProviders: { azureActiveDirectory: { enabled: true } },
        },
      },
      {
        type: 'Microsoft.Authorization/roleAssignments',
        name: "[guid('st', 'app', variables('storageRoles')[copyIndex()])]",
        copy: { name: 'storageAssignments', count: 1 },
        properties: {
          roleDefinitionId:
            "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('storageRoles')[copyIndex()])]",
        },
      },
      {
        type: 'Microsoft.Authorization/roleAssignments',
        name: "[guid('sb', 'app', variables('roles').sender)]",
        properties: {
          roleDefinitionId:
            "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('roles').sender)]",
        },
      },
      {
        type: 'Microsoft.App/sessionPools',
        name: 'sessions',
        properties: {
          containerType: 'CustomContainer',
          sessionNetworkConfiguration: { status: 'EgressDisabled' },
        },
      },
      {
        type: 'Microsoft.Authorization/roleAssignments',
        scope: "[resourceId('Microsoft.App/sessionPools', 'sessions')]",
        name: "[guid('sessions', 'app', variables('roles').sessionExecutor)]",
        properties: {
          roleDefinitionId:
            "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('roles').sessionExecutor)]",
        },
      },
      {
        type: 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments',
        name: "[format('{0}/{1}', 'cosmos', guid('cosmos', 'app'))]",
        properties: {
          roleDefinitionId:
            "[format('{0}/sqlRoleDefinitions/{1}', 'id', '00000000-0000-0000-0000-000000000002')]",
        },
      },
    ],
    outputs: { endpoint: { type: 'string', value: "[reference('cosmos').documentEndpoint]" } },
  };
  return {
    languageVersion: '2.0',
    resources: {
      app: {
        type: 'Microsoft.Resources/deployments',
        name: 'app',
        properties: { parameters: { maxDelivery: { value: 5 } }, template: moduleTemplate },
      },
    },
    outputs: {
      AZURE_OPENAI_ENDPOINT: { type: 'string', value: "[reference('app').outputs.endpoint.value]" },
    },
  };
}

function moduleResources(t: ArmTemplate): ArmResource[] {
  const app = (t.resources as Record<string, ArmResource>).app;
  return ((app.properties as { template: ArmTemplate }).template.resources as ArmResource[]) ?? [];
}

function props(t: ArmTemplate, type: string, index = 0): Record<string, unknown> {
  const found = moduleResources(t).filter((r) => r.type === type)[index];
  if (!found?.properties) throw new Error(`fixture has no ${type}`);
  return found.properties;
}

function moduleOf(t: ArmTemplate): ArmTemplate {
  const app = (t.resources as Record<string, ArmResource>).app;
  return (app.properties as { template: ArmTemplate }).template;
}

describe('security baseline checker', () => {
  it('accepts the compliant fixture', () => {
    expect(checkSecurityBaseline(compliantTemplate())).toEqual([]);
  });

  const cases: Array<[string, (t: ArmTemplate) => void, RegExp]> = [
    [
      'Service Bus local auth',
      (t) => (props(t, 'Microsoft.ServiceBus/namespaces').disableLocalAuth = false),
      /namespaces.*disableLocalAuth/,
    ],
    [
      'Service Bus TLS',
      (t) => (props(t, 'Microsoft.ServiceBus/namespaces').minimumTlsVersion = '1.0'),
      /minimumTlsVersion must be "1.2"/,
    ],
    [
      'Cosmos local auth',
      (t) => delete props(t, 'Microsoft.DocumentDB/databaseAccounts').disableLocalAuth,
      /databaseAccounts.*disableLocalAuth/,
    ],
    [
      'OpenAI local auth',
      (t) => (props(t, 'Microsoft.CognitiveServices/accounts').disableLocalAuth = false),
      /CognitiveServices.*disableLocalAuth/,
    ],
    [
      'App Insights local auth',
      (t) => (props(t, 'Microsoft.Insights/components').DisableLocalAuth = false),
      /components.*DisableLocalAuth/,
    ],
    [
      'storage shared key',
      (t) => (props(t, 'Microsoft.Storage/storageAccounts').allowSharedKeyAccess = true),
      /allowSharedKeyAccess/,
    ],
    [
      'storage HTTPS only',
      (t) => (props(t, 'Microsoft.Storage/storageAccounts').supportsHttpsTrafficOnly = false),
      /supportsHttpsTrafficOnly/,
    ],
    [
      'storage TLS',
      (t) => (props(t, 'Microsoft.Storage/storageAccounts').minimumTlsVersion = 'TLS1_0'),
      /minimumTlsVersion must be "TLS1_2"/,
    ],
    [
      'storage public blobs',
      (t) => (props(t, 'Microsoft.Storage/storageAccounts').allowBlobPublicAccess = true),
      /allowBlobPublicAccess/,
    ],
    ['Function App HTTPS only', (t) => (props(t, 'Microsoft.Web/sites').httpsOnly = false), /httpsOnly/],
    [
      'Function App TLS',
      (t) => (props(t, 'Microsoft.Web/sites').siteConfig = { minTlsVersion: '1.0' }),
      /siteConfig.minTlsVersion/,
    ],
    [
      'output named like a key',
      (t) => (t.outputs!.storageKey = { type: 'string', value: 'x' }),
      /storageKey: name looks like a secret/,
    ],
    [
      'output holding a connection string',
      (t) =>
        (moduleOf(t).outputs!.conn = {
          type: 'string',
          value: "[format('AccountKey={0}', listKeys('st', '2023-01-01').keys[0].value)]",
        }),
      /conn: .*value looks like a key/,
    ],
    ['secure output', (t) => (t.outputs!.thing = { type: 'securestring', value: 'x' }), /secure output type/],
    [
      'role outside the allowed list (through a variable)',
      (t) =>
        ((moduleOf(t).variables!.roles as Record<string, string>).sender =
          '8e3af657-a8ff-443c-a75c-2fe8c4bcb635'),
      /8e3af657-a8ff-443c-a75c-2fe8c4bcb635 is not in the allowed list/,
    ],
    [
      'role outside the allowed list (literal, Cosmos)',
      (t) =>
        (props(t, 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments').roleDefinitionId =
          "[format('{0}/sqlRoleDefinitions/{1}', 'id', '00000000-0000-0000-0000-000000000001')]"),
      /00000000-0000-0000-0000-000000000001 is not in the allowed list/,
    ],
    [
      'role that cannot be resolved',
      (t) =>
        (props(t, 'Microsoft.Authorization/roleAssignments', 1).roleDefinitionId = "[parameters('anyRole')]"),
      /cannot tell which role/,
    ],
    [
      'role assignment not named by guid()',
      (t) =>
        (moduleResources(t).filter((r) => r.type === 'Microsoft.Authorization/roleAssignments')[1].name =
          'fixed'),
      /name must come from guid/,
    ],
    [
      'topic without duplicate detection',
      (t) => (props(t, 'Microsoft.ServiceBus/namespaces/topics').requiresDuplicateDetection = false),
      /requiresDuplicateDetection/,
    ],
    [
      'topic without a window',
      (t) => delete props(t, 'Microsoft.ServiceBus/namespaces/topics').duplicateDetectionHistoryTimeWindow,
      /duplicateDetectionHistoryTimeWindow/,
    ],
    [
      'queue without dead-lettering',
      (t) => (props(t, 'Microsoft.ServiceBus/namespaces/queues').deadLetteringOnMessageExpiration = false),
      /deadLetteringOnMessageExpiration/,
    ],
    [
      'queue without maxDeliveryCount',
      (t) => delete props(t, 'Microsoft.ServiceBus/namespaces/queues').maxDeliveryCount,
      /maxDeliveryCount must be set/,
    ],
    [
      'queue with a maxDeliveryCount passed by the parent',
      (t) => {
        const app = (t.resources as Record<string, ArmResource>).app;
        (app.properties?.parameters as Record<string, unknown>).maxDelivery = { value: 100 };
      },
      /maxDeliveryCount must be set between 1 and 10, is 100/,
    ],
    [
      'missing app setting',
      (t) => delete props(t, 'Microsoft.Web/sites/config').COSMOS_DATABASE,
      /app setting COSMOS_DATABASE is missing/,
    ],
    [
      'app setting with a key',
      (t) =>
        (props(t, 'Microsoft.Web/sites/config').CosmosConnection__accountEndpoint =
          "[listKeys('cosmos', '2024-11-15').primaryMasterKey]"),
      /app setting CosmosConnection__accountEndpoint holds a key/,
    ],
    [
      'auth mode',
      (t) => (props(t, 'Microsoft.Web/sites/config').FACTORY_AUTH_MODE = 'none'),
      /FACTORY_AUTH_MODE must be appservice/,
    ],
    [
      'authentication not required',
      (t) => (props(t, 'Microsoft.Web/sites/config', 1).globalValidation = { requireAuthentication: false }),
      /requireAuthentication/,
    ],
    [
      'no session pool',
      (t) =>
        (moduleOf(t).resources = moduleResources(t).filter((r) => r.type !== 'Microsoft.App/sessionPools')),
      /no resource of type Microsoft.App\/sessionPools/,
    ],
    [
      'a session pool with egress',
      (t) =>
        (props(t, 'Microsoft.App/sessionPools').sessionNetworkConfiguration = { status: 'EgressEnabled' }),
      /sessionNetworkConfiguration.status must be "EgressDisabled"/,
    ],
    [
      'a session pool of another kind',
      (t) => (props(t, 'Microsoft.App/sessionPools').containerType = 'PythonLTS'),
      /containerType must be "CustomContainer"/,
    ],
    [
      'a session pool with a managed identity',
      (t) => {
        const pool = moduleResources(t).find((r) => r.type === 'Microsoft.App/sessionPools');
        pool!.identity = { type: 'SystemAssigned' };
      },
      /must have no managed identity/,
    ],
    [
      'a session pool exposing an identity to sessions',
      (t) =>
        (props(t, 'Microsoft.App/sessionPools').managedIdentitySettings = [
          { identity: 'id', lifecycle: 'Main' },
        ]),
      /managedIdentitySettings would expose an identity/,
    ],
    [
      'no Session Executor role on the pool',
      (t) =>
        (moduleOf(t).resources = moduleResources(t).filter((r) => !String(r.scope).includes('sessionPools'))),
      /no Azure ContainerApps Session Executor role assignment scoped to a session pool/,
    ],
    [
      'no session pool endpoint setting',
      (t) => delete props(t, 'Microsoft.Web/sites/config').SANDBOX_SESSION_POOL_ENDPOINT,
      /app setting SANDBOX_SESSION_POOL_ENDPOINT is missing/,
    ],
    [
      'a required resource type missing',
      (t) =>
        (moduleOf(t).resources = moduleResources(t).filter(
          (r) => r.type !== 'Microsoft.CognitiveServices/accounts',
        )),
      /no resource of type Microsoft.CognitiveServices\/accounts/,
    ],
  ];

  it.each(cases)('reports %s', (_name, mutate, expected) => {
    const template = compliantTemplate();
    mutate(template);
    const violations = checkSecurityBaseline(template);
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.join('\n')).toMatch(expected);
  });
});

describe('ARM expression resolution', () => {
  it('collects resources of nested deployments in object and array form', () => {
    const found = collectResources(compliantTemplate());
    expect(found[0].path).toBe('main');
    expect(found.filter((r) => r.path === 'main/app').length).toBe(
      moduleResources(compliantTemplate()).length,
    );
  });

  it('resolves parameters from the parent, then from defaults, and variables', () => {
    const template: ArmTemplate = {
      parameters: { a: { defaultValue: 3 }, b: { defaultValue: 'x' } },
      variables: { v: true },
    };
    expect(resolveValue("[parameters('a')]", { template, moduleParameters: { a: { value: 7 } } })).toBe(7);
    expect(resolveValue("[parameters('b')]", { template, moduleParameters: {} })).toBe('x');
    expect(resolveValue("[variables('v')]", { template, moduleParameters: {} })).toBe(true);
    expect(resolveValue("[reference('x').y]", { template, moduleParameters: {} })).toBeUndefined();
    expect(resolveValue('[[literal]', { template, moduleParameters: {} })).toBe('[[literal]');
  });

  it('follows variable property paths and keeps every element for an index', () => {
    const variables = {
      roles: { a: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b', b: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39' },
      list: ["[variables('roles').a]", "[variables('roles').b]"],
    };
    expect(guidsInExpression("[variables('roles').a]", variables)).toEqual([
      'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    ]);
    expect(guidsInExpression("[variables('list')[copyIndex()]]", variables).sort()).toEqual(
      Object.values(variables.roles).sort(),
    );
    expect(Object.keys(ALLOWED_ROLE_DEFINITIONS)).toContain('00000000-0000-0000-0000-000000000002');
  });
});
