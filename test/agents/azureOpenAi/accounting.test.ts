import { estimateCost, parsePriceTable, priceOf } from '../../../agents/runtime/azureOpenAi/prices';
import { budgetStop } from '../../../core/budget';
import { recordUsage } from '../../../functions/activities/agentActivity';
import type { RunDocument } from '../../../core/ports/runStore';

function runDoc(budget: RunDocument['options']['budget']): RunDocument {
  return {
    id: 'run-acc',
    tenantId: 't',
    name: 'n',
    visionTitle: 'v',
    visionPath: 'input/vision.md',
    status: 'Running',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    options: { approvals: [], iterations: 1, model: 'azure-openai', budget },
    iteration: 1,
    phases: [],
    gates: [],
    approvals: [],
    artifacts: [],
    counters: { agentCalls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimatedCost: 0 },
  };
}

const usage = (
  promptTokens: number,
  completionTokens: number,
  cachedTokens: number,
  estimatedCost: number,
) => ({
  calls: 1,
  cacheHits: 0,
  promptTokens,
  completionTokens,
  cachedTokens,
  estimatedCost,
  deployment: 'docs-mini',
});

describe('token and cost accounting', () => {
  it('adds each agent run to the counters and to per-agent and per-phase totals', () => {
    const doc = runDoc(undefined);
    recordUsage(doc, 'visionArchitect', 'vision-to-architecture', usage(1000, 200, 100, 0.004));
    recordUsage(doc, 'productManager', 'vision-to-architecture', usage(500, 100, 0, 0.0022));
    recordUsage(doc, 'visionArchitect', 'vision-to-architecture', {
      ...usage(0, 0, 0, 0),
      calls: 0,
      cacheHits: 1,
    });
    expect(doc.counters).toMatchObject({
      promptTokens: 1500,
      completionTokens: 300,
      cachedTokens: 100,
      estimatedCost: 0.0062,
    });
    expect(doc.usage!.byAgent.visionArchitect).toEqual({
      calls: 1,
      cacheHits: 1,
      promptTokens: 1000,
      completionTokens: 200,
      cachedTokens: 100,
      estimatedCost: 0.004,
    });
    expect(doc.usage!.byPhase['vision-to-architecture']).toMatchObject({
      calls: 2,
      cacheHits: 1,
      promptTokens: 1500,
    });
  });

  it('stops at a cost budget and at a token budget with budget-exceeded reasons', () => {
    const costly = runDoc({ maxCost: 0.01 });
    recordUsage(costly, 'a', 'p', usage(1000, 1000, 0, 0.006));
    expect(budgetStop(costly)).toBeUndefined();
    recordUsage(costly, 'b', 'p', usage(1000, 1000, 0, 0.006));
    expect(budgetStop(costly)).toBe('budget-exceeded: estimated cost 0.0120 reached the budget of 0.01');
    const wordy = runDoc({ maxTokens: 2500 });
    recordUsage(wordy, 'a', 'p', usage(2000, 600, 0, 0));
    expect(budgetStop(wordy)).toBe('budget-exceeded: 2600 tokens used, the budget allows 2500');
  });

  it('prices deployments from the table, unknown names like gpt-5.4, cached tokens at the cached price', () => {
    const table = parsePriceTable('{"cheap": {"input": 0.1, "output": 0.4}}');
    expect(priceOf(table, 'cheap')).toEqual({ input: 0.1, cachedInput: 0.1, output: 0.4 });
    expect(priceOf(table, 'gpt-4o-mini')).toEqual({ input: 0.15, cachedInput: 0.075, output: 0.6 });
    expect(priceOf(table, 'gpt-5.4-mini')).toEqual({ input: 0.75, cachedInput: 0.075, output: 4.5 });
    expect(priceOf(table, 'my-deployment')).toEqual(priceOf(table, 'gpt-5.4'));
    // 1M uncached at 2.5, 1M cached at 1.25, 1M completion at 10.
    expect(
      estimateCost(priceOf(table, 'gpt-4o'), {
        promptTokens: 2_000_000,
        cachedTokens: 1_000_000,
        completionTokens: 1_000_000,
      }),
    ).toBe(13.75);
    expect(() => parsePriceTable('{"x": {"input": "cheap"}}')).toThrow(
      /FACTORY_MODEL_PRICES must map deployment names/,
    );
    expect(() => parsePriceTable('{')).toThrow(/FACTORY_MODEL_PRICES is not valid JSON/);
  });
});
