import { artifactFeedbackInbox } from '../agents/blueprint/operations/feedbackInbox';
import type { AgentPorts } from '../agents/runtime/agentContext';
import type { ModelProvider } from '../agents/runtime/executeAgent';
import { modelProviders, type ProviderFactory } from '../agents/runtime/modelProviders';
import type { ActivityTrace } from '../core/ports/activityTrace';
import type { DeploymentTarget } from '../core/ports/deploymentTarget';
import { createPorts, factoryHome, type Ports } from '../platform/config';
import { createDeploymentTarget } from '../platform/deployment';
import { sourceRepositoryFromSettings } from '../platform/git/sourceRepositorySettings';
import { createSandbox } from '../platform/sandbox';
import { instrumentSandbox } from '../telemetry';
import { compileForDeployment } from '../toolchain/backend/compileForDeployment';

type Env = NodeJS.ProcessEnv;

/** Every adapter the factory's functions work through, chosen once (docs/adr/0024). */
export interface Composition {
  /** FACTORY_HOME: where local state lives (repositories, deployments, feedback, the embedded adapters' files). */
  home: string;
  /** Artifacts, run state, events and commands. */
  ports: Ports;
  /** What agents are handed in their context. */
  agents: AgentPorts;
  /** The model provider a run names; an unknown or unconfigured one is an error. */
  modelProvider(name: string): ModelProvider;
  /** The activity executions of a run, where the host that runs the activities keeps them (the embedded one does). */
  activityTrace?: ActivityTrace;
}

/** What a host or a test chooses itself instead of taking the settings' choice. */
export interface CompositionChoices {
  ports?: Ports;
  agents?: Partial<AgentPorts>;
  /** Model providers offered besides the built-in ones (the benchmarks' simulated-latency provider). */
  models?: Record<string, ProviderFactory>;
}

/** Makes the value on first use and keeps it; a failure is not kept, so the next use tries (and says why) again. */
function once<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}

/** The deployment target the settings ask for (docs/adr/0051). */
export function deploymentTargetFromSettings(env: Env, home: string): DeploymentTarget {
  return createDeploymentTarget(env, home, compileForDeployment);
}

/**
 * The adapters agents work through, as the settings ask for them: the sandbox (a Container Apps session pool, or
 * this machine's; inside the Functions host without a pool, an error when an agent reaches for it, docs/adr/0033),
 * the deployment target and the run's git repository (under `home`, or a branch of an Azure Repos or GitHub
 * repository, docs/adr/0040). The sandbox, the target and the repository are chosen on first use, so a host that
 * cannot have one still runs every agent that needs none of them.
 */
export function agentPortsFromSettings(env: Env, home: string): Omit<AgentPorts, 'runs' | 'feedbackInbox'> {
  const repositories = once(() => sourceRepositoryFromSettings(env, home));
  return {
    // Every execution is counted in telemetry (metric SandboxExecutions).
    sandbox: once(() => instrumentSandbox(createSandbox(env))),
    deploymentTarget: once(() => deploymentTargetFromSettings(env, home)),
    sourceRepository: async (tenantId, runId, change) => repositories()(tenantId, runId, change),
  };
}

/** The adapters the settings ask for, with whatever the caller chose itself in their place. */
export function composeFromSettings(env: Env, home: string, chosen: CompositionChoices = {}): Composition {
  const models = modelProviders(chosen.models);
  const ports = chosen.ports ?? createPorts(env, home);
  return {
    home,
    ports,
    agents: {
      ...agentPortsFromSettings(env, home),
      runs: ports.runs,
      feedbackInbox: artifactFeedbackInbox(ports.artifacts),
      ...chosen.agents,
    },
    modelProvider: (name) => models(name, { env, artifacts: ports.artifacts }),
  };
}

// The Functions programming model registers handlers as their modules load and hands them no dependencies, so the
// registered functions read the composition from here: chosen from settings on first use on the Functions host,
// set by the embedded host (with its activity trace) before it runs anything.
let current: Composition | undefined;

/** The composition the registered functions work with. */
export function composition(): Composition {
  current ??= composeFromSettings(process.env, factoryHome());
  return current;
}

/** Sets the composition (the embedded host sets its own); `undefined` chooses again from settings on next use. */
export function useComposition(chosen: Composition | undefined): void {
  current = chosen;
}
