import type * as Tokenizer from 'gpt-tokenizer';
import { lazyModule } from '../../../platform/lazyModule';
import type { AgentContext, FolderIndex, ModelAgentDefinition } from '../../../core/agent';
import type { ArtifactKind } from '../../../core/artifactKinds';

const tokenizer = lazyModule<typeof Tokenizer>(() => require('gpt-tokenizer'));

/** Counts as plain text: agent inputs may contain strings that look like the tokenizer's special tokens. */
const plain = { disallowedSpecial: new Set<string>() };
export const tokensOf = (text: string): number => tokenizer.countTokens(text, plain);

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface RenderedInput {
  kind: ArtifactKind;
  /** The artifact's path without its `iteration-N/<phase>/attempt-M/` folder, i.e. what it is, not when. */
  name: string;
  path: string;
  sha256: string;
}

export interface Trimmed {
  label: string;
  keptTokens: number;
  totalTokens: number;
}

export interface RenderedPrompt {
  messages: ChatMessage[];
  /** The tokenizer's count for the messages plus the response schema, before the call. */
  estimatedPromptTokens: number;
  inputs: RenderedInput[];
  trimmed: Trimmed[];
}

interface Item {
  kind: ArtifactKind;
  label: string;
  text: string;
  tokens: number;
}

// Per message the chat format adds a few tokens (role, separators); 3 more prime the reply.
const perMessage = 4;
const replyPriming = 3;
const trimMarkerTokens = 24;
const attemptFolder = /^iteration-\d+\/[^/]+\/attempt-\d+\//;

const logicalName = (path: string) => path.replace(attemptFolder, '');
const isFolderIndex = (path: string) => path.endsWith('/.folder.json') || path === '.folder.json';

/** The newest artifact per logical name: a rework's manifest still lists earlier attempts' outputs. */
function newestPerName<T extends { ref: { path: string } }>(found: T[]): T[] {
  const byName = new Map<string, T>();
  for (const entry of found) {
    const name = logicalName(entry.ref.path);
    byName.delete(name);
    byName.set(name, entry);
  }
  return [...byName.values()];
}

const placeholders = (template: string) =>
  new Set([...template.matchAll(/\{\{([^}]+)\}\}/g)].map((m) => m[1].trim()));

async function collect(reads: ArtifactKind[], ctx: AgentContext, named: Set<string>) {
  const items: Item[] = [];
  const inputs: RenderedInput[] = [];
  for (const kind of new Set(reads)) {
    for (const input of newestPerName(ctx.inputs(kind))) {
      const { ref } = input;
      inputs.push({ kind, name: logicalName(ref.path), path: ref.path, sha256: ref.sha256 });
      if (isFolderIndex(ref.path)) {
        const index = await input.json<FolderIndex>();
        if (!named.has(kind)) {
          // A folder the template does not ask for by name is shown as a listing: its contents are not the point.
          const listing = index.files.map((f) => `- ${f.path} (${f.bytes} bytes)`).join('\n');
          items.push(item(kind, `${index.folder}/ (${index.files.length} files)`, listing));
          continue;
        }
        for (const file of await ctx.readFolder(ref)) {
          const binary = file.content.includes(0);
          const text = binary
            ? `(binary file, ${file.content.length} bytes, not shown)`
            : file.content.toString('utf8');
          items.push(item(kind, `${index.folder}/${file.path}`, text));
        }
      } else {
        items.push(item(kind, logicalName(ref.path), await input.text()));
      }
    }
  }
  return { items, inputs };
}

function item(kind: ArtifactKind, label: string, text: string): Item {
  const shown = label.endsWith('.json') ? compactJson(text) : text;
  return { kind, label, text: shown, tokens: tokensOf(shown) };
}

/**
 * JSON documents are stored indented for people; the model reads them without the indentation, which is about
 * half of their tokens. A file that is not valid JSON is shown as it is.
 */
function compactJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

/**
 * Shortens the largest inputs first until all fit in `available` tokens: every input keeps at least as many
 * tokens as the largest ones are cut to, so small documents are never sacrificed for a big one.
 */
export function trimToBudget<T extends { tokens: number; text: string; label: string }>(
  items: T[],
  available: number,
): { items: T[]; trimmed: Trimmed[] } {
  const total = items.reduce((sum, i) => sum + i.tokens, 0);
  if (total <= available) return { items, trimmed: [] };
  const order = [...items].sort((a, b) => a.tokens - b.tokens);
  let remaining = Math.max(0, available);
  let cap = 0;
  for (let i = 0; i < order.length; i++) {
    const share = Math.floor(remaining / (order.length - i));
    if (order[i].tokens > share) {
      cap = share;
      break;
    }
    remaining -= order[i].tokens;
  }
  const trimmed: Trimmed[] = [];
  const out = items.map((entry) => {
    if (entry.tokens <= cap) return entry;
    const keep = Math.max(0, cap - trimMarkerTokens);
    const head = keep > 0 ? tokenizer.decode(tokenizer.encode(entry.text, plain).slice(0, keep)) : '';
    trimmed.push({ label: entry.label, keptTokens: keep, totalTokens: entry.tokens });
    return {
      ...entry,
      text: `${head}\n[… trimmed here: ${entry.tokens - keep} of ${entry.tokens} tokens left out to fit the prompt budget]`,
      tokens: keep + trimMarkerTokens,
    };
  });
  return { items: out, trimmed };
}

const section = (items: Item[]) =>
  items.length === 0 ? '(none given)' : items.map((i) => `--- ${i.label} ---\n${i.text}`).join('\n\n');

const feedbackText = (feedback: string[]) =>
  feedback.length ? feedback.map((f) => `- ${f}`).join('\n') : '(none)';

export function countMessages(messages: ChatMessage[]): number {
  return messages.reduce((sum, m) => sum + perMessage + tokensOf(m.content), replyPriming);
}

/**
 * The agent's prompt with its inputs: `{{<kind>}}` becomes the artifacts of that kind it reads, `{{feedback}}`
 * the findings to address, `{{runId}}`/`{{iteration}}`/`{{attempt}}`/`{{phase}}` the run's position. Kinds
 * and feedback the template does not place are appended, so the model always sees everything the agent
 * reads and every finding. Inputs are shortened, largest first, to `maxPromptTokens` including the response
 * schema (`schemaTokens`), and the prompt says what was shortened.
 */
export async function renderPrompt(
  agent: ModelAgentDefinition<unknown>,
  ctx: AgentContext,
  options: {
    maxPromptTokens: number;
    schemaTokens: number;
    schemaName: string;
    /** Input kinds left out (a part of an answer that does not need them). */
    leave?: string[];
  },
): Promise<RenderedPrompt> {
  const named = placeholders(agent.prompt.user);
  const leave = new Set(options.leave);
  const reads = agent.reads.filter((k) => !leave.has(k));
  // A set of strings: the template's placeholders are looked up in it.
  const kinds = new Set<string>(reads);
  const { items, inputs } = await collect(reads, ctx, named);
  const system = `${agent.prompt.system}\n\nAnswer with a single JSON object that follows the response schema "${options.schemaName}". Base it on the inputs given; do not invent inputs that are absent.`;

  const assemble = (rendered: Item[], trimmed: Trimmed[]): ChatMessage[] => {
    const byKind = (kind: string) => rendered.filter((i) => i.kind === kind);
    const values: Record<string, string> = {
      feedback: feedbackText(ctx.feedback),
      runId: ctx.runId,
      iteration: String(ctx.iteration),
      attempt: String(ctx.attempt),
      phase: ctx.phase,
    };
    let user = agent.prompt.user.replace(/\{\{([^}]+)\}\}/g, (_match, raw: string) => {
      const key = raw.trim();
      if (kinds.has(key)) return section(byKind(key));
      if (leave.has(key)) return '(not given to this part of the answer)';
      if (key in values) return values[key];
      return '(see the inputs below)';
    });
    const unplaced = [...kinds].filter((kind) => !named.has(kind));
    if (unplaced.length) {
      user += `\n\nInputs:\n${unplaced.map((kind) => `### ${kind}\n${section(byKind(kind))}`).join('\n\n')}`;
    }
    if (!named.has('feedback') && ctx.feedback.length) user += `\n\nFeedback to address:\n${values.feedback}`;
    if (trimmed.length) {
      user += `\n\nNote: to fit the prompt budget these inputs were shortened (their ends are missing): ${trimmed
        .map((t) => `${t.label} (kept ${t.keptTokens} of ${t.totalTokens} tokens)`)
        .join('; ')}.`;
    }
    return [
      { role: 'system', content: system },
      { role: 'user', content: user },
    ];
  };

  const fixed = countMessages(assemble([], [])) + options.schemaTokens;
  // Room for the labels and the trimming note, counted generously rather than re-rendered in a loop.
  const overhead =
    items.reduce((sum, i) => sum + tokensOf(i.label) + 8, 0) + (items.length ? 40 + 16 * items.length : 0);
  const available = options.maxPromptTokens - fixed - overhead;
  if (available <= 0) {
    throw new Error(
      `agent ${agent.name}: the prompt without its inputs already takes ${fixed + overhead} tokens, over the budget of ${options.maxPromptTokens} (AZURE_OPENAI_MAX_PROMPT_TOKENS)`,
    );
  }
  const { items: fitted, trimmed } = trimToBudget(items, available);
  const messages = assemble(fitted, trimmed);
  return { messages, estimatedPromptTokens: countMessages(messages) + options.schemaTokens, inputs, trimmed };
}
