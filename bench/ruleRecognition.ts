// Rule recognition on the rule-sentence corpus (bench/rules/): each sentence is analysed inside the short domain it
// comes with, and the typed rule found for it is compared with the one a reader expects. Outcomes: recognised (kind
// and every expected parameter match), mis-typed (a typed rule that differs), unsupported (listed as unsupported or
// not found). The held-out half is reported only in aggregate, so that it is never tuned on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseVision } from '../agents/blueprint/vision/analyse';
import type { VisionRule } from '../toolchain/schemas/vision';
import { projectRoot } from './benchFactory';

interface Item {
  context: string;
  sentence: string;
  expected: { kind: string; entity: string } & Record<string, unknown>;
}

export type Outcome = 'recognised' | 'mis-typed' | 'unsupported';

const corpusFiles = { tuning: 'tuning.json', 'held-out': 'heldout.json' } as const;
export type RuleCorpusSplit = keyof typeof corpusFiles;

function corpus(split: RuleCorpusSplit): Item[] {
  const file = join(projectRoot, 'bench/rules', corpusFiles[split]);
  return (JSON.parse(readFileSync(file, 'utf8')) as { items: Item[] }).items;
}

/** Attribute names match when the words of one start the other's ("end" and "endTime"), owners alike when both say. */
function sameName(expected: string, found: string): boolean {
  const [eOwner, eName] = expected.includes('.') ? expected.split('.') : [undefined, expected];
  const [fOwner, fName] = found.includes('.') ? found.split('.') : [undefined, found];
  if (eOwner && fOwner && eOwner.toLowerCase() !== fOwner.toLowerCase()) return false;
  const [a, b] = [eName.toLowerCase(), fName.toLowerCase()];
  // "end" and "endTime"; "Slot" and "RehearsalSlot" (a compound names a kind of its head).
  return a === b || b.startsWith(a) || a.startsWith(b) || b.endsWith(a);
}

function sameValue(expected: unknown, found: unknown): boolean {
  if (typeof expected === 'string') return typeof found === 'string' && sameName(expected, found);
  if (Array.isArray(expected))
    return Array.isArray(found) && expected.every((e) => found.some((f) => sameValue(e, f)));
  if (expected && typeof expected === 'object')
    return (
      !!found &&
      typeof found === 'object' &&
      Object.entries(expected).every(([k, v]) => sameValue(v, (found as Record<string, unknown>)[k]))
    );
  return expected === found;
}

export function judge(item: Item, found: VisionRule | undefined): Outcome {
  if (!found || found.rule.kind === 'unsupported') return 'unsupported';
  const { kind, entity, ...parameters } = item.expected;
  if (found.rule.kind !== kind || !sameName(entity, found.entity)) return 'mis-typed';
  const rule = found.rule as Record<string, unknown>;
  return Object.entries(parameters).every(([k, v]) => sameValue(v, rule[k])) ? 'recognised' : 'mis-typed';
}

function ruleFor(item: Item): VisionRule | undefined {
  // Visions open with the problem, which the analysis keeps out of the domain; a neutral one stands in for it.
  const vision = analyseVision(
    `# Rule check\n\nToday this is kept on paper and in email. ${item.context} ${item.sentence}\n`,
  );
  const normal = (text: string) => text.replace(/\s+/g, ' ').trim();
  return vision.domain.rules.find((r) => normal(r.text) === normal(item.sentence));
}

export function ruleRecognition(split: RuleCorpusSplit) {
  const results = corpus(split).map((item) => {
    const found = ruleFor(item);
    return { item, found, outcome: judge(item, found) };
  });
  const tally = (list: typeof results) => ({
    sentences: list.length,
    recognised: list.filter((r) => r.outcome === 'recognised').length,
    misTyped: list.filter((r) => r.outcome === 'mis-typed').length,
    unsupported: list.filter((r) => r.outcome === 'unsupported').length,
  });
  const kinds = [...new Set(results.map((r) => r.item.expected.kind))].sort();
  return {
    split,
    total: tally(results),
    byKind: Object.fromEntries(
      kinds.map((k) => [k, tally(results.filter((r) => r.item.expected.kind === k))]),
    ),
    results,
  };
}

export function benchRuleRecognition(splits: RuleCorpusSplit[]): string {
  const lines: string[] = [];
  for (const split of splits) {
    const report = ruleRecognition(split);
    const { total } = report;
    lines.push(
      `${split}: ${total.recognised} of ${total.sentences} recognised, ${total.misTyped} mis-typed, ${total.unsupported} unsupported`,
    );
    for (const [kind, t] of Object.entries(report.byKind))
      lines.push(
        `  ${kind}: ${t.recognised}/${t.sentences} recognised, ${t.misTyped} mis-typed, ${t.unsupported} unsupported`,
      );
    if (split === 'tuning')
      for (const r of report.results.filter((x) => x.outcome !== 'recognised'))
        lines.push(
          `  - ${r.outcome}: "${r.item.sentence}" → ${r.found ? `${r.found.entity} ${JSON.stringify(r.found.rule)}` : 'no rule'}`,
        );
  }
  return lines.join('\n');
}
