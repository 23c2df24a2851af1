import { z } from 'zod';
import {
  partFocus,
  type AgentDefinition,
  type SlotResult,
  type SlotWriterAgentDefinition,
} from '../../../core/agent';
import type { ArtifactStore } from '../../../core/ports/artifactStore';
import type { RecordingAgentContext } from '../agentContext';
import { modelBudgetStop } from '../../../core/budget';
import {
  BudgetExceededError,
  ModelCallError,
  type Generation,
  type ModelProvider,
  type ModelUsage,
} from '../executeAgent';
import { ArtifactResponseCache, cacheKey, sha256Of, type CacheKeyParts, type ResponseCache } from './cache';
import { ContentFilteredError, ModelOutputError, ModelRefusalError, TruncatedOutputError } from './errors';
import { dropNullOptionals, responseFormatFor, type ResponseFormat } from './jsonSchema';
import { estimateCost, priceOf } from './prices';
import { renderPrompt, tokensOf, type ChatMessage, type RenderedPrompt } from './prompt';
import { readAzureOpenAiSettings, type AzureOpenAiSettings } from './settings';
import { completeChat, type TransportOptions } from './transport';

export const zeroUsage = (deployment?: string): ModelUsage => ({
  calls: 0,
  cacheHits: 0,
  promptTokens: 0,
  completionTokens: 0,
  cachedTokens: 0,
  estimatedCost: 0,
  ...(deployment ? { deployment } : {}),
});

export interface AzureOpenAiProviderOptions {
  env?: NodeJS.ProcessEnv;
  settings?: AzureOpenAiSettings;
  /** Where responses are cached (by AZURE_OPENAI_CACHE); without it nothing is cached. */
  artifacts?: ArtifactStore;
  cache?: ResponseCache;
  transport?: TransportOptions;
}

/** What a slot writer's model answers: the statements of one function body. */
const slotAnswer = z.object({ body: z.string().min(1).max(20_000) });

// The previous answer is shown again with its validation errors unless it would crowd the prompt.
const maxRepeatedAnswerShare = 0.25;
const maxIssuesShown = 30;

// Converted once per agent: agents may share one zod schema (the Frontend and Mobile Developers do), but
// each gets its own schema name.
const formats = new WeakMap<object, Map<string, ResponseFormat>>();
function formatOf(agent: AgentDefinition<unknown>): ResponseFormat {
  let byAgent = formats.get(agent.output);
  if (!byAgent) formats.set(agent.output, (byAgent = new Map()));
  let format = byAgent.get(agent.name);
  if (!format) {
    format = responseFormatFor(agent.name, agent.output);
    byAgent.set(agent.name, format);
  }
  return format;
}

/**
 * The `azure-openai` provider: renders the agent's prompt with its inputs (trimmed to a token budget), asks
 * the agent's deployment for structured output against the agent's schema, retries schema failures with the
 * errors, caches answers, and reports tokens and estimated cost. Settings are read when it is created, so a
 * missing endpoint fails the first agent with a clear message.
 */
export function createAzureOpenAiProvider(options: AzureOpenAiProviderOptions = {}): ModelProvider {
  const settings = options.settings ?? readAzureOpenAiSettings(options.env ?? process.env);
  const cache =
    options.cache ??
    (options.artifacts && settings.cache !== 'off'
      ? new ArtifactResponseCache(options.artifacts, settings.cache)
      : undefined);

  /**
   * One question to a deployment: asks, retries answers that fail `output` with the errors, caches the valid one
   * under `parts`, and adds what every round cost to `usage`. Returns the answer and the messages as they stood.
   */
  async function ask(
    agent: AgentDefinition<unknown>,
    ctx: RecordingAgentContext,
    question: {
      deployment: string;
      format: ResponseFormat;
      output: AgentDefinition<unknown>['output'];
      messages: ChatMessage[];
      parts: CacheKeyParts;
    },
    usage: ModelUsage,
  ): Promise<{ output: unknown; content: string }> {
    const { deployment, format, output } = question;
    const key = cacheKey(question.parts);
    const hit = await cache?.get(ctx.tenantId, ctx.runId, key);
    if (hit && output.safeParse(hit.output).success) {
      ctx.log(`cache hit ${key.slice(0, 12)}: no tokens spent`);
      usage.cacheHits += 1;
      return { output: hit.output, content: JSON.stringify(hit.output) };
    }
    const price = priceOf(settings.prices, deployment);
    // A failure after a paid round carries what was spent; before any, the service's error stands as is.
    const fail = (error: unknown): never => {
      if (usage.calls === 0) throw error;
      throw new ModelCallError(`agent ${agent.name}: ${(error as Error).message}`, { ...usage });
    };
    const sent = [...question.messages];
    const messages: ChatMessage[] = [...sent];
    let issues: string[] = [];
    for (let round = 0; round <= settings.schemaRetries; round++) {
      const reply = await completeChat(settings, { deployment, messages, format }, options.transport).catch(
        fail,
      );
      usage.calls += 1;
      usage.promptTokens += reply.usage.promptTokens;
      usage.completionTokens += reply.usage.completionTokens;
      usage.cachedTokens += reply.usage.cachedTokens;
      usage.estimatedCost = estimateCost(price, usage);
      const where = `agent ${agent.name} (deployment ${deployment})`;
      if (reply.refusal)
        throw new ModelRefusalError(`${where}: the model refused: ${reply.refusal}`, { ...usage });
      if (reply.finishReason === 'content_filter') {
        throw new ContentFilteredError(
          `${where}: the answer was stopped by the Azure OpenAI content filter`,
          {
            ...usage,
          },
        );
      }
      if (reply.finishReason === 'length') {
        throw new TruncatedOutputError(
          `${where}: the answer was cut off at ${reply.usage.completionTokens} completion tokens (AZURE_OPENAI_MAX_COMPLETION_TOKENS is ${settings.maxCompletionTokens}), so its JSON is incomplete`,
          { ...usage },
        );
      }
      const content = reply.content ?? '';
      let data: unknown;
      try {
        data = dropNullOptionals(JSON.parse(content), format.original);
        const parsed = output.safeParse(data);
        issues = parsed.success
          ? []
          : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      } catch (error) {
        issues = [`the answer is not JSON: ${(error as Error).message}`];
      }
      if (issues.length === 0) {
        await cache?.put(ctx.tenantId, ctx.runId, {
          key,
          parts: question.parts,
          createdAt: new Date().toISOString(),
          usage: { ...usage },
          output: data,
          messages: sent,
        });
        return { output: data, content };
      }
      ctx.log(`answer ${round + 1} does not match the schema (${issues.length} issue(s))`);
      const repeat = tokensOf(content) <= settings.maxPromptTokens * maxRepeatedAnswerShare;
      messages.push(
        {
          role: 'assistant',
          content: repeat
            ? content
            : `(previous answer of ${reply.usage.completionTokens} tokens, not repeated)`,
        },
        {
          role: 'user',
          content: `That answer does not match the required schema:\n${issues
            .slice(0, maxIssuesShown)
            .map((i) => `- ${i}`)
            .join(
              '\n',
            )}${issues.length > maxIssuesShown ? `\n- ... and ${issues.length - maxIssuesShown} more` : ''}\nAnswer again with the complete, corrected JSON object.`,
        },
      );
    }
    throw new ModelOutputError(
      `agent ${agent.name} produced output that does not match its schema after ${settings.schemaRetries + 1} attempt(s): ${issues.slice(0, maxIssuesShown).join('; ')}`,
      { ...usage },
    );
  }

  /**
   * The budget is checked before an agent starts; an agent that makes several calls (parts, slots) is stopped
   * between them once the run's counters and what it spent so far reach the token or cost limit.
   */
  async function withinBudget(
    agent: AgentDefinition<unknown>,
    ctx: RecordingAgentContext,
    usage: ModelUsage,
    where: string,
  ): Promise<void> {
    if (usage.calls === 0) return;
    const run = await ctx.run();
    const stop = run && modelBudgetStop(run, usage);
    if (stop) throw new BudgetExceededError(`agent ${agent.name} stopped ${where}: ${stop}`, { ...usage });
  }

  /**
   * The test-driven fix loop of a slot writer: per slot, one small call; the answer is compiled and tested by the
   * agent's check; a failure goes back to the model with the check's report, until it passes or `maxAttempts`
   * answers were tried. A slot that still fails keeps its last answer, and the check's report says why.
   */
  async function writeSlots(
    agent: SlotWriterAgentDefinition<unknown>,
    ctx: RecordingAgentContext,
  ): Promise<Generation> {
    const deployment = settings.deployments[agent.deployment];
    const format = formatOf({ ...agent, name: agent.name, output: slotAnswer });
    const usage = zeroUsage(deployment);
    const results: SlotResult[] = [];
    for (const slot of await agent.slots(ctx)) {
      const messages: ChatMessage[] = [
        {
          role: 'system',
          content: `${slot.system}\n\nAnswer with a single JSON object that follows the response schema "${format.name}".`,
        },
        { role: 'user', content: slot.user },
      ];
      const attempts: SlotResult['attempts'] = [];
      for (let attempt = 1; attempt <= agent.maxAttempts; attempt++) {
        const parts: CacheKeyParts = {
          agent: `${agent.name}/${slot.id}`,
          promptVersion: agent.promptVersion,
          deployment,
          schemaSha256: format.sha256,
          messagesSha256: sha256Of(messages),
          inputs: [],
          feedback: attempts.map((a) => a.check.report),
          iteration: ctx.iteration,
          attempt: ctx.attempt,
        };
        await withinBudget(agent, ctx, usage, `before answer ${attempt} of slot ${slot.id}`);
        const answer = await ask(
          agent,
          ctx,
          { deployment, format, output: slotAnswer, messages, parts },
          usage,
        );
        const { body } = answer.output as z.infer<typeof slotAnswer>;
        const check = await agent.check(slot, body, ctx);
        attempts.push({ body, check });
        ctx.log(
          `slot ${slot.id}: answer ${attempt} ${check.passed ? 'passed its checks' : 'failed its checks'}`,
        );
        if (check.passed) break;
        messages.push(
          { role: 'assistant', content: answer.content },
          {
            role: 'user',
            content: `That body does not pass:\n${check.report}\nAnswer again with the corrected function body.`,
          },
        );
      }
      results.push({ slot, attempts });
    }
    return { output: await agent.assemble(results, ctx), usage };
  }

  return {
    name: 'azure-openai',
    async generate<O>(definition: AgentDefinition<O>, ctx: RecordingAgentContext): Promise<Generation> {
      const agent = definition as AgentDefinition<unknown>;
      if (agent.uses === 'slots') return writeSlots(agent, ctx);
      if (agent.uses !== 'model') {
        ctx.log(
          agent.uses === 'tools'
            ? `${agent.role} reports what its tools measured or did; no model is asked`
            : `${agent.role} compiles its output from the typed documents it reads; no model is asked`,
        );
        return { output: await agent.blueprint(ctx), usage: zeroUsage() };
      }
      const deployment = settings.deployments[agent.deployment];
      const format = formatOf(agent);
      if (!format.strict)
        ctx.log(`response schema sent with strict: false (${format.notStrict.slice(0, 3).join('; ')})`);
      const rendering = {
        maxPromptTokens: settings.maxPromptTokens,
        schemaTokens: tokensOf(JSON.stringify(format.schema)),
        schemaName: format.name,
      };
      const prompt = await renderPrompt(agent, ctx, rendering);
      for (const t of prompt.trimmed)
        ctx.log(`input ${t.label} trimmed to ${t.keptTokens} of ${t.totalTokens} tokens`);
      const parts: CacheKeyParts = {
        agent: agent.name,
        promptVersion: agent.prompt.version,
        deployment,
        schemaSha256: format.sha256,
        messagesSha256: sha256Of(prompt.messages),
        inputs: prompt.inputs.map(({ kind, name, sha256 }) => ({ kind, name, sha256 })),
        feedback: ctx.feedback,
        iteration: ctx.iteration,
        attempt: ctx.attempt,
      };
      const usage = zeroUsage(deployment);
      const pieces = agent.split ? await agent.split.parts(ctx) : [];
      if (!agent.split || pieces.length <= 1) {
        const { output } = await ask(
          agent,
          ctx,
          { deployment, format, output: agent.output, messages: prompt.messages, parts },
          usage,
        );
        return { output, usage };
      }
      // One call per part, in turn (a deployment's rate limit is shared anyway), each with the whole prompt and
      // its focus last; the agent merges the answers.
      const answers: unknown[] = [];
      // Parts that leave out the same inputs share one rendering (their inputs are read once).
      const withoutInputs = new Map<string, Promise<RenderedPrompt>>();
      const promptLeaving = (leaves: string[]) => {
        const key = [...leaves].sort().join(',');
        if (!withoutInputs.has(key))
          withoutInputs.set(key, renderPrompt(agent, ctx, { ...rendering, leave: leaves }));
        return withoutInputs.get(key)!;
      };
      for (const [index, piece] of pieces.entries()) {
        await withinBudget(agent, ctx, usage, `after ${index} of ${pieces.length} parts`);
        const own = piece.leaves?.length ? await promptLeaving(piece.leaves) : prompt;
        const [system, user, ...rest] = own.messages;
        const focus = partFocus(agent.split, piece, answers);
        const messages = [system, { ...user, content: `${user.content}\n\n${focus}` }, ...rest];
        const { output } = await ask(
          agent,
          ctx,
          {
            deployment,
            format,
            output: agent.output,
            messages,
            parts: {
              ...parts,
              agent: `${agent.name}/${piece.id}`,
              messagesSha256: sha256Of(messages),
              inputs: own.inputs.map(({ kind, name, sha256 }) => ({ kind, name, sha256 })),
            },
          },
          usage,
        );
        answers.push(output);
      }
      ctx.log(`answered in ${pieces.length} parts`);
      return { output: agent.split.merge(answers, ctx), usage };
    },
  };
}
