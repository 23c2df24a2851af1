import type { VisionRule } from '../../../toolchain/schemas/vision';
import type { Sentence, WithRules, WithVisionEntities } from './analysisState';
import { metricsInSentence } from './metrics';
import type { ParsedSentence } from './parse';

/**
 * The rule pass: limits, prohibitions, uniqueness, restrictions, requirements and timings that the domain
 * sentences (and any section about rules) state, each tied to the entity its sentence is about.
 */
export function findRules(state: WithVisionEntities): WithRules {
  const { registry, resolve, entityNames, sentences, domainSentences } = state;
  const entityOfParse = (p: ParsedSentence) => {
    for (const clause of p.clauses) {
      const subject = clause.subject ? resolve(registry.nameOf(clause.subject) ?? '') : '';
      if (entityNames.has(subject)) return subject;
      for (const o of clause.objects) {
        const n = resolve(registry.nameOf(o) ?? '');
        if (entityNames.has(n)) return n;
      }
    }
    return p.nounPhrases.map((np) => resolve(registry.nameOf(np) ?? '')).find((n) => entityNames.has(n));
  };
  const rules = rulesOf(
    domainSentences.concat(
      sentences.filter(
        (s) => /rule|constraint|policy/.test(s.source.heading) && !domainSentences.includes(s),
      ),
    ),
    entityOfParse,
  );
  return { ...state, rules };
}

function rulesOf(sentences: Sentence[], entityOf: (p: ParsedSentence) => string | undefined): VisionRule[] {
  const rules: VisionRule[] = [];
  for (const s of sentences) {
    const text = s.source.text;
    const lower = text.toLowerCase();
    let kind: VisionRule['kind'] | undefined;
    let limit: number | undefined;
    const limitMatch =
      /\b(at most|no more than|up to|maximum of|max(?:imum)?|at least|minimum of|not more than)\s+(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\b/.exec(
        lower,
      );
    const words: Record<string, number> = {
      one: 1,
      two: 2,
      three: 3,
      four: 4,
      five: 5,
      six: 6,
      seven: 7,
      eight: 8,
      nine: 9,
      ten: 10,
    };
    if (limitMatch) {
      kind = 'limit';
      limit = words[limitMatch[2]] ?? Number(limitMatch[2]);
    } else if (/\b(cannot|can't|can not|must not|may not|never|not allowed|no one)\b/.test(lower))
      kind = 'prohibition';
    else if (/\b(unique|only one|one per|no two|at a time)\b/.test(lower)) kind = 'uniqueness';
    else if (/\bonly\b/.test(lower)) kind = 'restriction';
    else if (/\b(must|required|always|has to|have to|need to be)\b/.test(lower)) kind = 'required';
    else if (
      /\b(within|before|after|late|overdue|by the due)\b/.test(lower) &&
      /\b(\d+|days?|hours?|weeks?)\b/.test(lower) &&
      !/\bgoal\b/.test(lower)
    )
      kind = 'timing';
    if (!kind) continue;
    if (metricsInSentence(text).length > 0 && kind !== 'limit' && kind !== 'prohibition') continue;
    const entity = s.parses.map(entityOf).find(Boolean);
    if (!entity) continue;
    rules.push({ text, entity, kind, ...(limit !== undefined ? { limit } : {}), source: 'stated' });
  }
  return rules;
}
