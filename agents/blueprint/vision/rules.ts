import type { VisionRule } from '../../../toolchain/schemas/vision';
import type { Sentence, WithRules, WithVisionEntities } from './analysisState';
import { metricsInSentence } from './metrics';
import { typeRule } from './rules/typeRule';
import { prepareSentence } from './rules/ruleSentence';
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
    state,
  );
  return { ...state, rules };
}

/** Each sentence that states a rule, typed when a recogniser reads it and listed as unsupported when none does. */
function rulesOf(
  sentences: Sentence[],
  entityOf: (p: ParsedSentence) => string | undefined,
  state: WithVisionEntities,
): VisionRule[] {
  const rules: VisionRule[] = [];
  for (const s of sentences) {
    const text = s.source.text;
    if (!normative(text)) continue;
    const typed = typeRule(text, state.entities, state.personas, state.finalActions);
    if (typed && state.entityNames.has(typed.entity)) {
      rules.push({ text, entity: typed.entity, rule: typed.rule, source: 'stated' });
      continue;
    }
    // A target with a number ("within 24 hours") is a goal unless it says what may or must happen, or what an
    // action changes ("a late return adds a fee of 2 euros per day").
    if (
      metricsInSentence(text).length > 0 &&
      !/\b(can|cannot|can't|may|must|never|only|needs?|not|adds|charges|lowers|reduces|raises|increases|decreases)\b/i.test(
        text,
      )
    )
      continue;
    // The entity the sentence is about: from its parse, else the first entity it names ("a seed order may ...").
    const named =
      s.parses.map(entityOf).find(Boolean) ??
      prepareSentence(text, state.entities, state.personas, state.finalActions).entities[0]?.name;
    if (!named) continue;
    const reason = typed
      ? `it reads as a ${typed.rule.kind} rule about ${typed.entity}, which the domain model does not have`
      : unreadReason(text);
    rules.push({ text, entity: named, rule: { kind: 'unsupported', reason }, source: 'stated' });
  }
  return rules;
}

/** Why no recogniser read a rule sentence, as precisely as its wording allows. */
function unreadReason(text: string): string {
  // "must be allocated within 3 days": a deadline, but counted from what?
  const limit = /\bwithin \w+ (?:minute|hour|day|week|month)s?\b(?! (?:of|after|from|before|since)\b)/i.exec(
    text,
  );
  if (limit) return `it sets a time limit (${limit[0]}) without saying from when it counts`;
  return 'no rule kind the engine knows matches its wording';
}

/** Wording that states a rule: limits, prohibitions, obligations, uniqueness, timings, formulas and effects. */
function normative(text: string): boolean {
  const lower = text.toLowerCase();
  return (
    /\b(at most|no more than|not more than|more than|fewer than|exceed|exceeds|up to|maximum|at least|minimum|limited to)\b/.test(
      lower,
    ) ||
    /\b(cannot|can't|can not|must|may not|may only|can only|never|not allowed|no one|no longer|only)\b/.test(
      lower,
    ) ||
    /\b(unique|no two|overlap|overlapping)\b/.test(lower) ||
    /\b(is|equals)\b.*\b(times|multiplied by|plus|minus|divided by|percent|%)/.test(lower) ||
    /\b(reduces|lowers|decreases|increases|raises|adds)\b/.test(lower) ||
    // A time that restricts ("only before", "until 2 hours before"), not one that schedules ("a reminder the day before").
    (/\b(within|before|after|until|overdue|expired)\b/.test(lower) &&
      /\b(\d+|days?|hours?|weeks?|deadline|date)\b/.test(lower) &&
      /\b(must|only|cannot|can't|may not|until|up to|no later|not|never)\b/.test(lower))
  );
}
