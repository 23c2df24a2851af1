import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(join(root, file), 'utf8');

type Node = Record<string, unknown>;
const asNodes = (value: unknown): Node[] => (Array.isArray(value) ? (value as Node[]) : []);

/** Every step of a stage, from plain jobs and from deployment jobs' strategies. */
function stepsOf(stage: Node): Node[] {
  return asNodes(stage.jobs).flatMap((job) => {
    const strategy = job.strategy as Node | undefined;
    const runOnce = strategy?.runOnce as Node | undefined;
    const deploy = runOnce?.deploy as Node | undefined;
    return [...asNodes(job.steps), ...asNodes(deploy?.steps)];
  });
}

function scriptsOf(stage: Node): string {
  return stepsOf(stage)
    .map((step) => {
      const inputs = step.inputs as Node | undefined;
      return [step.script, step.bash, inputs?.inlineScript].filter((s) => typeof s === 'string').join('\n');
    })
    .join('\n');
}

const tasksOf = (stage: Node): string[] => stepsOf(stage).map((s) => String(s.task ?? ''));

describe('host.json', () => {
  const host = JSON.parse(read('host.json')) as Node;
  const extensions = host.extensions as Record<string, Node>;

  it('targets the v4 extension bundle on host version 2.0', () => {
    expect(host.version).toBe('2.0');
    expect(host.extensionBundle).toEqual({
      id: 'Microsoft.Azure.Functions.ExtensionBundle',
      version: '[4.*, 5.0.0)',
    });
  });

  it('configures the durable task hub and its concurrency', () => {
    const durable = extensions.durableTask;
    expect(typeof durable.hubName).toBe('string');
    expect(durable.storageProvider).toBeDefined();
    expect(Number.isInteger(durable.maxConcurrentActivityFunctions)).toBe(true);
    expect(durable.maxConcurrentActivityFunctions as number).toBeGreaterThan(0);
    expect(Number.isInteger(durable.maxConcurrentOrchestratorFunctions)).toBe(true);
  });

  it('configures the Service Bus trigger', () => {
    expect(extensions.serviceBus).toMatchObject({
      autoCompleteMessages: expect.any(Boolean),
      maxConcurrentCalls: expect.any(Number),
      maxAutoLockRenewalDuration: expect.stringMatching(/^\d\d:\d\d:\d\d$/),
    });
  });

  it('exports the host telemetry through OpenTelemetry, leaving worker logs to the worker', () => {
    // The worker's Functions instrumentation sends context.log itself; in this mode the host does not repeat it.
    expect(host.telemetryMode).toBe('OpenTelemetry');
  });

  it('samples telemetry but never requests or exceptions', () => {
    const logging = host.logging as Node;
    const sampling = (logging.applicationInsights as Node).samplingSettings as Node;
    expect(sampling.isEnabled).toBe(true);
    const excluded = String(sampling.excludedTypes).split(';');
    expect(excluded).toEqual(expect.arrayContaining(['Request', 'Exception']));
    expect(logging.logLevel).toBeDefined();
  });
});

describe('azure.yaml', () => {
  const azd = parse(read('azure.yaml')) as Node;

  it('provisions infra/bicep/main.bicep', () => {
    expect(azd.infra).toMatchObject({ provider: 'bicep', path: 'infra/bicep', module: 'main' });
  });

  it('deploys the factory service as a TypeScript Function App', () => {
    const services = azd.services as Record<string, Node>;
    expect(services.factory).toMatchObject({ project: '.', language: 'ts', host: 'function' });
  });

  it('builds the package locally with production dependencies only, and restores them after', () => {
    const factory = (azd.services as Record<string, Node>).factory;
    expect(factory.remoteBuild).toBe(false);
    const hooks = factory.hooks as Record<string, Record<string, Node>>;
    for (const os of ['posix', 'windows']) {
      expect(String(hooks.prepackage[os].run)).toMatch(/npm ci --omit=dev/);
      expect(String(hooks.postpackage[os].run)).toMatch(/npm ci(?! --omit)/);
    }
  });

  it('registers the API in Entra ID before provisioning and hands its client id to the Bicep', () => {
    const hooks = azd.hooks as Record<string, Record<string, Node>>;
    for (const os of ['posix', 'windows']) {
      const run = String(hooks.preprovision[os].run);
      expect(run).toMatch(/npm run build/);
      expect(run).toMatch(/node dist\/deploy\/preprovision\.js/);
      expect(run).toMatch(/azd env set FACTORY_API_CLIENT_ID/);
    }
  });

  it('maps the parameters azd must supply', () => {
    const parameters = (JSON.parse(read('infra/bicep/main.parameters.json')) as Node).parameters as Record<
      string,
      Node
    >;
    expect(parameters.environmentName.value).toBe('${AZURE_ENV_NAME}');
    expect(parameters.location.value).toBe('${AZURE_LOCATION}');
    expect(String(parameters.apiClientId.value)).toMatch(/^\$\{\w+\}$/);
  });
});

describe('azure-pipelines.yml', () => {
  const text = read('azure-pipelines.yml');
  const pipeline = parse(text) as Node;
  const stages = asNodes(pipeline.stages);
  const stage = (name: string): Node => {
    const found = stages.find((s) => s.stage === name);
    if (!found) throw new Error(`no stage ${name}`);
    return found;
  };

  it('has the stages Build, Test, Infra and Deploy in order', () => {
    expect(stages.map((s) => s.stage)).toEqual(['Build', 'Test', 'Infra', 'Deploy']);
  });

  it('takes the service connection as a parameter', () => {
    const names = asNodes(pipeline.parameters).map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(['azureServiceConnection', 'environmentName', 'location', 'apiClientId']),
    );
  });

  it('builds from the lock file, lints and compiles', () => {
    const scripts = scriptsOf(stage('Build'));
    expect(scripts).toMatch(/\bnpm ci\b/);
    expect(scripts).toMatch(/npm run lint/);
    expect(scripts).toMatch(/npm run build/);
    expect(scripts).not.toMatch(/npm install(?! --no-save)/);
  });

  it('packages what .funcignore keeps, with production dependencies, built on the runtime Node.js version', () => {
    const scripts = scriptsOf(stage('Build'));
    expect(scripts).toMatch(/rsync [^\n]*--exclude-from=\.funcignore/);
    expect(scripts).toMatch(/npm ci --omit=dev/);
    expect((pipeline.variables as Node).nodeVersion).toBe('22.x');
    const runtime = read('infra/bicep/modules/functionapp.bicep');
    expect(runtime).toMatch(/name: 'node'\s+\/\/[^\n]*\n\s+version: '22'/);
  });

  it('tests on Node.js 22 and on Node.js 20', () => {
    const [job] = asNodes(stage('Test').jobs);
    const matrix = (job.strategy as Node).matrix as Record<string, Node>;
    expect(Object.values(matrix).map((m) => m.testNodeVersion)).toEqual(['22.x', '20.x']);
  });

  it('runs npm test and publishes JUnit results and coverage', () => {
    const test = stage('Test');
    expect(scriptsOf(test)).toMatch(/\bnpm ci\b/);
    expect(scriptsOf(test)).toMatch(/\bnpm test\b/);
    expect(scriptsOf(test)).toMatch(/install-bicep\.sh/);
    const publish = stepsOf(test).find((s) => s.task === 'PublishTestResults@2');
    expect(publish?.inputs).toMatchObject({ testResultsFormat: 'JUnit' });
    expect(tasksOf(test)).toContain('PublishCodeCoverageResults@2');
  });

  it('builds, lints and runs what-if on the Bicep through the service connection', () => {
    const infra = stage('Infra');
    const scripts = scriptsOf(infra);
    expect(scripts).toMatch(/bicep"? lint/);
    expect(scripts).toMatch(/bicep"? build/);
    const cli = stepsOf(infra).find(
      (s) => s.task === 'AzureCLI@2' && /what-if/.test(String((s.inputs as Node).inlineScript)),
    );
    expect((cli?.inputs as Node).azureSubscription).toBe('${{ parameters.azureServiceConnection }}');
  });

  it('deploys to the production environment on Flex Consumption', () => {
    const deploy = stage('Deploy');
    const jobs = asNodes(deploy.jobs);
    const environment = jobs.map((j) => j.environment).find(Boolean);
    expect(typeof environment === 'string' ? environment : (environment as Node).name).toBe('production');
    expect(jobs.some((j) => typeof j.deployment === 'string')).toBe(true);
    const app = stepsOf(deploy).find((s) => s.task === 'AzureFunctionApp@2');
    expect(app?.inputs).toMatchObject({ isFlexConsumption: true, appType: 'functionAppLinux' });
  });

  it('holds no secrets', () => {
    expect(text).not.toMatch(/AccountKey=|SharedAccessKey|password\s*[:=]|client_?secret\s*[:=]/i);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
  });
});
