import type { Vision, VisionAction, VisionAttribute, VisionEntity } from '../../../toolchain/schemas/vision';
import { visionSchema } from '../../../toolchain/schemas/vision';
import { productSlugOf } from '../../../toolchain/schemas/productSlug';
import { mapActions } from './actionMapping';
import type {
  ReadVision,
  Sentence,
  WithActions,
  WithAliases,
  WithClauses,
  WithRules,
  WithVisionEntities,
} from './analysisState';
import { addAttribute, type Candidate } from './candidates';
import { readClauses } from './clauseReading';
import { chooseEntities } from './entityChoice';
import { featuresOf } from './features';
import { addImpliedAttributes } from './impliedAttributes';
import { readHints } from './hints';
import { entityNameOf, labelOf, pluralNameOf } from '../../../toolchain/vision/language';
import { addLifecycles } from './lifecycles';
import { parseVisionDocument, sentencesOf } from './markdown';
import { tellStory } from './narrative';
import { correctionLexicon, parseSentence, splitSentences } from './parse';
import { choosePersonas } from './personas';
import { findRules } from './rules';
import { successMetrics } from './successMetrics';
import { unreadSentences } from './unreadSentences';
import { isFieldPhrase } from './vocabulary';

/**
 * Vision analysis: from a Markdown vision (optionally with YAML front-matter hints) to a `Vision`: problem,
 * goals, metrics, personas, features, scope and the analysed domain. Deterministic: the same text always gives
 * the same result (stable orders, no clock, no randomness). A pipeline of passes, each adding to the analysis
 * state what it finds (see analysisState.ts).
 */
export function analyseVision(text: string): Vision {
  const read = readVision(text);
  const withStory = tellStory(read);
  const withClauses = readClauses(withStory);
  const withListedValues = addListedValues(withClauses);
  const withAliases = mergeCompoundNames(withListedValues);
  const withPersonas = choosePersonas(withAliases);
  const withEntities = addImpliedAttributes(chooseEntities(withPersonas));
  const withActions = mapActions(withEntities);
  const withLifecycles = addLifecycles(withActions);
  const withReferences = linkReferences(withLifecycles);
  const withVisionEntities = describeEntities(withReferences);
  const withRules = findRules(withVisionEntities);
  return assembleVision(withRules);
}

/** Front-matter hints, the title, and every sentence parsed with the vision's own spelling corrections. */
function readVision(text: string): ReadVision {
  const doc = parseVisionDocument(text);
  const hints = readHints(doc.frontMatter);
  const raw = sentencesOf(doc, splitSentences);
  const lexicon = correctionLexicon(raw.map((s) => s.text).join('\n'));
  const sentences: Sentence[] = raw.map((source, order) => ({
    source,
    parses: parseSentence(source.text, lexicon),
    order,
  }));
  return { hints, title: hints.title ?? doc.title, sentences };
}

/** Parenthesised value lists right after a field word of a known entity: "a condition (new, good, worn)". */
function addListedValues(state: WithClauses): WithClauses {
  for (const s of state.domainSentences) {
    for (const p of s.parses) {
      let owner: Candidate | undefined;
      for (const np of p.nounPhrases) {
        const name = state.registry.nameOf(np);
        if (name && !isFieldPhrase(np.phrase) && !np.preposition) owner = state.registry.candidates.get(name);
        else if (owner && np.parenthetical && isFieldPhrase(np.phrase))
          addAttribute(owner, np.phrase, 'stated', np.parenthetical, s.source.text);
      }
    }
  }
  return state;
}

/** Compound names absorb their bare head when only one compound has that head ("jobs" → RepairJob). */
function mergeCompoundNames(state: WithClauses): WithAliases {
  const { registry, hints } = state;
  const all = [...registry.candidates.values()];
  const alias = new Map<string, string>();
  for (const c of all) {
    const words = c.label.split(' ');
    if (words.length !== 1) continue;
    const compounds = all.filter((o) => o !== c && isCompoundOf(o.label, c.label));
    // Not when the bare word is named in the hints or acting on its own ("patients book" next to "check patients").
    const hinted = isNamedIn(hints, c.name);
    if (
      compounds.length === 1 &&
      !hinted &&
      c.actorVerbs <= compounds[0].actorVerbs &&
      c.mentions <= compounds[0].mentions
    )
      alias.set(c.name, compounds[0].name);
    // "the home branch" once among many branches: a kind of branch, not a record of its own.
    else if (!hinted)
      for (const compound of compounds)
        if (compound.mentions < c.mentions && !isNamedIn(hints, compound.name))
          alias.set(compound.name, c.name);
  }
  for (const [from, to] of alias) {
    const a = registry.candidates.get(from)!;
    const b = registry.candidates.get(to)!;
    b.mentions += a.mentions;
    b.objectOf += a.objectOf;
    b.complementOf += a.complementOf;
    b.actorVerbs += a.actorVerbs;
    b.attributeSubject += a.attributeSubject;
    b.occurrences += a.occurrences;
    b.personSignal ||= a.personSignal;
    for (const [k, v] of a.attributes) if (!b.attributes.has(k)) b.attributes.set(k, v);
    b.firstSeen = Math.min(a.firstSeen, b.firstSeen);
    registry.candidates.delete(from);
  }
  return { ...state, resolve: (name: string) => alias.get(name) ?? name };
}

/** "repair job" and "job"; written as one word too, "artwork" and "work", when what comes first is a word. */
function isCompoundOf(compound: string, head: string): boolean {
  if (compound.endsWith(` ${head}`)) return true;
  return !compound.includes(' ') && compound.endsWith(head) && compound.length - head.length >= 3;
}

function isNamedIn(hints: WithClauses['hints'], name: string): boolean {
  return [...(hints.entities ?? []), ...(hints.actors ?? [])].some((h) => entityNameOf(h.name) === name);
}

/** Relations between chosen entities as references; of two referring to each other, the later depends. */
function linkReferences(state: WithActions): WithActions {
  const { chosen, entityNames } = state;
  for (const r of state.relations) {
    const from = chosen.find((c) => c.name === r.from);
    if (from && entityNames.has(r.to) && r.to !== r.from) from.references.add(r.to);
  }
  for (const c of chosen) {
    for (const target of [...c.references]) {
      // A reference a hint names to an entity the domain does not hold links nothing.
      if (!entityNames.has(target) || target === c.name) c.references.delete(target);
      const other = chosen.find((o) => o.name === target);
      if (other?.references.has(c.name)) {
        const [keep, drop] = c.firstSeen >= other.firstSeen ? [c, other] : [other, c];
        drop.references.delete(keep.name);
      }
    }
  }
  return state;
}

/** The chosen entities as the vision states them, each with a name (a persona also an email). */
function describeEntities(state: WithActions): WithVisionEntities {
  const { personaNames, finalActions, hints } = state;
  const entities: VisionEntity[] = state.chosen.map((c) => {
    const attributes = [...c.attributes.values()];
    const hasName = attributes.some((a) => ['name', 'title', 'label', 'fullName'].includes(a.name));
    const isPersona = personaNames.has(c.name);
    const defaults: VisionAttribute[] = [];
    if (!hasName)
      defaults.push({
        name: isPersona ? 'fullName' : 'name',
        type: 'string',
        required: true,
        description: isPersona ? `The ${c.label}'s full name` : `A short name that identifies the ${c.label}`,
        source: 'derived',
      });
    if (isPersona && !attributes.some((a) => a.type === 'email'))
      defaults.push({
        name: 'email',
        type: 'email',
        required: true,
        unique: true,
        description: `How the ${c.label} is contacted and signs in`,
        source: 'derived',
      });
    const merged = [...defaults, ...attributes].map((a) =>
      a.name === 'name' || a.name === 'title' ? { ...a, required: true } : a,
    );
    const related = [...c.references].sort();
    return {
      name: c.name,
      plural: pluralNameOf(c.name),
      label: c.label,
      description: describeEntity(c, related, finalActions),
      attributes: merged,
      references: related,
      ...(c.states && c.states.length >= 2 ? { states: c.states } : {}),
      isPersona,
      mentions: c.mentions,
      ...(c.evidence ? { evidence: c.evidence } : {}),
      source: hints.entities ? 'hint' : 'derived',
    };
  });
  return { ...state, entities };
}

function describeEntity(c: Candidate, references: string[], actions: VisionAction[]): string {
  const verbs = [
    ...new Set(actions.filter((a) => a.entity === c.name).map((a) => `${a.verb.replace(/-/g, ' ')}`)),
  ];
  const parts = [`${/^[aeiou]/.test(c.label) ? 'An' : 'A'} ${c.label} as the vision describes it`];
  if (references.length > 0)
    parts.push(`linked to ${references.map((r) => `a ${labelOf(r)}`).join(' and ')}`);
  if (verbs.length > 0) parts.push(`that people ${verbs.join(', ')}`);
  return `${parts.join(', ')}.`;
}

/** Metrics, features and scope from the analysed domain, and the vision they make, checked by its schema. */
function assembleVision(state: WithRules): Vision {
  const { title, hints, sentences, story, personas, entities, finalActions, actionKinds, rules } = state;
  const metrics = successMetrics(
    sentences.filter((s) => !story.problemSentences.includes(s.source.text)),
    story.goals,
    hints,
    entities,
    finalActions,
    title,
  );
  const features = featuresOf(entities, finalActions, actionKinds, personas, story.goals);
  const vision: Vision = {
    title,
    slug: productSlugOf(title),
    summary: story.opportunity || story.problem,
    problem: story.problem,
    opportunity: story.opportunity,
    goals: story.goals.length > 0 ? story.goals : metrics.map((m) => `${m.name}: ${m.target}`),
    successMetrics: metrics,
    personas,
    features,
    scope: {
      in: features.filter((f) => f.priority !== 'could').map((f) => f.name),
      out: [
        ...(hints.outOfScope ?? []),
        ...features.filter((f) => f.priority === 'could').map((f) => `${f.name} (after the first release)`),
        'Native mobile apps: the first releases are a responsive web application',
        'Payment processing and integrations with systems the vision does not name',
      ],
    },
    domain: { entities, actions: finalActions, rules },
    reading: { domainSentences: state.domainSentences.length, unread: unreadSentences(state) },
    hintsUsed: hints.keys,
    feedbackAddressed: [],
  };
  return visionSchema.parse(vision);
}
