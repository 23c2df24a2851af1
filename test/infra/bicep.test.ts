import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  ArmResource,
  ArmTemplate,
  appSettingsOf,
  checkAppSettingsAndAuth,
  checkAssignmentCondition,
  CONTRIBUTOR_ROLE,
  RBAC_ADMINISTRATOR_ROLE,
  checkExpectedResources,
  checkSecurityBaseline,
  collectResources,
  EXPECTED_RESOURCES,
  matchesExpectation,
  REQUIRED_APP_SETTINGS,
  withoutResources,
  grantedRoles,
  guidsInExpression,
  ALLOWED_ROLE_DEFINITIONS,
  SESSION_EXECUTOR_ROLE,
} from './armChecks';
import { BicepRun, findBicep, formatDiagnostics, runBicep } from './bicepCli';

const root = join(__dirname, '..', '..');
const infra = join(root, 'infra', 'bicep');
const bicep = findBicep();

function bicepFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? bicepFiles(join(dir, entry.name))
      : entry.name.endsWith('.bicep')
        ? [relative(infra, join(dir, entry.name))]
        : [],
  );
}

if (!bicep.path && !process.env.CI) {
  // Straight to stderr: Jest drops console output of a file whose tests are all skipped.
  process.stderr.write(`Skipping the Bicep compile and baseline tests: ${bicep.reason}.\n`);
}

// In CI a missing CLI is a failure, not a silent skip; elsewhere the tests are skipped with the reason above.
const describeWithBicep = bicep.path || process.env.CI ? describe : describe.skip;

function requireBicep(): string {
  if (!bicep.path) throw new Error(`CI is set but ${bicep.reason}`);
  return bicep.path;
}

describeWithBicep('Bicep templates', () => {
  let outDir = '';
  let build: BicepRun;
  let lint: BicepRun;
  let compiledMain: ArmTemplate | undefined;

  // The compiled main template, or a failure that shows why it did not compile.
  function requireMain(): ArmTemplate {
    requireBicep();
    if (!compiledMain)
      throw new Error(`main.bicep did not compile:\n${formatDiagnostics(build.diagnostics)}`);
    return compiledMain;
  }

  beforeAll(async () => {
    if (!bicep.path) return;
    outDir = mkdtempSync(join(tmpdir(), 'factory-bicep-'));
    // One process builds every file (main also compiles its modules); linting runs alongside.
    [build, lint] = await Promise.all([
      runBicep(bicep.path, ['build', '--pattern', '**/*.bicep', '--outdir', outDir], infra),
      runBicep(bicep.path, ['lint', '--pattern', '**/*.bicep'], infra),
    ]);
    const mainJson = join(outDir, 'main.json');
    if (existsSync(mainJson)) compiledMain = JSON.parse(readFileSync(mainJson, 'utf8')) as ArmTemplate;
  }, 120_000);

  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('has the Bicep CLI', () => {
    expect(requireBicep()).toBeTruthy();
  });

  it('builds every .bicep file with no errors and no warnings', () => {
    requireBicep();
    expect(formatDiagnostics(build.diagnostics)).toBe('');
    expect(build.exitCode).toBe(0);
    const built = readdirSync(outDir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(built).toEqual(
      bicepFiles(infra)
        .map((f) => f.replace(/\.bicep$/, '.json'))
        .sort(),
    );
  });

  it('lints clean under bicepconfig.json', () => {
    requireBicep();
    expect(formatDiagnostics(lint.diagnostics)).toBe('');
    expect(lint.exitCode).toBe(0);
  });

  it('reports a linter warning as a diagnostic (the check can fail)', async () => {
    const cli = requireBicep();
    const dir = mkdtempSync(join(tmpdir(), 'factory-bicep-bad-'));
    try {
      copyFileSync(join(infra, 'bicepconfig.json'), join(dir, 'bicepconfig.json'));
      writeFileSync(
        join(dir, 'bad.bicep'),
        'param unused string\n@secure()\nparam secretValue string\noutput leaked string = secretValue\n',
      );
      const run = await runBicep(cli, ['build', '--stdout', 'bad.bicep'], dir);
      const codes = run.diagnostics.map((d) => d.code);
      expect(codes).toContain('no-unused-params');
      expect(codes).toContain('outputs-should-not-contain-secrets');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('meets the security baseline', () => {
    const main = requireMain();
    expect(checkSecurityBaseline(main)).toEqual([]);
  });

  it('provisions every resource the code expects', () => {
    expect(checkExpectedResources(requireMain())).toEqual([]);
  });

  it.each(EXPECTED_RESOURCES.map((e) => [e.what, e] as const))(
    'reports a template without the %s',
    (what, expected) => {
      const main = requireMain();
      // The expectation matches something in the real template, so removing it is a real change.
      expect(collectResources(main).some((at) => matchesExpectation(expected, at))).toBe(true);
      const reduced = withoutResources(main, (at) => matchesExpectation(expected, at));
      expect(checkExpectedResources(reduced)).toContain(`missing: ${what}`);
    },
  );

  it.each(REQUIRED_APP_SETTINGS)('reports app settings without %s', (name) => {
    const main = structuredClone(requireMain());
    const [settings] = collectResources(main).filter(
      (at) =>
        at.resource.type === 'Microsoft.Web/sites/config' && String(at.resource.name).includes('appsettings'),
    );
    const variables = settings.template.variables ?? {};
    const holder = Object.values(variables).find(
      (v): v is Record<string, unknown> => typeof v === 'object' && v !== null && name in v,
    );
    if (holder) delete holder[name];
    else
      settings.resource.properties = JSON.parse(
        JSON.stringify(settings.resource.properties).replace(`'${name}'`, "'REMOVED'"),
      ) as ArmResource['properties'];
    expect(appSettingsOf(settings).names.has(name)).toBe(false);
    expect(checkAppSettingsAndAuth(collectResources(main)).join('\n')).toContain(
      `app setting ${name} is missing`,
    );
  });

  it('sets the source repository settings only when their parameters are given', () => {
    const main = requireMain();
    const [settings] = collectResources(main).filter(
      (at) =>
        at.resource.type === 'Microsoft.Web/sites/config' && String(at.resource.name).includes('appsettings'),
    );
    const { conditional } = appSettingsOf(settings);
    expect([...conditional].sort()).toEqual(['FACTORY_SOURCE_REPOSITORY', 'FACTORY_SOURCE_REPOSITORY_URL']);
    expect(main.parameters?.sourceRepository?.defaultValue).toBe('');
    expect(main.parameters?.sourceRepositoryUrl?.defaultValue).toBe('');
  });

  it('defaults to GA models that follow new default versions, with a matching API version', () => {
    const main = requireMain();
    const defaults = (name: string) => main.parameters?.[name]?.defaultValue;
    expect([defaults('simpleModelName'), defaults('simpleModelVersion')]).toEqual([
      'gpt-5.4-mini',
      '2026-03-17',
    ]);
    expect([defaults('codeModelName'), defaults('codeModelVersion')]).toEqual(['gpt-5.4', '2026-03-05']);
    expect(defaults('openAiApiVersion')).toBe('2025-04-01-preview');
    const deployments = collectResources(main).filter(
      (at) => at.resource.type === 'Microsoft.CognitiveServices/accounts/deployments',
    );
    expect(deployments).toHaveLength(1);
    expect(deployments[0].resource.properties?.versionUpgradeOption).toBe('OnceNewDefaultVersionAvailable');
    expect(JSON.stringify(main)).not.toMatch(/gpt-4o-mini|gpt-4\.1|NoAutoUpgrade/);
  });

  it('gives azd the same defaults as the template (main.parameters.json)', () => {
    const main = requireMain();
    const mapped = (
      JSON.parse(readFileSync(join(infra, 'main.parameters.json'), 'utf8')) as {
        parameters: Record<string, { value: string }>;
      }
    ).parameters;
    const withDefaults = Object.entries(mapped).filter(([, p]) => /^\$\{\w+=.*\}$/.test(p.value));
    expect(withDefaults.length).toBeGreaterThan(8);
    for (const [name, { value }] of withDefaults) {
      expect([name, value.replace(/^\$\{\w+=(.*)\}$/, '$1')]).toEqual([
        name,
        String(main.parameters?.[name]?.defaultValue),
      ]);
    }
    // Every parameter azd passes exists in the template.
    for (const name of Object.keys(mapped)) expect(main.parameters).toHaveProperty(name);
  });

  it('writes to one site, and to one Cosmos account, one resource at a time', () => {
    const main = requireMain();
    const resources = main.resources as Record<string, ArmResource>;
    expect(resources.developerAccess.dependsOn).toContain('appAccess');
    const site = collectResources(main).filter((at) => at.path === 'main/functionApp');
    const dependsOn = (kind: string) =>
      site.find((at) => String(at.resource.name).includes(`'${kind}'`))?.resource.dependsOn;
    expect(JSON.stringify(dependsOn('authsettingsV2'))).toContain('appsettings');
    expect(JSON.stringify(dependsOn('ftp'))).toContain('authsettingsV2');
    expect(JSON.stringify(dependsOn('scm'))).toContain("'ftp'");
  });

  it('limits what the factory may assign in the products resource group, and reports a wider condition', () => {
    const main = structuredClone(requireMain());
    const [administrator] = collectResources(main).filter(
      (at) =>
        at.path === 'main/productTarget' &&
        guidsInExpression(
          String(at.resource.properties?.roleDefinitionId),
          at.template.variables ?? {},
        ).includes(RBAC_ADMINISTRATOR_ROLE),
    );
    expect(checkAssignmentCondition(administrator)).toEqual([]);
    const variables = administrator.template.variables as Record<string, string>;
    // Owner among the assignable roles, and no restriction on the principal type.
    variables.assignableRoles += ', 8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
    variables.condition = variables.condition.replace('PrincipalType', 'PrincipalId');
    const violations = checkAssignmentCondition(administrator).join('\n');
    expect(violations).toContain('8e3af657-a8ff-443c-a75c-2fe8c4bcb635');
    expect(violations).toContain('service principals');
  });

  it('reports Contributor granted anywhere but the products resource group', () => {
    const main = structuredClone(requireMain());
    const located = collectResources(main);
    const [contributor] = located.filter(
      (at) => at.path === 'main/productTarget' && String(at.resource.name).includes('.contributor'),
    );
    const [appAccess] = located.filter((at) => at.path === 'main/appAccess');
    // The same assignment, literal role id, declared in the module that serves the factory's own resources.
    const moved: ArmResource = structuredClone(contributor.resource);
    moved.properties = {
      ...moved.properties,
      roleDefinitionId: `[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${CONTRIBUTOR_ROLE}')]`,
    };
    (appAccess.template.resources as ArmResource[]).push(moved);
    expect(checkSecurityBaseline(main).join('\n')).toMatch(
      /main\/appAccess: .*Contributor is granted only on the products' resource group/,
    );
  });

  it('grants exactly the data-plane roles the app needs', () => {
    const main = requireMain();
    expect([...grantedRoles(collectResources(main))].sort()).toEqual(
      Object.keys(ALLOWED_ROLE_DEFINITIONS).sort(),
    );
  });

  it('declares the factory resources as specified', () => {
    const main = requireMain();
    const resources = collectResources(main);
    const of = (type: string): ArmResource[] =>
      resources.filter((r) => r.resource.type === type).map((r) => r.resource);

    expect(main.parameters).toHaveProperty('environmentName');
    expect(main.parameters).toHaveProperty('location');
    expect(JSON.stringify(main.variables)).toMatch(/azd-env-name/);
    expect(JSON.stringify(main.variables)).toMatch(/uniqueString\(/);

    const [plan] = of('Microsoft.Web/serverfarms');
    expect(plan.sku).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
    const [site] = of('Microsoft.Web/sites');
    expect(site.identity).toMatchObject({ type: 'UserAssigned' });
    expect(site.properties?.functionAppConfig).toMatchObject({ runtime: { name: 'node', version: '22' } });

    const [container] = of('Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers');
    expect(JSON.stringify(container.properties)).toContain('"paths":["/tenantId"]');
    const [cosmos] = of('Microsoft.DocumentDB/databaseAccounts');
    expect(cosmos.properties?.capabilities).toEqual([{ name: 'EnableServerless' }]);

    const [openAi] = of('Microsoft.CognitiveServices/accounts');
    expect(openAi.kind).toBe('OpenAI');
    expect(openAi.properties?.customSubDomainName).toBeTruthy();

    const rules = of('Microsoft.ServiceBus/namespaces/topics/subscriptions/rules');
    expect(rules).toHaveLength(1);
    expect(rules[0].properties).toMatchObject({ filterType: 'SqlFilter' });
    const defaults = JSON.stringify(main.parameters?.eventSubscriptions?.defaultValue);
    expect(defaults).toContain('factory.DeploymentSuccessful');

    expect(of('Microsoft.Storage/storageAccounts/managementPolicies')).toHaveLength(1);
    expect(of('Microsoft.Insights/scheduledQueryRules')[0].properties?.criteria).toBeDefined();
    expect(JSON.stringify(of('Microsoft.Insights/scheduledQueryRules'))).toContain('RunFailed');
    expect(JSON.stringify(of('Microsoft.Insights/metricAlerts'))).toContain('DeadletteredMessages');
    expect(of('Microsoft.Insights/workbooks')).toHaveLength(1);
    expect(of('Microsoft.KeyVault/vaults')).toHaveLength(0);
  });

  it('runs generated code in a session pool the app can execute sessions in, never in the worker', () => {
    const main = requireMain();
    const resources = collectResources(main);
    const pools = resources.filter((r) => r.resource.type === 'Microsoft.App/sessionPools');
    expect(pools).toHaveLength(1);
    const [pool] = pools;
    expect(pool.resource.identity).toBeUndefined();
    expect(pool.resource.properties).toMatchObject({
      poolManagementType: 'Dynamic',
      containerType: 'CustomContainer',
      sessionNetworkConfiguration: { status: 'EgressDisabled' },
      customContainerTemplate: { ingress: { targetPort: "[parameters('targetPort')]" } },
    });
    expect(JSON.stringify(pool.resource.properties?.customContainerTemplate)).toContain(
      "[parameters('image')]",
    );
    expect(main.parameters?.sessionImage?.defaultValue).toMatch(/node:20/);

    const [environment] = resources.filter((r) => r.resource.type === 'Microsoft.App/managedEnvironments');
    expect(JSON.stringify(environment.resource.properties?.workloadProfiles)).toContain('Consumption');

    // The app's identity (and the optional developer's) holds Session Executor on the pool, nothing more there.
    const onPool = resources.filter(
      (r) =>
        r.resource.type === 'Microsoft.Authorization/roleAssignments' &&
        String(r.resource.scope).includes('Microsoft.App/sessionPools'),
    );
    expect(onPool).toHaveLength(2);
    for (const at of onPool) {
      expect(
        guidsInExpression(String(at.resource.properties?.roleDefinitionId), at.template.variables ?? {}),
      ).toEqual([SESSION_EXECUTOR_ROLE]);
    }

    const [settings] = resources.filter(
      (r) =>
        r.resource.type === 'Microsoft.Web/sites/config' && String(r.resource.name).includes('appsettings'),
    );
    expect(appSettingsOf(settings).values.SANDBOX_SESSION_POOL_ENDPOINT).toBe(
      "[parameters('sessionPoolManagementEndpoint')]",
    );
    const functionApp = (main.resources as Record<string, ArmResource>).functionApp;
    expect(JSON.stringify(functionApp.properties?.parameters)).toMatch(
      /sessionPoolManagementEndpoint[^}]*poolManagementEndpoint/,
    );
    expect(JSON.stringify(main.outputs?.SANDBOX_SESSION_POOL_ENDPOINT)).toContain('poolManagementEndpoint');
  });
});
