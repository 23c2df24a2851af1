import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { ModelAgentDefinition } from '../../../core/agent';
import { agentCatalog } from '../../../agents/catalog';
import { createAgentContext } from '../../../agents/runtime/agentContext';
import { dropNullOptionals, responseFormatFor } from '../../../agents/runtime/azureOpenAi/jsonSchema';
import {
  countMessages,
  renderPrompt,
  tokensOf,
  trimToBudget,
} from '../../../agents/runtime/azureOpenAi/prompt';
import { FilesystemArtifactStore } from '../../../platform/artifacts/filesystemArtifactStore';

type Json = Record<string, unknown>;

const unsupported = [
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'minItems',
  'maxItems',
  'propertyNames',
  'const',
  'oneOf',
];

function objects(node: unknown, found: Json[] = []): Json[] {
  if (Array.isArray(node)) node.forEach((n) => objects(n, found));
  else if (node && typeof node === 'object') {
    const n = node as Json;
    if (n.type === 'object' || (Array.isArray(n.type) && n.type.includes('object'))) found.push(n);
    for (const [key, value] of Object.entries(n)) {
      if (key === 'properties') Object.values(value as Json).forEach((v) => objects(v, found));
      else if (key !== 'enum') objects(value, found);
    }
  }
  return found;
}

function keywords(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => keywords(n, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node as Json)) {
      if (key === 'properties') Object.values(value as Json).forEach((v) => keywords(v, found));
      else {
        found.add(key);
        if (key !== 'enum') keywords(value, found);
      }
    }
  }
  return found;
}

describe('structured output schemas', () => {
  it('makes every model agent schema strict where it can, and says why where it cannot', () => {
    // Only the agents that ask the model send a schema; compilers and tools answer themselves.
    const asking = agentCatalog.filter((a) => a.uses === 'model');
    for (const agent of asking) {
      const format = responseFormatFor(agent.name, agent.output as z.ZodType);
      const used = keywords(format.schema);
      for (const keyword of unsupported)
        expect([agent.name, keyword, used.has(keyword)]).toEqual([agent.name, keyword, false]);
      if (format.strict) {
        expect(format.notStrict).toEqual([]);
        for (const node of objects(format.schema)) {
          expect(node.additionalProperties).toBe(false);
          expect(node.required).toEqual(Object.keys(node.properties as Json));
        }
      } else {
        expect(format.notStrict.length).toBeGreaterThan(0);
      }
    }
    const strictness = Object.fromEntries(
      asking.map((a) => [a.name, responseFormatFor(a.name, a.output as z.ZodType).strict]),
    );
    expect(strictness).toMatchObject({
      visionArchitect: true,
      businessAnalyst: true,
      enterpriseArchitect: true,
      customerSuccess: false,
    });
    expect(
      responseFormatFor(
        'customerSuccess',
        agentCatalog.find((a) => a.name === 'customerSuccess')!.output as z.ZodType,
      ).notStrict.join(),
    ).toMatch(/record with free-form keys/);
  });

  it('turns optional properties into required nullable ones and drops the nulls again before validation', () => {
    const schema = z.object({
      name: z.string().min(2),
      nickname: z.string().optional(),
      note: z.string().nullable(),
      kind: z.enum(['a', 'b']).optional(),
      items: z.array(z.object({ size: z.number().int().max(10).optional(), label: z.literal('x') })),
    });
    const format = responseFormatFor('sample', schema);
    expect(format.strict).toBe(true);
    const props = format.schema.properties as Record<string, Json>;
    expect(format.schema.required).toEqual(['name', 'nickname', 'note', 'kind', 'items']);
    expect(props.nickname.type).toEqual(['string', 'null']);
    expect(props.kind.enum).toEqual(['a', 'b', null]);
    expect(props.name.description).toMatch(/at least 2 characters/);
    const item = (props.items.items as Json).properties as Record<string, Json>;
    expect(item.label.enum).toEqual(['x']);
    expect(item.size.description).toMatch(/<= 10/);

    const answer = {
      name: 'ab',
      nickname: null,
      note: null,
      kind: null,
      items: [
        { size: null, label: 'x' },
        { size: 3, label: 'x' },
      ],
    };
    const cleaned = dropNullOptionals(answer, format.original);
    expect(cleaned).toEqual({ name: 'ab', note: null, items: [{ label: 'x' }, { size: 3, label: 'x' }] });
    expect(schema.safeParse(cleaned).success).toBe(true);
    expect(schema.safeParse(answer).success).toBe(false);
  });
});

describe('prompt rendering and the token budget', () => {
  it('cuts the largest inputs first, to one common size, and leaves small ones whole', () => {
    const item = (label: string, words: number) => {
      const text = Array.from({ length: words }, (_, i) => `word${i}`).join(' ');
      return { label, text, tokens: tokensOf(text) };
    };
    const items = [item('small', 20), item('medium', 200), item('huge', 5000), item('large', 3000)];
    const { items: fitted, trimmed } = trimToBudget(items, 2000);
    expect(fitted.reduce((sum, i) => sum + i.tokens, 0)).toBeLessThanOrEqual(2000);
    expect(fitted[0].text).toBe(items[0].text);
    expect(fitted[1].text).toBe(items[1].text);
    expect(trimmed.map((t) => t.label).sort()).toEqual(['huge', 'large']);
    expect(trimmed[0].keptTokens).toBe(trimmed[1].keptTokens);
    expect(fitted[2].text).toMatch(
      /\[… trimmed here: \d+ of \d+ tokens left out to fit the prompt budget\]$/,
    );
    expect(tokensOf(fitted[2].text)).toBeLessThanOrEqual(fitted[2].tokens);
  });

  it('places inputs and feedback, lists unnamed folders, appends what the template does not place and says what it trimmed', async () => {
    const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'factory-prompt-')));
    const writer = createAgentContext({
      store,
      tenantId: 't',
      runId: 'r-1',
      iteration: 1,
      attempt: 1,
      phase: 'vision-to-architecture',
      agent: 'w',
      inputs: [],
    });
    const big = Array.from({ length: 6000 }, (_, i) => `line ${i} of the specification`).join('\n');
    const spec = await writer.write({
      path: 'spec.md',
      kind: 'vision',
      contentType: 'text/markdown',
      content: big,
    });
    const notes = await writer.write({
      path: 'notes.md',
      kind: 'backlog',
      contentType: 'text/markdown',
      content: 'Remember the {{feedback}} braces stay as written.',
    });
    const code = await writer.writeFolder({
      folder: 'services/a',
      kind: 'service-source',
      files: [{ path: 'src/main.ts', content: 'export {};' }],
    });
    const agent: ModelAgentDefinition = {
      name: 'sample',
      role: 'Sample',
      phase: 'architecture-to-development',
      purpose: 'test',
      uses: 'model',
      deployment: 'simple',
      reads: ['vision', 'backlog', 'service-source'],
      writes: ['development-plan'],
      output: z.object({ ok: z.boolean() }),
      prompt: {
        version: '1',
        system: 'You are a sample.',
        user: 'Run {{runId}} attempt {{attempt}}.\nSpec:\n{{vision}}\nUnknown: {{numstat}}',
      },
      blueprint: async () => ({ ok: true }),
      artifacts: () => [],
    };
    const ctx = createAgentContext({
      store,
      tenantId: 't',
      runId: 'r-1',
      iteration: 1,
      attempt: 2,
      phase: 'architecture-to-development',
      agent: 'sample',
      inputs: [spec, notes, code],
      feedback: ['the spec lacks a glossary'],
    });
    const prompt = await renderPrompt(agent, ctx, {
      maxPromptTokens: 4000,
      schemaTokens: 50,
      schemaName: 'sample',
    });
    const user = prompt.messages[1].content;
    expect(prompt.messages[0].content).toMatch(
      /^You are a sample\.\n\nAnswer with a single JSON object that follows the response schema "sample"/,
    );
    expect(user).toMatch(/^Run r-1 attempt 2\.\nSpec:\n--- spec\.md ---\nline 0 of the specification/);
    expect(user).toContain('Unknown: (see the inputs below)');
    expect(user).toContain(
      '### backlog\n--- notes.md ---\nRemember the {{feedback}} braces stay as written.',
    );
    expect(user).toContain('### service-source\n--- services/a/ (1 files) ---\n- src/main.ts (10 bytes)');
    expect(user).toContain('Feedback to address:\n- the spec lacks a glossary');
    expect(user).toMatch(
      /Note: to fit the prompt budget these inputs were shortened \(their ends are missing\): spec\.md \(kept \d+ of \d+ tokens\)\./,
    );
    expect(prompt.trimmed.map((t) => t.label)).toEqual(['spec.md']);
    expect(prompt.estimatedPromptTokens).toBeLessThanOrEqual(4000);
    expect(prompt.estimatedPromptTokens).toBe(countMessages(prompt.messages) + 50);
    expect(prompt.inputs.map((i) => i.kind)).toEqual(['vision', 'backlog', 'service-source']);

    await expect(
      renderPrompt(agent, ctx, { maxPromptTokens: 1000, schemaTokens: 990, schemaName: 'sample' }),
    ).rejects.toThrow(/already takes \d+ tokens, over the budget of 1000 \(AZURE_OPENAI_MAX_PROMPT_TOKENS\)/);
  });
});
