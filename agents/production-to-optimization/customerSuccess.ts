import { z } from 'zod';
import { productOf, type AgentDefinition } from '../../core/agent';
import { parseFeedback } from '../blueprint/operations/feedbackInbox';
import type { FeedbackEntry } from '../../core/ports/feedbackInbox';
import { newestJson } from '../../toolchain/release/productFiles';

export const customerInsightsSchema = z.object({
  sources: z.object({ feedbackEntries: z.number(), logLines: z.number() }),
  activity: z.object({
    requestsLogged: z.number(),
    errorsLogged: z.number(),
    byService: z.record(z.string(), z.number()),
  }),
  satisfaction: z.object({ ratings: z.number(), average: z.number().optional() }),
  painPoints: z.array(
    z.object({
      theme: z.string(),
      mentions: z.number(),
      examples: z.array(z.string()),
      entities: z.array(z.string()),
    }),
  ),
});
export type CustomerInsights = z.infer<typeof customerInsightsSchema>;

/** Themes a complaint is sorted under: the first matching theme wins. */
const themes: Array<{ theme: string; words: RegExp }> = [
  {
    theme: 'errors and failures',
    words: /\b(error|fail|failed|fails|crash|broken|bug|500|doesn'?t work|not working)\b/i,
  },
  { theme: 'speed', words: /\b(slow|lag|wait|waiting|timeout|takes? (?:too )?long|sluggish)\b/i },
  {
    theme: 'missing capability',
    words: /\b(missing|can'?t|cannot|unable|wish|would like|no way to|should be able)\b/i,
  },
  { theme: 'usability', words: /\b(confus|unclear|hard to|difficult|complicated|find)\w*/i },
];

export const customerSuccess: AgentDefinition<CustomerInsights> = {
  name: 'customerSuccess',
  role: 'Customer Success',
  phase: 'production-to-optimization',
  purpose: "Finds user activity and pain points in the product's logs and in the users' feedback.",
  uses: 'model',
  deployment: 'simple',
  reads: ['feedback', 'domain-model', 'performance-report'],
  writes: ['customer-insights'],
  output: customerInsightsSchema,
  prompt: {
    version: '1.0.0',
    system:
      'You are Customer Success. From the product logs and user feedback, summarise user activity and group complaints into pain points (theme, how often, examples, the domain entities they mention). Quote users only from the feedback given.',
    user: 'Feedback:\n{{feedback}}\n\nLog excerpt:\n{{logs}}',
  },
  async blueprint(ctx) {
    const entries: FeedbackEntry[] = [...(await ctx.userFeedback())];
    for (const input of ctx.inputs('feedback')) {
      // Feedback artifacts use the same formats as `factory feedback --file`; one that does not parse is logged.
      try {
        entries.push(...parseFeedback(await input.text(), input.ref.path));
      } catch (error) {
        ctx.log(`skipped feedback artifact: ${(error as Error).message}`);
      }
    }
    const logs = await ctx.deploymentTarget().logs(ctx.tenantId, productOf(ctx));
    const byService: Record<string, number> = {};
    let requests = 0;
    let errorsLogged = 0;
    for (const { service, line } of logs) {
      if (/\b(GET|POST|PUT|PATCH|DELETE)\b/.test(line)) {
        requests++;
        byService[service] = (byService[service] ?? 0) + 1;
      }
      if (/\b(error|exception|failed)\b/i.test(line)) errorsLogged++;
    }
    const model = await newestJson<{ contexts?: Array<{ entities?: Array<{ name: string }> }> }>(
      ctx,
      'domain-model',
    );
    const entityNames = (model?.contexts ?? []).flatMap((c) => (c.entities ?? []).map((e) => e.name));
    const grouped = new Map<string, FeedbackEntry[]>();
    for (const entry of entries) {
      const theme =
        themes.find((t) => t.words.test(entry.text))?.theme ??
        (entry.rating !== undefined && entry.rating <= 2 ? 'general dissatisfaction' : undefined);
      if (!theme) continue;
      grouped.set(theme, [...(grouped.get(theme) ?? []), entry]);
    }
    const painPoints = [...grouped.entries()]
      .map(([theme, list]) => ({
        theme,
        mentions: list.length,
        examples: list.slice(0, 3).map((e) => e.text.slice(0, 200)),
        entities: entityNames.filter((name) =>
          list.some((e) => new RegExp(`\\b${name}s?\\b`, 'i').test(e.text)),
        ),
      }))
      .sort((a, b) => b.mentions - a.mentions || a.theme.localeCompare(b.theme));
    const ratings = entries.filter((e) => e.rating !== undefined).map((e) => e.rating!);
    return {
      sources: { feedbackEntries: entries.length, logLines: logs.length },
      activity: { requestsLogged: requests, errorsLogged, byService },
      satisfaction: {
        ratings: ratings.length,
        average: ratings.length
          ? Math.round((ratings.reduce((a, b) => a + b, 0) / ratings.length) * 100) / 100
          : undefined,
      },
      painPoints,
    };
  },
  artifacts(output) {
    return [
      {
        path: 'optimization/customer-insights.json',
        kind: 'customer-insights',
        contentType: 'application/json',
        content: JSON.stringify(output, null, 2) + '\n',
      },
    ];
  },
};
