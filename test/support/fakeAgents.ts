import * as df from 'durable-functions';
import { createHash } from 'node:crypto';
import { agentCatalog } from '../../agents/catalog';
import type { ArtifactRef } from '../../core/agent';
import type { GateCriterion } from '../../core/gate';
import { phases, type PhaseId } from '../../core/phases';
import type { AgentActivityInput, AgentActivityResult } from '../../core/workflowContracts';
import { gateFor } from '../../gates/catalog';
import { registerInto, registry } from '../../local/durableHost/functionsCore';
import { FunctionRegistry } from '../../local/durableHost/registry';
import { startTestFactory, type TestFactory } from './embeddedFactory';

export interface FakeAgents {
  /** The app's functions with every agent replaced; give it to `startTestFactory`. */
  registry: FunctionRegistry;
  /** Every agent call of every run, in the order the calls arrived. */
  calls: Array<{ agent: string; input: AgentActivityInput }>;
  /** Makes an agent answer (or throw) differently from now on, until `reset`. */
  override(agent: string, answer: (input: AgentActivityInput) => AgentActivityResult): void;
  /** Calls `listener` as each agent call arrives, before it answers, until `reset`. */
  onCall(listener: (agent: string, input: AgentActivityInput) => void): void;
  reset(): void;
}

/** The reference a fake agent returns for one kind it writes: unique per run, iteration, phase and attempt. */
export function fakeRef(agent: string, kind: ArtifactRef['kind'], input: AgentActivityInput): ArtifactRef {
  const path = `iteration-${input.iteration}/${input.phase}/attempt-${input.attempt}/fake/${agent}/${kind}`;
  return { path, sha256: createHash('sha256').update(path).digest('hex'), kind };
}

/**
 * Every agent of the catalog as an instant fake: it records its input and returns one reference per kind it
 * writes (nothing is stored), so a whole run takes seconds while the real orchestrations drive it.
 */
export function fakeAgents(): FakeAgents {
  const fakes = new FunctionRegistry(registry);
  const calls: FakeAgents['calls'] = [];
  const overrides = new Map<string, (input: AgentActivityInput) => AgentActivityResult>();
  const listeners: Array<(agent: string, input: AgentActivityInput) => void> = [];
  registerInto(fakes, () => {
    for (const agent of agentCatalog) {
      df.app.activity(agent.name, {
        handler: (raw: unknown): AgentActivityResult => {
          const input = raw as AgentActivityInput;
          calls.push({ agent: agent.name, input });
          listeners.forEach((listener) => listener(agent.name, input));
          const override = overrides.get(agent.name);
          if (override) return override(input);
          return {
            status: 'done',
            agent: agent.name,
            artifacts: agent.writes.map((kind) => fakeRef(agent.name, kind, input)),
          };
        },
      });
    }
  });
  return {
    registry: fakes,
    calls,
    override: (agent, answer) => overrides.set(agent, answer),
    onCall: (listener) => listeners.push(listener),
    reset() {
      overrides.clear();
      listeners.length = 0;
      calls.length = 0;
    },
  };
}

export interface ScriptedGates {
  /** The next `verdicts.length` evaluations of the phase's gate fail, each with its findings. */
  fail(phase: PhaseId, ...verdicts: string[][]): void;
  /** Queues a failure no rework can pass (its criterion `final`). */
  failFinal(phase: PhaseId, findings: string[]): void;
  /** Forgets failures not yet used. */
  reset(): void;
  restore(): void;
}

/**
 * Every phase's gate criteria replaced by one criterion `scripted` that passes unless a failure is queued for
 * the phase; the gate activity around it (report, run document, findings) stays the real one.
 */
export function scriptedGates(): ScriptedGates {
  const queued = new Map<PhaseId, Array<{ findings: string[]; final?: boolean }>>();
  const spies = phases.map((phase) =>
    jest.spyOn(gateFor(phase.id), 'evaluate').mockImplementation(async (): Promise<GateCriterion[]> => {
      const verdict = queued.get(phase.id)?.shift();
      return [
        verdict
          ? {
              name: 'scripted',
              value: verdict.findings.length,
              threshold: 0,
              passed: false,
              findings: verdict.findings,
              ...(verdict.final ? { final: true } : {}),
            }
          : { name: 'scripted', value: 0, threshold: 0, passed: true, findings: [] },
      ];
    }),
  );
  const queue = (phase: PhaseId, ...verdicts: Array<{ findings: string[]; final?: boolean }>) =>
    queued.set(phase, [...(queued.get(phase) ?? []), ...verdicts]);
  return {
    fail: (phase, ...verdicts) => queue(phase, ...verdicts.map((findings) => ({ findings }))),
    failFinal: (phase, findings) => queue(phase, { findings, final: true }),
    reset: () => queued.clear(),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}

export interface FakeAgentFactory {
  agents: FakeAgents;
  /** The factory, started before the block's first test. */
  readonly t: TestFactory;
  readonly gates: ScriptedGates;
}

/**
 * Hooks for one `describe` block: a factory on the embedded host whose agents are fakes and whose gates are
 * scripted; both are reset after each test, the gates restored and the factory closed after the last.
 */
export function useFakeAgentFactory(
  options: Omit<Parameters<typeof startTestFactory>[0], 'registry'> = {},
): FakeAgentFactory {
  const agents = fakeAgents();
  let t: TestFactory | undefined;
  let gates: ScriptedGates | undefined;
  beforeAll(async () => {
    gates = scriptedGates();
    t = await startTestFactory({ ...options, registry: agents.registry });
  });
  afterEach(() => {
    agents.reset();
    gates?.reset();
  });
  afterAll(async () => {
    gates?.restore();
    await t?.close();
  });
  return {
    agents,
    get t() {
      if (!t) throw new Error('the test factory starts in beforeAll');
      return t;
    },
    get gates() {
      if (!gates) throw new Error('the scripted gates start in beforeAll');
      return gates;
    },
  };
}
