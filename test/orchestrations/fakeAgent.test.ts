import * as df from 'durable-functions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentCatalog } from '../../agents/catalog';
import { registerInto, registry } from '../../local/durableHost/functionsCore';
import { FunctionRegistry } from '../../local/durableHost/registry';
import type { AgentActivityInput, AgentActivityResult } from '../../core/workflowContracts';
import { startTestFactory, type TestFactory } from '../support/embeddedFactory';

const vision = readFileSync(join(__dirname, '../../examples/visions/neighbourhood-tool-library.md'), 'utf8');

// The Vision Architect replaced, for this test's factory only, by an agent that reports an exhausted budget.
const fakes = new FunctionRegistry(registry);
const received: AgentActivityInput[] = [];
registerInto(fakes, () => {
  df.app.activity('visionArchitect', {
    handler: (input: unknown): AgentActivityResult => {
      received.push(input as AgentActivityInput);
      return { status: 'budget-exceeded', agent: 'visionArchitect', reason: 'the fake agent stops here' };
    },
  });
});

describe('a factory run with a fake agent', () => {
  let t: TestFactory;
  beforeAll(async () => {
    t = await startTestFactory({ registry: fakes });
  });
  afterAll(async () => {
    await t.close();
  });

  it("runs the real orchestrations, which call the fake in the agent's place", async () => {
    const runId = await t.start(vision, {}, 'run-fake');
    expect(await t.waitFor(runId, (s) => ['Completed', 'Failed'].includes(s))).toBe('Failed');
    expect(received).toEqual([
      expect.objectContaining({ runId, phase: 'vision-to-architecture', iteration: 1, attempt: 1 }),
    ]);
    const doc = (await t.ports.runs.get('test', runId))!;
    expect(doc.failure).toEqual({ reason: 'budget-exceeded', message: 'the fake agent stops here' });
    // The real agent would have counted its call and written the vision.
    expect(doc.counters.agentCalls).toBe(0);
    expect(doc.artifacts.map((a) => a.kind)).not.toContain('vision');
    const agents = new Set(agentCatalog.map((a) => a.name));
    const called = t.factory.runTrace('test', runId).map((e) => e.functionName);
    expect(called.filter((name) => agents.has(name))).toEqual(['visionArchitect']);
    expect(registry.get('visionArchitect')).not.toBe(fakes.get('visionArchitect'));
  });
});
