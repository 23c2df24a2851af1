import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentContext } from '../../agents/runtime/agentContext';
import { blueprintProvider } from '../../agents/runtime/executeAgent';
import { ModelConfigurationError } from '../../agents/runtime/modelProviders';
import { composeFromSettings, type Composition } from '../../functions/compositionRoot';
import { FilesystemArtifactStore } from '../../platform/artifacts/filesystemArtifactStore';
import { SettingsError } from '../../platform/config';
import { LocalBlueGreenTarget } from '../../platform/deployment';
import { sandboxIsolation } from '../../platform/sandbox';

describe('the composition root', () => {
  const homes: string[] = [];
  const opened: Composition[] = [];
  const compose = (env: NodeJS.ProcessEnv, chosen?: Parameters<typeof composeFromSettings>[2]) => {
    const home = mkdtempSync(join(tmpdir(), 'factory-composition-'));
    homes.push(home);
    const composition = composeFromSettings(env, home, chosen);
    opened.push(composition);
    return composition;
  };
  const contextWith = (ports: Parameters<typeof createAgentContext>[0]['ports']) =>
    createAgentContext({
      store: new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'factory-composition-store-'))),
      runId: 'run-1',
      tenantId: 'acme',
      iteration: 1,
      attempt: 1,
      phase: 'development-to-testing',
      agent: 'testAutomationEngineer',
      inputs: [],
      ports,
    });

  afterAll(async () => {
    for (const composition of opened) await composition.ports.close();
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  });

  it('inside the Functions host without a session pool, composes, and refuses the sandbox only to the agent that asks', async () => {
    const { ports, agents } = compose({ WEBSITE_INSTANCE_ID: 'a1b2c3' });
    expect(ports.runs.adapter).toBe('sqlite');
    const ctx = contextWith(agents);
    expect(() => ctx.sandbox()).toThrow(SettingsError);
    // A failed choice is not kept: every agent that asks is told why.
    expect(() => ctx.sandbox()).toThrow(
      /SANDBOX_SESSION_POOL_ENDPOINT: is required inside the Functions host/,
    );
    expect(sandboxIsolation(agents.sandbox)).toMatch(/^unavailable: setting SANDBOX_SESSION_POOL_ENDPOINT/);
    expect(await ctx.run()).toBeUndefined();
  });

  it('chooses each agent adapter once, from the settings, on first use', async () => {
    const { home, agents } = compose({
      SANDBOX_SESSION_POOL_ENDPOINT: 'https://pool.example.azurecontainerapps.io',
      FACTORY_DEPLOYMENT_TARGET: 'local',
    });
    const ctx = contextWith(agents);
    expect(ctx.sandbox().adapter).toBe('aca-sessions');
    expect(ctx.sandbox()).toBe(ctx.sandbox());
    const target = ctx.deploymentTarget();
    expect(target).toBe(ctx.deploymentTarget());
    expect(target.routingFile?.('acme', 'run-1')).toBe(
      join(home, 'deployments', 'acme', 'run-1', 'current.json'),
    );
    expect((await ctx.sourceRepository()).location).toBe(join(home, 'repos', 'acme', 'run-1.git'));
    expect(await ctx.userFeedback()).toEqual([]);
  });

  it('reports a source repository setting it cannot use when an agent opens the repository, not before', async () => {
    const { agents } = compose({ FACTORY_SOURCE_REPOSITORY: 'cvs' });
    await expect(agents.sourceRepository('acme', 'run-1')).rejects.toThrow(
      "setting FACTORY_SOURCE_REPOSITORY: 'cvs' is not one of: local, azure-repos, github",
    );
  });

  it('reports a deployment target setting it cannot use when an agent reaches for it, not before', () => {
    const { agents } = compose({ FACTORY_DEPLOYMENT_TARGET: 'moon' });
    expect(() => agents.deploymentTarget()).toThrow(
      "FACTORY_DEPLOYMENT_TARGET 'moon' is not one of: local, azure-container-apps",
    );
  });

  it('with identity-based connections (Azure), keeps neither the repository nor the product on local disk unless told to', async () => {
    const azure = { CosmosConnection__accountEndpoint: 'https://factory.documents.azure.com:443/' };
    const { agents } = compose(azure);
    await expect(agents.sourceRepository('acme', 'run-1')).rejects.toThrow(
      /setting FACTORY_SOURCE_REPOSITORY: is not set: with identity-based connections \(Azure\) it must name azure-repos or github/,
    );
    expect(() => agents.deploymentTarget()).toThrow(
      /setting FACTORY_DEPLOYMENT_TARGET: is not set: .* it must name azure-container-apps/,
    );
    const explicit = compose({
      ...azure,
      FACTORY_SOURCE_REPOSITORY: 'local',
      FACTORY_DEPLOYMENT_TARGET: 'local',
    });
    expect(explicit.agents.deploymentTarget().adapter).toBe('local-blue-green');
    expect((await explicit.agents.sourceRepository('acme', 'run-1')).location).toContain(explicit.home);
  });

  it('hands agents what the host chose in place of the settings', () => {
    const target = new LocalBlueGreenTarget({ home: tmpdir(), build: () => ({ problems: [] }) });
    const { agents } = compose(
      { FACTORY_DEPLOYMENT_TARGET: 'moon' },
      { agents: { deploymentTarget: () => target } },
    );
    expect(contextWith(agents).deploymentTarget()).toBe(target);
  });

  it('offers the model providers the host adds beside the built-in ones, never in their place', () => {
    const latency = () => ({ ...blueprintProvider, name: 'latency' });
    const { modelProvider } = compose({}, { models: { latency } });
    expect(modelProvider('blueprint')).toBe(blueprintProvider);
    expect(modelProvider('latency').name).toBe('latency');
    expect(() => modelProvider('gpt-7')).toThrow(
      "unknown model provider 'gpt-7' (available: blueprint, azure-openai, latency)",
    );
    expect(() => modelProvider('azure-openai')).toThrow(ModelConfigurationError);
    expect(() => compose({}, { models: { blueprint: latency } })).toThrow(
      "model provider 'blueprint' is already registered",
    );
  });

  it('tells an agent outside any host which adapter it was not given', () => {
    const ctx = contextWith(undefined);
    expect(() => ctx.sandbox()).toThrow('agent testAutomationEngineer was given no sandbox');
    return expect(ctx.sourceRepository()).rejects.toThrow(
      'agent testAutomationEngineer was given no sourceRepository',
    );
  });
});
