import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableHost } from '../../local/durableHost/durableHost';
import { registerInto, registry } from '../../local/durableHost/functionsCore';
import { FunctionRegistry } from '../../local/durableHost/registry';
import './sampleFunctions';

// A test's own registrations, made the way the app makes them, over the process-wide registry.
const own = new FunctionRegistry(registry);
const agentInputs: unknown[] = [];
registerInto(own, () => {
  df.app.activity('fakeAgent', {
    handler: (input: unknown) => {
      agentInputs.push(input);
      return { status: 'done', agent: 'fakeAgent', artifacts: [] };
    },
  });
  df.app.orchestration('callsFakeAgent', function* (context: OrchestrationContext) {
    return yield context.df.callActivity('fakeAgent', context.df.getInput());
  });
  df.app.activity('hello', { handler: (name: unknown) => `Fake hello ${String(name)}` });
});

describe('function registries of their own', () => {
  const hosts: DurableHost[] = [];
  const hostOn = (functions: FunctionRegistry) => {
    const host = new DurableHost({
      registry: functions,
      databaseFile: join(mkdtempSync(join(tmpdir(), 'durable-')), 'durable.db'),
    });
    host.start();
    hosts.push(host);
    return host;
  };
  afterAll(async () => {
    for (const host of hosts) {
      await host.stop();
      host.close();
    }
  });

  it('runs an orchestration calling a fake agent that only its own host knows', async () => {
    const host = hostOn(own);
    const id = host.startNew('callsFakeAgent', { input: { runId: 'run-1' } });
    const status = await host.waitForCompletion(id, 10000);
    expect(status?.runtimeStatus).toBe('Completed');
    expect(status?.output).toEqual({ status: 'done', agent: 'fakeAgent', artifacts: [] });
    expect(agentInputs).toEqual([{ runId: 'run-1' }]);
    expect(host.trace(id).map((t) => [t.functionName, t.outcome])).toEqual([['fakeAgent', 'completed']]);

    expect(registry.get('fakeAgent')).toBeUndefined();
    expect(() => hostOn(registry).startNew('callsFakeAgent')).toThrow(
      /no orchestration function named 'callsFakeAgent'/,
    );
  });

  it('replaces a process-wide function of the same name for its own hosts only', async () => {
    const faked = hostOn(own);
    const real = hostOn(registry);
    const outputs = await Promise.all(
      [faked, real].map(
        async (host) => (await host.waitForCompletion(host.startNew('sequence'), 10000))?.output,
      ),
    );
    expect(outputs).toEqual([
      ['Fake hello "Tokyo"', 'Fake hello "Seattle"'],
      ['Hello "Tokyo"', 'Hello "Seattle"'],
    ]);
  });

  it("lists the base's functions with its replacements, then its own, and refuses a name twice", () => {
    const names = own.all().map((f) => f.name);
    expect(names).toEqual([...registry.all().map((f) => f.name), 'fakeAgent', 'callsFakeAgent']);
    expect(own.all().find((f) => f.name === 'hello')).toBe(own.get('hello'));
    expect(own.get('hello')).not.toBe(registry.get('hello'));
    expect(own.byTrigger('orchestrationTrigger').map((f) => f.name)).toContain('sequence');
    expect(() => registerInto(own, () => df.app.activity('fakeAgent', { handler: () => undefined }))).toThrow(
      /'fakeAgent' is registered twice/,
    );
  });
});
