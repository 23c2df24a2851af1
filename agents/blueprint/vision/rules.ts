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
    for (const text of ruleClauses(s.source.text)) rules.push(...ruleOf(s, text, entityOf, state));
  }
  return rules;
}

/**
 * The parts of a sentence that each state a rule: "a car cannot be booked twice for overlapping times, and no
 * booking may be longer than 72 hours" is two rules, and "members book a car for a time slot" before a semicolon
 * none. A sentence is split at a semicolon, ", and" or ", but" before a new subject; what follows a semicolon
 * otherwise stays with its clause.
 */
export function ruleClauses(text: string): string[] {
  const parts = text
    .split(
      /(?:;|,\s+(?:and|but|while|whereas))\s+(?=(?:no|a|an|the|each|every|any|only|when|if|after|once|[a-z]+s)\b)/i,
    )
    .map((part) => part.trim().replace(/[.!]?$/, '.'))
    .map((part) => part[0].toUpperCase() + part.slice(1));
  const stating = parts.filter(normative);
  return stating.length > 0 ? stating : [];
}

/** The rule one sentence (or one part of it) states, typed or listed as unsupported; none when it is a goal. */
function ruleOf(
  s: Sentence,
  text: string,
  entityOf: (p: ParsedSentence) => string | undefined,
  state: WithVisionEntities,
): VisionRule[] {
  const typed = typeRule(text, state.entities, state.personas, state.finalActions);
  if (typed && state.entityNames.has(typed.entity)) {
    return [{ text, entity: typed.entity, rule: typed.rule, source: 'stated' }];
  }
  // A target with a number ("within 24 hours") is a goal unless it says what may or must happen, or what an
  // action changes ("a late return adds a fee of 2 euros per day").
  if (
    metricsInSentence(text).length > 0 &&
    !/\b(can|cannot|can't|may|must|never|only|needs?|not|adds|charges|lowers|reduces|raises|increases|decreases)\b/i.test(
      text,
    )
  )
    return [];
  // The entity it is about: for a whole sentence from its parse, else the first entity it names ("a seed order
  // may ...").
  const whole = text === s.source.text;
  const named =
    (whole ? s.parses.map(entityOf).find(Boolean) : undefined) ??
    prepareSentence(text, state.entities, state.personas, state.finalActions).entities[0]?.name ??
    s.parses.map(entityOf).find(Boolean);
  if (!named) return [];
  const reason = typed
    ? `it reads as a ${typed.rule.kind} rule about ${typed.entity}, which the domain model does not have`
    : unreadReason(text);
  return [{ text, entity: named, rule: { kind: 'unsupported', reason }, source: 'stated' }];
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
    /\b(longer|shorter|later|earlier|older|younger|larger|smaller|heavier) than\b/.test(lower) ||
    /\bno \w+ (may|can|is|shall)\b/.test(lower) ||
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
