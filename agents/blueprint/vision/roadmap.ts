import { z } from 'zod';
import type { Feature, Vision } from '../../../toolchain/schemas/vision';
import { markdownText } from '../../../toolchain/escaping/markdownText';

/** The roadmap (artifact kind `roadmap`): releases ordered by value, the MVP first, with relative weeks. */
export const roadmapSchema = z.object({
  product: z.string(),
  releases: z
    .array(
      z.object({
        id: z.string().regex(/^R[0-9]+$/),
        name: z.string(),
        goal: z.string(),
        /** Relative to the start of the project, e.g. `week 1-4`. */
        weeks: z.string().regex(/^week [0-9]+-[0-9]+$/),
        startWeek: z.number().int().positive(),
        endWeek: z.number().int().positive(),
        features: z.array(
          z.object({
            id: z.string(),
            name: z.string(),
            priority: z.enum(['must', 'should', 'could']),
            value: z.number(),
          }),
        ),
        milestones: z.array(z.string()),
      }),
    )
    .min(1),
});

export type Roadmap = z.infer<typeof roadmapSchema>;

/** Value of a feature: its priority, whether a stated goal or metric mentions its entity, and how much it does. */
function valueOf(feature: Feature, vision: Vision): number {
  const base = { must: 60, should: 30, could: 10 }[feature.priority];
  const label = vision.domain.entities.find((e) => e.name === feature.entity)?.label ?? '';
  const goalText = [...vision.goals, ...vision.successMetrics.map((m) => m.name)].join(' ').toLowerCase();
  return base + (label && goalText.includes(label) ? 20 : 0) + Math.min(feature.actions.length * 5, 20);
}

export function buildRoadmap(vision: Vision): Roadmap {
  const scored = vision.features
    .map((f) => ({ id: f.id, name: f.name, priority: f.priority, value: valueOf(f, vision) }))
    .sort((a, b) => b.value - a.value || a.id.localeCompare(b.id));
  const groups: Array<{ name: string; goal: string; features: typeof scored }> = [
    {
      name: 'MVP',
      goal: `The smallest product that solves the core problem: ${vision.problem.split('. ')[0].replace(/\.$/, '')}.`,
      features: scored.filter((f) => f.priority === 'must'),
    },
    {
      name: 'Release 2',
      goal: 'Round out the daily work of every persona.',
      features: scored.filter((f) => f.priority === 'should'),
    },
    {
      name: 'Release 3',
      goal: 'Improvements once usage data is in.',
      features: scored.filter((f) => f.priority === 'could'),
    },
  ].filter((g) => g.features.length > 0);
  let week = 1;
  const metrics = vision.successMetrics.map((m) => m.name);
  return roadmapSchema.parse({
    product: vision.title,
    releases: groups.map((g, i) => {
      // Two weeks per feature, at least four per release: a plan, not a promise.
      const length = Math.max(4, g.features.length * 2);
      const release = {
        id: `R${i + 1}`,
        name: g.name,
        goal: g.goal,
        weeks: `week ${week}-${week + length - 1}`,
        startWeek: week,
        endWeek: week + length - 1,
        features: g.features,
        milestones: [
          `Week ${week + Math.floor(length / 2) - 1}: ${g.features[0].name} usable end to end in a test environment`,
          `Week ${week + length - 1}: ${g.name} released${i === 0 && metrics.length > 0 ? `; start measuring ${metrics.join('; ')}` : ''}`,
        ],
      };
      week += length;
      return release;
    }),
  });
}

export function renderRoadmap(roadmap: Roadmap): string {
  const lines = [`# ${markdownText(roadmap.product)}: roadmap`, ''];
  for (const r of roadmap.releases) {
    lines.push(
      `## ${r.id} ${markdownText(r.name)} (${r.weeks})`,
      '',
      markdownText(r.goal),
      '',
      '| Feature | Priority | Value |',
      '| --- | --- | --- |',
    );
    for (const f of r.features)
      lines.push(`| ${f.id} ${markdownText(f.name)} | ${f.priority} | ${f.value} |`);
    lines.push('', '**Milestones**', '', ...r.milestones.map((m) => `- ${markdownText(m)}`), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
