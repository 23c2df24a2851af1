// `node dist/bench/tokens.js [vision.md]`: the prompt tokens each model agent would send to Azure OpenAI for a
// vision, measured with the tokenizer on the rendered prompts (compiling and tool agents send none). No network: the agents' inputs come from the
// blueprint engine, which also gives the size of the answer a model would have to write.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { partFocus, type ArtifactRef, type ModelDeployment } from '../core/agent';
import { artifactFeedbackInbox } from '../agents/blueprint/operations/feedbackInbox';
import { agentCatalog } from '../agents/catalog';
import { createAgentContext } from '../agents/runtime/agentContext';
import { responseFormatFor } from '../agents/runtime/azureOpenAi/jsonSchema';
import { defaultPrices, estimateCost } from '../agents/runtime/azureOpenAi/prices';
import { renderPrompt, tokensOf } from '../agents/runtime/azureOpenAi/prompt';
import { executeAgent } from '../agents/runtime/executeAgent';
import { agentPortsFromSettings } from '../functions/compositionRoot';
import { FilesystemArtifactStore } from '../platform/artifacts/filesystemArtifactStore';

/** MetaGPT's published average tokens per generated project (their paper's statistics, not measured here). */
export const metaGptPublishedTokensPerProject = 31_255;

export interface AgentTokens {
  agent: string;
  phase: string;
  /**
   * The deployment that would answer, or how an agent no model answers works (`tools`, `compiler`); `slots` for a
   * writer of policy bodies, which has nothing to write for rules the blueprint engine typed.
   */
  deployment: ModelDeployment | 'tools' | 'compiler' | 'slots';
  /** Calls in one pass: more than one for an agent that asks for its answer in parts. */
  calls: number;
  /** Over all its calls. */
  promptTokens: number;
  /** Input tokens before trimming to the prompt budget. */
  untrimmedInputTokens: number;
  trimmed: number;
  /** Tokens of the blueprint's answer: what a model would have to write. */
  answerTokens: number;
  /** The largest answer of one call. */
  largestCallTokens: number;
}

export async function benchTokens(visionPath: string, maxPromptTokens = 48_000): Promise<AgentTokens[]> {
  const home = mkdtempSync(join(tmpdir(), 'factory-bench-tokens-'));
  const previousHome = process.env.FACTORY_HOME;
  process.env.FACTORY_HOME = home;
  try {
    const store = new FilesystemArtifactStore(join(home, 'artifacts'));
    const [tenantId, runId] = ['bench', 'tokens'];
    const vision = await store.put(tenantId, runId, 'input/vision.md', readFileSync(visionPath, 'utf8'), {
      kind: 'vision-text',
      phase: 'input',
      agent: 'user',
      contentType: 'text/markdown',
    });
    const refs: ArtifactRef[] = [{ path: vision.path, sha256: vision.sha256, kind: 'vision-text' }];
    const rows: AgentTokens[] = [];
    // The tool agents work: they need the sandbox, the deployment target and the run's repository.
    const ports = {
      ...agentPortsFromSettings(process.env, home),
      feedbackInbox: artifactFeedbackInbox(store),
    };
    for (const agent of agentCatalog) {
      const ctx = createAgentContext({
        store,
        tenantId,
        runId,
        iteration: 1,
        attempt: 1,
        phase: agent.phase,
        agent: agent.name,
        inputs: [...refs],
        ports,
      });
      const format = responseFormatFor(agent.name, agent.output);
      let answer: unknown;
      const recording = { ...agent, blueprint: async (c: typeof ctx) => (answer = await agent.blueprint(c)) };
      if (agent.uses !== 'model') {
        const result = await executeAgent(recording, ctx);
        refs.push(...result.artifacts);
        rows.push({
          agent: agent.name,
          phase: agent.phase,
          deployment: agent.uses,
          calls: 0,
          promptTokens: 0,
          untrimmedInputTokens: 0,
          trimmed: 0,
          answerTokens: 0,
          largestCallTokens: 0,
        });
        continue;
      }
      const rendering = {
        maxPromptTokens,
        schemaTokens: tokensOf(JSON.stringify(format.schema)),
        schemaName: format.name,
      };
      // A part may go without some inputs: each call's prompt is rendered as the provider renders it.
      const prompts = async (leave?: string[]) => ({
        trimmed: await renderPrompt(agent, ctx, { ...rendering, leave }),
        untrimmed: await renderPrompt(agent, ctx, {
          maxPromptTokens: 10_000_000,
          schemaTokens: 0,
          schemaName: format.name,
          leave,
        }),
      });
      const whole = await prompts();
      const result = await executeAgent(recording, ctx);
      refs.push(...result.artifacts);
      // A split agent sends its whole prompt with each part's focus and writes a share of the answer per call.
      const parts = agent.split ? await agent.split.parts(ctx) : [];
      const shares = parts.length > 1 ? [] : [answer];
      let promptTokens = parts.length > 1 ? 0 : whole.trimmed.estimatedPromptTokens;
      let untrimmedInputTokens = parts.length > 1 ? 0 : whole.untrimmed.estimatedPromptTokens;
      if (parts.length > 1)
        for (const part of parts) {
          const focus = partFocus(agent.split!, part, shares);
          const own = part.leaves?.length ? await prompts(part.leaves) : whole;
          promptTokens += own.trimmed.estimatedPromptTokens + tokensOf(focus);
          untrimmedInputTokens += own.untrimmed.estimatedPromptTokens + tokensOf(focus);
          shares.push(agent.split!.pick(answer, { ...part, focus }));
        }
      rows.push({
        agent: agent.name,
        phase: agent.phase,
        deployment: agent.deployment,
        calls: shares.length,
        promptTokens,
        untrimmedInputTokens,
        trimmed: whole.trimmed.trimmed.length,
        answerTokens: shares.reduce<number>((sum, share) => sum + tokensOf(JSON.stringify(share)), 0),
        largestCallTokens: Math.max(...shares.map((share) => tokensOf(JSON.stringify(share)))),
      });
    }
    return rows;
  } finally {
    if (previousHome === undefined) delete process.env.FACTORY_HOME;
    else process.env.FACTORY_HOME = previousHome;
    rmSync(home, { recursive: true, force: true });
  }
}

export function tokenReport(rows: AgentTokens[], visionPath: string, maxPromptTokens: number): string {
  const pad = (value: string | number, width: number) => String(value).padStart(width);
  const lines = [
    `prompt tokens per agent for ${visionPath} (tokenizer o200k_base, prompt budget ${maxPromptTokens}, one pass: no reworks, no schema retries)`,
    '',
    `${'agent'.padEnd(24)}${'phase'.padEnd(30)}${'deployment'.padEnd(12)}${pad('calls', 6)}${pad('prompt', 9)}${pad('untrimmed', 11)}${pad('answer', 9)}${pad('largest', 9)}`,
  ];
  for (const r of rows) {
    const untrimmed = r.trimmed ? `${r.untrimmedInputTokens}` : '';
    lines.push(
      `${r.agent.padEnd(24)}${r.phase.padEnd(30)}${r.deployment.padEnd(12)}${pad(r.calls, 6)}${pad(r.promptTokens, 9)}${pad(untrimmed, 11)}${pad(r.answerTokens, 9)}${pad(r.largestCallTokens, 9)}`,
    );
  }
  lines.push('');
  const phases = [...new Set(rows.map((r) => r.phase))];
  for (const phase of phases) {
    const of = rows.filter((r) => r.phase === phase);
    lines.push(
      `${phase.padEnd(36)} prompt ${pad(
        of.reduce((s, r) => s + r.promptTokens, 0),
        8,
      )}   answer ${pad(
        of.reduce((s, r) => s + r.answerTokens, 0),
        8,
      )}`,
    );
  }
  const prompt = rows.reduce((s, r) => s + r.promptTokens, 0);
  const answer = rows.reduce((s, r) => s + r.answerTokens, 0);
  const cost = estimateCost(defaultPrices['gpt-4o'], {
    promptTokens: prompt,
    completionTokens: answer,
    cachedTokens: 0,
  });
  lines.push(
    `${'run'.padEnd(36)} prompt ${pad(prompt, 8)}   answer ${pad(answer, 8)}   total ${prompt + answer}`,
    '',
    `estimated cost at gpt-4o list prices (2.50 / 10.00 USD per 1M tokens, no prompt caching): ${cost.toFixed(2)} USD`,
    `largest answer of one call: ${Math.max(...rows.map((r) => r.largestCallTokens))} tokens; goals for one pass: prompt <= 100,000 ${
      prompt <= 100_000 ? 'met' : 'NOT met'
    }, answer <= 30,000 ${answer <= 30_000 ? 'met' : 'NOT met'}, no answer over 8,000 ${
      rows.every((r) => r.largestCallTokens <= 8_000) ? 'met' : 'NOT met'
    }`,
    `agents that exceed a 16,384-token answer limit: ${
      rows
        .filter((r) => r.largestCallTokens > 16_384)
        .map((r) => `${r.agent} (${r.largestCallTokens})`)
        .join(', ') || 'none'
    }`,
    '',
    `MetaGPT's published figure: ${metaGptPublishedTokensPerProject.toLocaleString('en-US')} tokens per project (from their paper, not measured here;`,
    'their projects are single programs, a factory run writes services, clients, infrastructure and tests).',
  );
  return lines.join('\n');
}

if (require.main === module) {
  const visionPath = resolve(process.argv[2] ?? 'examples/visions/neighbourhood-tool-library.md');
  const maxPromptTokens = Number(process.env.AZURE_OPENAI_MAX_PROMPT_TOKENS ?? 48_000);
  benchTokens(visionPath, maxPromptTokens).then(
    (rows) => process.stdout.write(`${tokenReport(rows, visionPath, maxPromptTokens)}\n`),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
