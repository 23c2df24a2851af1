import { z } from 'zod';

/** Prices in currency units (USD by default) per one million tokens. */
export interface Price {
  input: number;
  cachedInput: number;
  output: number;
}

/** Keyed by deployment name; `*` prices any deployment not listed. */
export type PriceTable = Record<string, Price>;

/**
 * Published list prices (USD per 1M tokens, global standard deployments) for the model names deployments are
 * usually named after: the GPT-5.4 series the Bicep deploys by default (list prices of 2026), and the earlier
 * models that existing deployments may still run until they retire. Regional and data-zone deployments and
 * negotiated agreements differ: set FACTORY_MODEL_PRICES for real figures. A deployment with an unknown name
 * is priced like gpt-5.4, the dearest default (`*`), so a cost budget never silently counts zero or too little.
 */
export const defaultPrices: PriceTable = {
  'gpt-5.4': { input: 2.5, cachedInput: 0.25, output: 15 },
  'gpt-5.4-mini': { input: 0.75, cachedInput: 0.075, output: 4.5 },
  'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
  'gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
  'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4 },
  'o4-mini': { input: 1.1, cachedInput: 0.275, output: 4.4 },
  '*': { input: 2.5, cachedInput: 0.25, output: 15 },
};

const priceSchema = z
  .object({
    input: z.number().nonnegative(),
    cachedInput: z.number().nonnegative().optional(),
    output: z.number().nonnegative(),
  })
  .strict();

/** FACTORY_MODEL_PRICES: JSON `{ "<deployment>": { "input": 2.5, "cachedInput": 1.25, "output": 10 } }`, merged over the defaults. */
export function parsePriceTable(raw: string | undefined): PriceTable {
  if (raw === undefined || raw.trim() === '') return defaultPrices;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Error(`FACTORY_MODEL_PRICES is not valid JSON: ${(error as Error).message}`);
  }
  const result = z.record(z.string().min(1), priceSchema).safeParse(parsed);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(
      `FACTORY_MODEL_PRICES must map deployment names to { input, cachedInput?, output } per 1M tokens: ${issues}`,
    );
  }
  const table: PriceTable = { ...defaultPrices };
  for (const [name, price] of Object.entries(result.data)) {
    // Without a cached price, cached prompt tokens cost what other prompt tokens cost.
    table[name] = { input: price.input, cachedInput: price.cachedInput ?? price.input, output: price.output };
  }
  return table;
}

export function priceOf(table: PriceTable, deployment: string): Price {
  return table[deployment] ?? table['*'] ?? defaultPrices['*'];
}

/** Estimated cost of one call; cached prompt tokens are part of the prompt tokens, billed at the cached price. */
export function estimateCost(
  price: Price,
  usage: { promptTokens: number; completionTokens: number; cachedTokens: number },
): number {
  const cached = Math.min(usage.cachedTokens, usage.promptTokens);
  const cost =
    ((usage.promptTokens - cached) * price.input +
      cached * price.cachedInput +
      usage.completionTokens * price.output) /
    1e6;
  return Math.round(cost * 1e6) / 1e6;
}
