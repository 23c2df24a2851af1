// `npm run bench -- vision`: how much of the domain a careful reader names the vision analysis finds, on the prose
// corpus in bench/visions/prose/ (each vision with its expected entities, attributes, relations and rules, written
// before the analysis was measured). Reported per vision and per half: the tuning half, and the held-back half that
// no change to the analysis may be fitted to.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { analyseVision } from '../agents/blueprint/vision/analyse';
import { entityNameOf, labelOf } from '../toolchain/vision/language';
import type { Vision } from '../toolchain/schemas/vision';
import { projectRoot } from './benchFactory';

const expectationSchema = z.object({
  split: z.enum(['tuning', 'held-back']),
  entities: z
    .array(
      z.object({
        name: z.string().min(1),
        aliases: z.array(z.string()).default([]),
        attributes: z.array(z.string()).default([]),
      }),
    )
    .min(1),
  optionalEntities: z.array(z.string()).default([]),
  relations: z.array(z.object({ from: z.string(), to: z.string() })).default([]),
  rules: z.array(z.object({ text: z.string(), kind: z.string().optional() })).default([]),
});
export type Expectation = z.infer<typeof expectationSchema>;

export interface Tally {
  expected: number;
  found: number;
  matched: number;
}

export interface VisionScore {
  vision: string;
  split: Expectation['split'];
  /** Found entities that are an expected entity (recall's numerator) and that are not merely optional. */
  entities: Tally & { missing: string[]; extra: string[] };
  /** Over the entities found: expected attributes present. */
  attributes: Tally;
  relations: Tally;
  /** Rules: `matched` counts expected rule kinds met by a typed rule of that kind (each found rule counted once). */
  rules: Tally & { unsupported: number };
}

/** Names compare without case, separators or a plural ending: `Copies`, `copy` and `Copy` are one. */
const key = (name: string): string => entityNameOf(labelOf(name)).toLowerCase();

/** Scores one analysed vision against what a reader expects; names compare without case or separators. */
export function scoreVision(name: string, vision: Vision, expected: Expectation): VisionScore {
  const found = vision.domain.entities;
  const expectedOf = new Map<string, Expectation['entities'][number]>();
  for (const e of expected.entities) for (const n of [e.name, ...e.aliases]) expectedOf.set(key(n), e);
  const optional = new Set(expected.optionalEntities.map(key));
  const matchedExpected = new Map<Expectation['entities'][number], Vision['domain']['entities'][number]>();
  const extra: string[] = [];
  for (const entity of found) {
    const hit = expectedOf.get(key(entity.name));
    if (hit && !matchedExpected.has(hit)) matchedExpected.set(hit, entity);
    else if (!hit && !optional.has(key(entity.name))) extra.push(entity.name);
  }
  let attributesExpected = 0;
  let attributesMatched = 0;
  for (const [e, entity] of matchedExpected) {
    const present = new Set(entity.attributes.map((a) => key(a.name)));
    attributesExpected += e.attributes.length;
    attributesMatched += e.attributes.filter((a) => present.has(key(a))).length;
  }
  // A relation holds when either end refers to the other: "copies of a book" is Copy → Book however it is stated.
  const refers = (from: string, to: string): boolean => {
    const entityOf = (n: string) => {
      const e = expectedOf.get(key(n));
      const hit = e && matchedExpected.get(e);
      return hit ?? found.find((f) => key(f.name) === key(n));
    };
    const a = entityOf(from);
    const b = entityOf(to);
    return Boolean(a && b && (a.references.includes(b.name) || b.references.includes(a.name)));
  };
  const relationsMatched = expected.relations.filter((r) => refers(r.from, r.to)).length;
  const foundRelations = found.reduce((n, e) => n + e.references.length, 0);
  return {
    vision: name,
    split: expected.split,
    entities: {
      expected: expected.entities.length,
      found: matchedExpected.size + extra.length,
      matched: matchedExpected.size,
      missing: expected.entities.filter((e) => !matchedExpected.has(e)).map((e) => e.name),
      extra,
    },
    attributes: { expected: attributesExpected, found: attributesExpected, matched: attributesMatched },
    relations: { expected: expected.relations.length, found: foundRelations, matched: relationsMatched },
    rules: ruleTally(expected, vision),
  };
}

function ruleTally(expected: Expectation, vision: Vision): VisionScore['rules'] {
  const typed = vision.domain.rules
    .filter((r) => r.rule.kind !== 'unsupported')
    .map((r) => r.rule.kind as string);
  let matched = 0;
  for (const { kind } of expected.rules) {
    const at = kind === undefined ? -1 : typed.indexOf(kind);
    if (at >= 0) {
      typed.splice(at, 1);
      matched++;
    }
  }
  return {
    expected: expected.rules.length,
    found: vision.domain.rules.length,
    matched,
    unsupported: vision.domain.rules.filter((r) => r.rule.kind === 'unsupported').length,
  };
}

const ratio = (n: number, d: number): string => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(0)}%`);

function sum(scores: VisionScore[], pick: (s: VisionScore) => Tally): Tally {
  return scores.reduce(
    (t, s) => {
      const x = pick(s);
      return { expected: t.expected + x.expected, found: t.found + x.found, matched: t.matched + x.matched };
    },
    { expected: 0, found: 0, matched: 0 },
  );
}

export function corpusScores(folder = join(projectRoot, 'bench/visions/prose')): VisionScore[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.expected.json'))
    .sort()
    .map((file) => {
      const name = file.replace(/\.expected\.json$/, '');
      const expected = expectationSchema.parse(JSON.parse(readFileSync(join(folder, file), 'utf8')));
      const vision = analyseVision(readFileSync(join(folder, `${name}.md`), 'utf8'));
      return scoreVision(name, vision, expected);
    });
}

/** The report: one line per vision, then each half's totals (micro-averaged over its entities). */
export function visionAccuracyReport(scores: VisionScore[]): string {
  const lines: string[] = [];
  for (const split of ['tuning', 'held-back'] as const) {
    const half = scores.filter((s) => s.split === split);
    if (half.length === 0) continue;
    lines.push(`${split} half (${half.length} visions)`);
    for (const s of half) {
      lines.push(
        `  ${s.vision}: entities precision ${ratio(s.entities.matched, s.entities.found)} recall ${ratio(s.entities.matched, s.entities.expected)}` +
          `, attributes recall ${ratio(s.attributes.matched, s.attributes.expected)}, relations recall ${ratio(s.relations.matched, s.relations.expected)}` +
          `, rules ${s.rules.matched} of ${s.rules.expected} typed as expected (${s.rules.found} found, ${s.rules.unsupported} unsupported)` +
          (s.entities.missing.length ? `; missing ${s.entities.missing.join(', ')}` : '') +
          (s.entities.extra.length ? `; extra ${s.entities.extra.join(', ')}` : ''),
      );
    }
    const e = sum(half, (s) => s.entities);
    const a = sum(half, (s) => s.attributes);
    const r = sum(half, (s) => s.relations);
    const k = sum(half, (s) => s.rules);
    lines.push(
      `  overall: entities precision ${ratio(e.matched, e.found)} recall ${ratio(e.matched, e.expected)}` +
        ` (${e.matched} of ${e.expected} expected, ${e.found} found), attributes recall ${ratio(a.matched, a.expected)}` +
        `, relations recall ${ratio(r.matched, r.expected)}` +
        `, rule kinds recall ${ratio(k.matched, k.expected)} (${k.matched} of ${k.expected})`,
    );
  }
  return lines.join('\n');
}

/** `halves` limits the report: while changing the analysis, only the tuning half may be looked at. */
export function benchVisionAccuracy(halves: Array<Expectation['split']> = ['tuning', 'held-back']): string {
  return visionAccuracyReport(corpusScores().filter((s) => halves.includes(s.split)));
}
