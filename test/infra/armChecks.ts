/**
 * Security-baseline checks over a compiled ARM template (the JSON that `bicep build` emits), nested
 * module deployments included. Each check returns human-readable violations; an empty list means compliant.
 */

export type JsonObject = { [key: string]: unknown };

export interface ArmTemplate extends JsonObject {
  parameters?: Record<string, { defaultValue?: unknown } & JsonObject>;
  variables?: JsonObject;
  resources?: ArmResource[] | Record<string, ArmResource>;
  outputs?: Record<string, { type?: string; value?: unknown } & JsonObject>;
}

export interface ArmResource extends JsonObject {
  type: string;
  name?: unknown;
  kind?: unknown;
  properties?: JsonObject;
}

/** A resource together with the template that declares it and the parameter values its module received. */
export interface LocatedResource {
  resource: ArmResource;
  template: ArmTemplate;
  /** main, main/storage, ... */
  path: string;
  moduleParameters: JsonObject;
  /** The template that deployed this module, where the module's parameter values are expressions of its own. */
  parent?: Scope;
}

/** Where a template expression is evaluated: a template and the parameter values its deployment passed. */
export type Scope = Pick<LocatedResource, 'template' | 'moduleParameters' | 'parent'>;

/** Built-in "Azure ContainerApps Session Executor": runs sessions in a pool, nothing on the resource itself. */
export const SESSION_EXECUTOR_ROLE = '0fb8eba5-a2bb-4abe-b1c1-49dfad359bb0';

/** Built-in role definitions the factory's identities may hold (Azure RBAC and Cosmos DB data-plane RBAC). */
export const ALLOWED_ROLE_DEFINITIONS: Record<string, string> = {
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor',
  '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39': 'Azure Service Bus Data Sender',
  '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0': 'Azure Service Bus Data Receiver',
  '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd': 'Cognitive Services OpenAI User',
  '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher',
  '00000000-0000-0000-0000-000000000002': 'Cosmos DB Built-in Data Contributor',
  [SESSION_EXECUTOR_ROLE]: 'Azure ContainerApps Session Executor',
};

/** App settings the factory reads; all must be set on the Function App. */
export const REQUIRED_APP_SETTINGS = [
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'CosmosConnection__accountEndpoint',
  'CosmosConnection__credential',
  'CosmosConnection__clientId',
  'COSMOS_DATABASE',
  'ArtifactStorage__blobServiceUri',
  'ArtifactStorage__credential',
  'ArtifactStorage__clientId',
  'ARTIFACTS_CONTAINER',
  'ServiceBusConnection__fullyQualifiedNamespace',
  'ServiceBusConnection__credential',
  'ServiceBusConnection__clientId',
  'FACTORY_EVENTS_TOPIC',
  'FACTORY_COMMANDS_QUEUE',
  'AZURE_OPENAI_ENDPOINT',
  'AZURE_OPENAI_DEPLOYMENT_SIMPLE',
  'AZURE_OPENAI_DEPLOYMENT_CODE',
  'AZURE_OPENAI_API_VERSION',
  'AZURE_CLIENT_ID',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'FACTORY_AUTH_MODE',
  'FACTORY_MODEL',
  'SANDBOX_SESSION_POOL_ENDPOINT',
];

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const SECRET_OUTPUT_NAME = /secret|password|passwd|pwd|key|connectionstring|sas|token|credential/i;
const SECRET_MATERIAL =
  /listKeys|listConnectionStrings|listAccountSas|listServiceSas|listCredentials|listSecrets|AccountKey=|SharedAccessKey|InstrumentationKey|ConnectionString/i;
const KEY_MATERIAL =
  /listKeys|listConnectionStrings|listAccountSas|listServiceSas|AccountKey=|SharedAccessKey=/i;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resourcesOf(template: ArmTemplate): Array<[string, ArmResource]> {
  const { resources } = template;
  if (!resources) return [];
  if (Array.isArray(resources)) return resources.map((r, i) => [String(i), r]);
  return Object.entries(resources);
}

/** Every resource in the template and, recursively, in its inline module deployments. */
export function collectResources(
  template: ArmTemplate,
  path = 'main',
  moduleParameters: JsonObject = {},
  parent?: Scope,
) {
  const found: LocatedResource[] = [];
  for (const [symbol, resource] of resourcesOf(template)) {
    found.push({ resource, template, path, moduleParameters, parent });
    const inner = resource.properties?.template;
    if (resource.type === 'Microsoft.Resources/deployments' && isObject(inner)) {
      const params = isObject(resource.properties?.parameters) ? resource.properties.parameters : {};
      found.push(
        ...collectResources(inner as ArmTemplate, `${path}/${symbol}`, params, {
          template,
          moduleParameters,
          parent,
        }),
      );
    }
  }
  return found;
}

/** Every output of the template and of its inline module deployments. */
export function collectOutputs(template: ArmTemplate, path = 'main') {
  const found: Array<{ path: string; name: string; type?: string; value?: unknown }> = [];
  for (const [name, output] of Object.entries(template.outputs ?? {})) {
    found.push({ path, name, type: output.type, value: output.value });
  }
  for (const [symbol, resource] of resourcesOf(template)) {
    const inner = resource.properties?.template;
    if (resource.type === 'Microsoft.Resources/deployments' && isObject(inner)) {
      found.push(...collectOutputs(inner as ArmTemplate, `${path}/${symbol}`));
    }
  }
  return found;
}

/**
 * A literal value, or `[parameters('x')]` / `[variables('x')]` resolved through the module's parameters (in the
 * template that deployed the module, where they are expressions) and the template's defaults. Anything else (a
 * runtime expression) resolves to undefined.
 */
export function resolveValue(value: unknown, at: Scope): unknown {
  if (typeof value !== 'string' || !value.startsWith('[') || value.startsWith('[[')) return value;
  const reference = /^\[(parameters|variables)\('([^']+)'\)((?:\.\w+)*)\]$/.exec(value);
  if (reference) {
    const [, kind, name, path] = reference;
    let found: unknown;
    if (kind === 'variables') found = resolveValue(at.template.variables?.[name], at);
    else {
      const passed = at.moduleParameters[name];
      if (isObject(passed) && 'value' in passed) {
        const v = passed.value;
        found = typeof v === 'string' && v.startsWith('[') ? at.parent && resolveValue(v, at.parent) : v;
      } else found = resolveValue(at.template.parameters?.[name]?.defaultValue, at);
    }
    for (const property of path.split('.').filter(Boolean))
      found = isObject(found) ? resolveValue(found[property], at) : undefined;
    return found;
  }
  // A module's output, where the module computes it from literals (a name, not an endpoint).
  const output = /^\[reference\('([^']+)'\)\.outputs\.(\w+)\.value\]$/.exec(value);
  if (output && !Array.isArray(at.template.resources)) {
    const module = at.template.resources?.[output[1]];
    const inner = module?.properties?.template;
    if (module?.type !== 'Microsoft.Resources/deployments' || !isObject(inner)) return undefined;
    const moduleTemplate = inner as ArmTemplate;
    const parameters = isObject(module.properties?.parameters) ? module.properties.parameters : {};
    return resolveValue(moduleTemplate.outputs?.[output[2]]?.value, {
      template: moduleTemplate,
      moduleParameters: parameters,
      parent: at,
    });
  }
  return undefined;
}

function guidsIn(value: unknown, variables: JsonObject, seen: Set<string>): string[] {
  if (typeof value === 'string') return guidsInExpression(value, variables, seen);
  if (Array.isArray(value)) return value.flatMap((v) => guidsIn(v, variables, seen));
  if (isObject(value)) return Object.values(value).flatMap((v) => guidsIn(v, variables, seen));
  return [];
}

/**
 * The role definition GUIDs an expression can name: literal GUIDs plus those reachable through the
 * variables it references (a property path is followed; an index such as copyIndex() keeps every element).
 * Over-approximates on purpose: a disallowed role anywhere it could pick is reported.
 */
export function guidsInExpression(
  expression: string,
  variables: JsonObject,
  seen = new Set<string>(),
): string[] {
  const guids = [...expression.replace(/variables\('[^']+'\)(\.\w+)*/g, '').matchAll(GUID)].map((m) => m[0]);
  for (const m of expression.matchAll(/variables\('([^']+)'\)((?:\.\w+)*)/g)) {
    const key = m[0];
    if (seen.has(key)) continue;
    seen.add(key);
    let target: unknown = variables[m[1]];
    for (const prop of m[2].split('.').filter(Boolean)) target = isObject(target) ? target[prop] : undefined;
    guids.push(...guidsIn(target, variables, seen));
  }
  return guids.map((g) => g.toLowerCase());
}

function describe(at: LocatedResource): string {
  return `${at.path}: ${at.resource.type} ${typeof at.resource.name === 'string' ? at.resource.name : ''}`.trim();
}

type Expectation = [property: string, expected: unknown];

function expectProperties(at: LocatedResource, expectations: Expectation[], violations: string[]): void {
  for (const [property, expected] of expectations) {
    let value: unknown = at.resource.properties;
    for (const part of property.split('.'))
      value = isObject(value) ? resolveValue(value[part], at) : undefined;
    if (value !== expected) {
      violations.push(
        `${describe(at)}: ${property} must be ${JSON.stringify(expected)}, is ${JSON.stringify(value)}`,
      );
    }
  }
}

function ofType(resources: LocatedResource[], type: string): LocatedResource[] {
  return resources.filter((r) => r.resource.type.toLowerCase() === type.toLowerCase());
}

/** Resource types whose absence would make the checks below vacuous. */
const REQUIRED_TYPES = [
  'Microsoft.Storage/storageAccounts',
  'Microsoft.ServiceBus/namespaces',
  'Microsoft.ServiceBus/namespaces/topics',
  'Microsoft.ServiceBus/namespaces/queues',
  'Microsoft.DocumentDB/databaseAccounts',
  'Microsoft.CognitiveServices/accounts',
  'Microsoft.Insights/components',
  'Microsoft.Web/sites',
  'Microsoft.Authorization/roleAssignments',
  'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments',
  'Microsoft.App/sessionPools',
];

export function checkRequiredResources(resources: LocatedResource[]): string[] {
  return REQUIRED_TYPES.filter((type) => ofType(resources, type).length === 0).map(
    (type) => `no resource of type ${type}`,
  );
}

export function checkLocalAuthDisabled(resources: LocatedResource[]): string[] {
  const violations: string[] = [];
  for (const at of ofType(resources, 'Microsoft.ServiceBus/namespaces')) {
    expectProperties(
      at,
      [
        ['disableLocalAuth', true],
        ['minimumTlsVersion', '1.2'],
      ],
      violations,
    );
  }
  for (const at of ofType(resources, 'Microsoft.DocumentDB/databaseAccounts')) {
    expectProperties(at, [['disableLocalAuth', true]], violations);
  }
  for (const at of ofType(resources, 'Microsoft.CognitiveServices/accounts')) {
    expectProperties(at, [['disableLocalAuth', true]], violations);
  }
  for (const at of ofType(resources, 'Microsoft.Insights/components')) {
    expectProperties(at, [['DisableLocalAuth', true]], violations);
  }
  return violations;
}

export function checkStorage(resources: LocatedResource[]): string[] {
  const violations: string[] = [];
  for (const at of ofType(resources, 'Microsoft.Storage/storageAccounts')) {
    expectProperties(
      at,
      [
        ['allowSharedKeyAccess', false],
        ['supportsHttpsTrafficOnly', true],
        ['minimumTlsVersion', 'TLS1_2'],
        ['allowBlobPublicAccess', false],
      ],
      violations,
    );
  }
  return violations;
}

export function checkFunctionApp(resources: LocatedResource[]): string[] {
  const violations: string[] = [];
  for (const at of ofType(resources, 'Microsoft.Web/sites')) {
    expectProperties(
      at,
      [
        ['httpsOnly', true],
        ['siteConfig.minTlsVersion', '1.2'],
      ],
      violations,
    );
  }
  return violations;
}

export function checkOutputs(template: ArmTemplate): string[] {
  const violations: string[] = [];
  for (const output of collectOutputs(template)) {
    const where = `${output.path}: output ${output.name}`;
    if (SECRET_OUTPUT_NAME.test(output.name)) violations.push(`${where}: name looks like a secret`);
    if (/^secure/i.test(output.type ?? '')) violations.push(`${where}: secure output type ${output.type}`);
    if (SECRET_MATERIAL.test(JSON.stringify(output.value ?? ''))) {
      violations.push(`${where}: value looks like a key or a connection string`);
    }
  }
  return violations;
}

export function checkRoleAssignments(resources: LocatedResource[]): string[] {
  const violations: string[] = [];
  const assignments = [
    ...ofType(resources, 'Microsoft.Authorization/roleAssignments'),
    ...ofType(resources, 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments'),
  ];
  for (const at of assignments) {
    const roleDefinitionId = at.resource.properties?.roleDefinitionId;
    if (typeof roleDefinitionId !== 'string') {
      violations.push(`${describe(at)}: no roleDefinitionId`);
      continue;
    }
    const guids = guidsInExpression(roleDefinitionId, at.template.variables ?? {});
    if (guids.length === 0)
      violations.push(`${describe(at)}: cannot tell which role ${roleDefinitionId} grants`);
    for (const guid of guids) {
      if (!ALLOWED_ROLE_DEFINITIONS[guid])
        violations.push(`${describe(at)}: role ${guid} is not in the allowed list`);
    }
    if (typeof at.resource.name !== 'string' || !/\bguid\(/.test(at.resource.name)) {
      violations.push(`${describe(at)}: name must come from guid()`);
    }
  }
  return violations;
}

/** Role definition GUIDs granted anywhere in the template. */
export function grantedRoles(resources: LocatedResource[]): Set<string> {
  const roles = new Set<string>();
  for (const at of [
    ...ofType(resources, 'Microsoft.Authorization/roleAssignments'),
    ...ofType(resources, 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments'),
  ]) {
    const id = at.resource.properties?.roleDefinitionId;
    if (typeof id === 'string')
      guidsInExpression(id, at.template.variables ?? {}).forEach((g) => roles.add(g));
  }
  return roles;
}

export function checkMessaging(resources: LocatedResource[]): string[] {
  const violations: string[] = [];
  for (const at of ofType(resources, 'Microsoft.ServiceBus/namespaces/topics')) {
    expectProperties(at, [['requiresDuplicateDetection', true]], violations);
    const window = resolveValue(at.resource.properties?.duplicateDetectionHistoryTimeWindow, at);
    if (typeof window !== 'string' || !/^P(T?\d)/.test(window)) {
      violations.push(
        `${describe(at)}: duplicateDetectionHistoryTimeWindow must be an explicit ISO 8601 duration`,
      );
    }
  }
  for (const at of ofType(resources, 'Microsoft.ServiceBus/namespaces/queues')) {
    expectProperties(at, [['deadLetteringOnMessageExpiration', true]], violations);
    const count = resolveValue(at.resource.properties?.maxDeliveryCount, at);
    if (typeof count !== 'number' || count < 1 || count > 10) {
      violations.push(
        `${describe(at)}: maxDeliveryCount must be set between 1 and 10, is ${JSON.stringify(count)}`,
      );
    }
  }
  return violations;
}

export function checkAppSettingsAndAuth(resources: LocatedResource[]): string[] {
  const violations: string[] = [];
  const configs = ofType(resources, 'Microsoft.Web/sites/config');
  const appSettings = configs.filter(
    (c) => typeof c.resource.name === 'string' && /appsettings/.test(c.resource.name),
  );
  if (appSettings.length === 0) violations.push('no Microsoft.Web/sites/config appsettings');
  for (const at of appSettings) {
    const settings = at.resource.properties ?? {};
    for (const name of REQUIRED_APP_SETTINGS) {
      if (!(name in settings)) violations.push(`${describe(at)}: app setting ${name} is missing`);
    }
    for (const [name, value] of Object.entries(settings)) {
      if (KEY_MATERIAL.test(JSON.stringify(value)))
        violations.push(`${describe(at)}: app setting ${name} holds a key`);
    }
    if (resolveValue(settings.FACTORY_AUTH_MODE, at) !== 'appservice') {
      violations.push(`${describe(at)}: FACTORY_AUTH_MODE must be appservice`);
    }
  }
  const auth = configs.filter(
    (c) => typeof c.resource.name === 'string' && /authsettingsV2/.test(c.resource.name),
  );
  if (auth.length === 0) violations.push('no Microsoft.Web/sites/config authsettingsV2');
  for (const at of auth) {
    expectProperties(
      at,
      [
        ['platform.enabled', true],
        ['globalValidation.requireAuthentication', true],
        ['identityProviders.azureActiveDirectory.enabled', true],
      ],
      violations,
    );
  }
  return violations;
}

/**
 * Generated code runs in the session pool (ADR 0033): custom containers with egress disabled and no managed
 * identity a session could use, and the factory allowed to execute sessions there.
 */
export function checkSessionPool(resources: LocatedResource[]): string[] {
  const violations: string[] = [];
  for (const at of ofType(resources, 'Microsoft.App/sessionPools')) {
    expectProperties(
      at,
      [
        ['containerType', 'CustomContainer'],
        ['sessionNetworkConfiguration.status', 'EgressDisabled'],
      ],
      violations,
    );
    if (at.resource.identity !== undefined) {
      violations.push(`${describe(at)}: a session pool must have no managed identity`);
    }
    if (at.resource.properties?.managedIdentitySettings !== undefined) {
      violations.push(`${describe(at)}: managedIdentitySettings would expose an identity to sessions`);
    }
  }
  const executors = ofType(resources, 'Microsoft.Authorization/roleAssignments').filter(
    (at) =>
      /Microsoft\.App\/sessionPools/.test(String(at.resource.scope)) &&
      guidsInExpression(
        String(at.resource.properties?.roleDefinitionId),
        at.template.variables ?? {},
      ).includes(SESSION_EXECUTOR_ROLE),
  );
  if (executors.length === 0) {
    violations.push('no Azure ContainerApps Session Executor role assignment scoped to a session pool');
  }
  return violations;
}

/** All checks; an empty list means the template meets the baseline. */
export function checkSecurityBaseline(template: ArmTemplate): string[] {
  const resources = collectResources(template);
  return [
    ...checkRequiredResources(resources),
    ...checkLocalAuthDisabled(resources),
    ...checkStorage(resources),
    ...checkFunctionApp(resources),
    ...checkOutputs(template),
    ...checkRoleAssignments(resources),
    ...checkMessaging(resources),
    ...checkAppSettingsAndAuth(resources),
    ...checkSessionPool(resources),
  ];
}
