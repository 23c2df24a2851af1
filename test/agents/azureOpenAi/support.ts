import type { AgentDefinition, ArtifactRef } from '../../../core/agent';
import type { AgentPorts } from '../../../agents/runtime/agentContext';
import { createAgentContext, type RecordingAgentContext } from '../../../agents/runtime/agentContext';
import {
  readAzureOpenAiSettings,
  type AzureOpenAiSettings,
} from '../../../agents/runtime/azureOpenAi/settings';
import { join } from 'node:path';
import { agentCatalog } from '../../../agents/catalog';
import { FilesystemArtifactStore } from '../../../platform/artifacts/filesystemArtifactStore';
import { runAgents, testAgentPorts, type HarnessRun } from '../../support/agentHarness';
import { completion, type FakeAzureOpenAi, type FakeHandler } from '../../support/fakeAzureOpenAi';

type Json = Record<string, unknown>;

export const deployments = { simple: 'docs-mini', code: 'code-large' };

/** Settings pointing at the fake, with an API key (the fake accepts a key or a bearer token). */
export function fakeSettings(fake: FakeAzureOpenAi, env: Record<string, string> = {}): AzureOpenAiSettings {
  return readAzureOpenAiSettings({
    AZURE_OPENAI_ENDPOINT: fake.endpoint,
    AZURE_OPENAI_API_KEY: 'test-key',
    AZURE_OPENAI_DEPLOYMENT_SIMPLE: deployments.simple,
    AZURE_OPENAI_DEPLOYMENT_CODE: deployments.code,
    ...env,
  });
}

export function fakeEnv(fake: FakeAzureOpenAi, env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    AZURE_OPENAI_ENDPOINT: fake.endpoint,
    AZURE_OPENAI_API_KEY: 'test-key',
    AZURE_OPENAI_DEPLOYMENT_SIMPLE: deployments.simple,
    AZURE_OPENAI_DEPLOYMENT_CODE: deployments.code,
    ...env,
  };
}

/** A context for `agent` in the harness's run, seeing the given references. */
export function contextIn(
  run: Pick<HarnessRun, 'store' | 'tenantId' | 'runId' | 'ports'>,
  agent: AgentDefinition<unknown>,
  refs: ArtifactRef[],
  options: {
    feedback?: string[];
    attempt?: number;
    runId?: string;
    log?: (message: string) => void;
    /** A run store for the context (the run's document: its options and budget). */
    runs?: AgentPorts['runs'];
  } = {},
): RecordingAgentContext {
  return createAgentContext({
    store: run.store,
    tenantId: run.tenantId,
    runId: options.runId ?? run.runId,
    iteration: 1,
    attempt: options.attempt ?? 1,
    phase: agent.phase,
    agent: agent.name,
    inputs: refs,
    feedback: options.feedback,
    ports: options.runs ? { ...run.ports, runs: options.runs } : run.ports,
    log: options.log,
  });
}

/**
 * What a model bound by the strict schema writes for `value`: every property present, `null` where the
 * value has none (optional properties in the agent's schema).
 */
export function asStrictAnswer(value: unknown, schema: Json, root: Json = schema): unknown {
  if (value === null || typeof value !== 'object') return value;
  const resolved =
    typeof schema.$ref === 'string'
      ? ((root.$defs as Json)?.[schema.$ref.replace('#/$defs/', '')] as Json)
      : schema;
  if (Array.isArray(resolved.anyOf)) {
    const branch = (resolved.anyOf as Json[]).find(
      (b) =>
        b.type !== 'null' &&
        (Array.isArray(value) ? b.type === 'array' : b.type === 'object' || b.properties),
    );
    return branch ? asStrictAnswer(value, branch, root) : value;
  }
  if (Array.isArray(value))
    return value.map((item) => asStrictAnswer(item, (resolved.items ?? {}) as Json, root));
  const props = resolved.properties as Record<string, Json> | undefined;
  if (!props) return value;
  const out: Json = {};
  for (const key of Object.keys(props)) {
    const item = (value as Json)[key];
    out[key] = item === undefined ? null : asStrictAnswer(item, props[key], root);
  }
  for (const [key, item] of Object.entries(value as Json)) if (!(key in out)) out[key] = item;
  return out;
}

/**
 * A handler that answers each request with the blueprint output of the agent named by the response schema,
 * computed in the given context, shaped as a strict model would write it.
 */
export function blueprintAnswers(
  agents: Array<{ agent: AgentDefinition<unknown>; ctx: () => RecordingAgentContext }>,
): FakeHandler {
  return async (request) => {
    const name = request.body.response_format?.json_schema?.name;
    const found = agents.find((a) => a.agent.name === name);
    if (!found) throw new Error(`no agent for response schema ${name}`);
    const output = await found.agent.blueprint(found.ctx());
    return completion(
      request,
      asStrictAnswer(JSON.parse(JSON.stringify(output)), request.body.response_format!.json_schema!.schema),
    );
  };
}

/**
 * What each of `agents` produces with the blueprint for `vision`: the answers a fake model gives. With
 * `home`, computed there (a run with the same id elsewhere then matches, e.g. the Code Committer's branch).
 */
export async function recordBlueprintAnswers(
  agents: Array<AgentDefinition<unknown>>,
  vision: string,
  options: { runId?: string; home?: string } = {},
): Promise<Map<string, unknown>> {
  const outputs = new Map<string, unknown>();
  const recording = agents.map((agent): AgentDefinition<unknown> => ({
    ...agent,
    blueprint: async (ctx) => {
      const output = await agent.blueprint(ctx);
      outputs.set(agent.name, JSON.parse(JSON.stringify(output)));
      return output;
    },
  }));
  await runAgents(recording, {
    visionText: vision,
    runId: options.runId,
    store: options.home ? new FilesystemArtifactStore(join(options.home, 'artifacts')) : undefined,
    ports: testAgentPorts(options.home),
  });
  return outputs;
}

/**
 * A fake model's handler answering each agent (its schema's name) with the recorded output, or the share of it
 * that a part asks for.
 */
export function answerFrom(outputs: Map<string, unknown>): FakeHandler {
  return (request) => {
    const format = request.body.response_format!.json_schema!;
    if (!outputs.has(format.name)) throw new Error(`no answer for ${format.name}`);
    const user = request.body.messages.find((m) => m.role === 'user')?.content ?? '';
    return completion(
      request,
      asStrictAnswer(partOf(format.name, outputs.get(format.name), user), format.schema),
    );
  };
}

/** Asked for part of an answer, a model writes that part: the agent's own account of a part's share. */
function partOf(name: string, answer: unknown, user: string): unknown {
  const agent = agentCatalog.find((a) => a.name === name);
  if (agent?.uses !== 'model' || !agent.split || !/^This call writes part \d+ of \d+/m.test(user))
    return answer;
  return agent.split.pick(answer, { id: '', focus: user });
}
