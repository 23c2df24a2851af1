import type { Attribute } from '../../../toolchain/schemas/domainModel';
import type {
  Feature,
  Persona,
  SuccessMetric,
  Vision,
  VisionAction,
  VisionAttribute,
  VisionEntity,
  VisionRule,
} from '../../../toolchain/schemas/vision';
import { visionActionSchema, visionSchema } from '../../../toolchain/schemas/vision';
import { productSlugOf } from '../../../toolchain/schemas/productSlug';
import { readHints, type Hints } from './hints';
import {
  camelCase,
  capitalise,
  entityNameOf,
  infinitive,
  kebabCase,
  labelOf,
  pascalCase,
  pastTense,
  plural,
  pluralNameOf,
  singular,
  snakeCase,
} from '../../../toolchain/vision/language';
import { parseVisionDocument, sentencesOf, type VisionSentence } from './markdown';
import { metricsInSentence } from './metrics';
import {
  correctionLexicon,
  parseSentence,
  splitSentences,
  type Clause,
  type NounPhrase,
  type ParsedSentence,
} from './parse';
import {
  creationVerbs,
  maintenanceVerbs,
  isFieldPhrase,
  measureNouns,
  nominalisations,
  nonEntityNouns,
  notifyVerbs,
  stativeVerbs,
  terminatingVerbs,
  typeOfField,
  viewVerbs,
} from './vocabulary';

/**
 * Vision analysis: from a Markdown vision (optionally with YAML front-matter hints) to a `Vision`: problem,
 * goals, metrics, personas, features, scope and the analysed domain. Deterministic: the same text always gives
 * the same result (stable orders, no clock, no randomness).
 */

type ActionKind = 'create' | 'maintain' | 'transition' | 'view' | 'notify';

interface Candidate {
  name: string;
  label: string;
  firstSeen: number;
  mentions: number;
  actorVerbs: number;
  objectOf: number;
  complementOf: number;
  attributeSubject: number;
  personSignal: boolean;
  attributes: Map<string, VisionAttribute>;
  references: Set<string>;
  states?: string[];
}

/** A candidate entity not yet seen acting, acted on or described. */
function newCandidate(name: string, firstSeen: number): Candidate {
  return {
    name,
    label: labelOf(name),
    firstSeen,
    mentions: 0,
    actorVerbs: 0,
    objectOf: 0,
    complementOf: 0,
    attributeSubject: 0,
    personSignal: false,
    attributes: new Map(),
    references: new Set(),
  };
}

interface RawAction {
  verb: string;
  kind: ActionKind;
  actor: string;
  entity: string;
  evidence: string;
  order: number;
  viaPreposition: boolean;
}

interface Sentence {
  source: VisionSentence;
  parses: ParsedSentence[];
  order: number;
}

const attributeVerbs = new Set(['have', 'include', 'contain', 'carry', 'come with', 'hold', 'store', 'show']);
const agentiveSuffix =
  /(er|or|ist|ant|ent|eer|ian|ee|ic|ess|ive|ard|man|woman|person|lead|staff|admin|owner|parent|child|family|neighbour|neighbor|friend|guest|user|host)$/;

function verbKind(verb: string): ActionKind | 'stative' {
  const first = verb.split(' ')[0];
  if (stativeVerbs.has(verb) || (stativeVerbs.has(first) && !creationVerbs.has(verb))) return 'stative';
  if (creationVerbs.has(verb)) return 'create';
  if (maintenanceVerbs.has(verb) || maintenanceVerbs.has(first)) return 'maintain';
  if (viewVerbs.has(verb) || viewVerbs.has(first)) return 'view';
  if (notifyVerbs.has(verb) || notifyVerbs.has(first)) return 'notify';
  return 'transition';
}

class Registry {
  readonly candidates = new Map<string, Candidate>();
  constructor(private readonly excluded: Set<string>) {}

  /** The entity name a noun phrase stands for, or undefined when it is not a thing the product stores. */
  nameOf(np: NounPhrase): string | undefined {
    const words = np.phrase.split(' ').filter((w) => !/^\d/.test(w));
    if (words.length === 0 || np.quantified) return undefined;
    const head = singular(words[words.length - 1]);
    if (nonEntityNouns.has(head) || measureNouns.has(words[words.length - 1]) || measureNouns.has(head))
      return undefined;
    const name = entityNameOf(words.join(' '));
    if (!name || this.excluded.has(name.toLowerCase()) || name.length < 3) return undefined;
    return name;
  }

  touch(np: NounPhrase, order: number): Candidate | undefined {
    const name = this.nameOf(np);
    if (!name) return undefined;
    let c = this.candidates.get(name);
    if (!c) {
      c = newCandidate(name, order);
      this.candidates.set(name, c);
    }
    c.mentions++;
    return c;
  }
}

function addAttribute(
  c: Candidate,
  phrase: string,
  source: VisionAttribute['source'],
  enumText?: string,
  evidence?: string,
): void {
  const cleaned = phrase.replace(/\b(a|an|the|its|their|his|her)\b/g, '').trim();
  if (!cleaned) return;
  const name = camelCase(cleaned);
  if (!/^[a-z][a-zA-Z0-9]*$/.test(name) || c.attributes.has(name)) return;
  const values = enumText
    ? enumText
        .split(/,|\bor\b|\band\b|\//)
        .map((v) => snakeCase(v.trim()))
        .filter((v) => /^[a-z][a-z0-9_]*$/.test(v))
    : [];
  const type: Attribute['type'] = values.length >= 2 ? 'enum' : typeOfField(cleaned);
  c.attributes.set(name, {
    name,
    type,
    required: false,
    description: evidence ? `${capitalise(cleaned)}, from: "${evidence}"` : capitalise(cleaned),
    ...(values.length >= 2 ? { enumValues: [...new Set(values)] } : {}),
    source,
  });
}

/** Problem, opportunity and goals: by section heading when the vision has them, by sentence role otherwise. */
function narrative(sentences: Sentence[], title: string, hints: Hints) {
  const bySection = (pattern: RegExp) =>
    sentences.filter((s) => pattern.test(s.source.heading)).map((s) => s.source.text);
  let problem = bySection(/problem|challenge|pain|today|context|background/);
  let opportunity = bySection(/opportunity|solution|idea|product|vision|what/);
  let goals = bySection(/goal|aim|objective|success|metric|outcome/);
  const titleWord = title.toLowerCase();
  const opener = /\b(lets|let|helps|help|allows|allow|enables|enable|gives|give)\b/i;
  if (opportunity.length === 0) {
    opportunity = sentences
      .filter((s) => !s.source.heading || /overview|summary/.test(s.source.heading))
      .map((s) => s.source.text)
      .filter((t) => t.toLowerCase().includes(titleWord) || opener.test(t));
  }
  if (problem.length === 0) {
    const firstOpportunity = sentences.findIndex((s) => opportunity.includes(s.source.text));
    // Sentences before the first one about the product; when the vision opens with the product, none.
    problem = sentences
      .slice(0, firstOpportunity >= 0 ? firstOpportunity : 1)
      .map((s) => s.source.text)
      .filter((t) => !goals.includes(t));
  }
  if (goals.length === 0) {
    goals = sentences
      .map((s) => s.source.text)
      .filter(
        (t) =>
          /\b(goal|aim|want(s)? to|so that|should|target|success)\b/i.test(t) ||
          metricsInSentence(t).length > 0,
      );
  }
  if (hints.goals) goals = hints.goals;
  if (hints.problem) problem = [hints.problem];
  const body = sentences.map((s) => s.source.text);
  return {
    problemSentences: problem,
    problem: problem.join(' ') || body[0] || '',
    opportunity: opportunity.join(' ') || body.slice(1, 3).join(' ') || body[0] || '',
    goals: goals.map((g) => capitalise(g.replace(/^\s*goals?\s*:\s*/i, '').trim())).filter(Boolean),
  };
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

export function analyseVision(text: string): Vision {
  const doc = parseVisionDocument(text);
  const hints = readHints(doc.frontMatter);
  const title = hints.title ?? doc.title;
  const raw = sentencesOf(doc, splitSentences);
  const lexicon = correctionLexicon(raw.map((s) => s.text).join('\n'));
  const sentences: Sentence[] = raw.map((source, order) => ({
    source,
    parses: parseSentence(source.text, lexicon),
    order,
  }));

  const excluded = new Set([
    title.toLowerCase(),
    pascalCase(title).toLowerCase(),
    ...title.toLowerCase().split(/\s+/),
  ]);
  const registry = new Registry(excluded);
  const rawActions: RawAction[] = [];
  const relationPairs: Array<{ from: string; to: string }> = [];
  const actorSubjects = new Map<string, { count: number; responsibilities: string[]; first: number }>();

  const isPerson = (np: NounPhrase) => agentiveSuffix.test(singular(np.head));

  // The problem statement, goals and exclusions describe the world around the product, not what it stores.
  const story = narrative(sentences, title, hints);
  const contextOnly = (s: Sentence) =>
    /problem|challenge|pain|background|today|context|goal|metric|success|outcome|out of scope|non-goal|not in scope/.test(
      s.source.heading,
    ) ||
    (!s.source.heading && story.problemSentences.includes(s.source.text));
  const domainSentences = sentences.filter((s) => !contextOnly(s));
  domainSentences.forEach((s) => {
    for (const p of s.parses) {
      for (const np of p.nounPhrases) {
        const c = registry.touch(np, s.order);
        if (c && isPerson(np) && !isFieldPhrase(np.phrase)) c.personSignal = true;
      }
      for (const clause of p.clauses) analyseClause(clause, s, p);
    }
  });

  function analyseClause(clause: Clause, s: Sentence, p: ParsedSentence) {
    const { verb, subject } = clause;
    if (verb.reducedRelative || verb.passive) return;
    const subjectName = subject ? registry.nameOf(subject) : undefined;
    const kind = verbKind(verb.verb);
    // "Each tool has a name, a category and a condition (new, good, worn)": attributes of the subject.
    if (attributeVerbs.has(verb.verb) && subjectName) {
      const owner = registry.candidates.get(subjectName);
      if (owner) {
        owner.attributeSubject++;
        // Every noun phrase of the list after the verb, except units and places ("a weight in kilograms").
        const next = p.chunks.find((c) => c.kind === 'vp' && c.index > verb.index);
        const after = p.nounPhrases.filter(
          (np) =>
            np.index > verb.index &&
            (!next || np.index < next.index) &&
            (!np.preposition || np.preposition === 'with') &&
            !np.quantified,
        );
        for (const np of after)
          addAttribute(
            owner,
            [...np.modifiers.filter((m) => !/^(each|every|all|some|many)$/.test(m)), np.phrase].join(' '),
            'stated',
            np.parenthetical,
            s.source.text,
          );
      }
      return;
    }
    // "Managers want to know which varieties sell out": a wish still makes its subject someone the product serves.
    if (
      ['want', 'need', 'wish'].includes(verb.verb) &&
      subject &&
      subjectName &&
      !clause.relativeSubject &&
      isPerson(subject)
    ) {
      const entry = actorSubjects.get(subjectName) ?? { count: 0, responsibilities: [], first: s.order };
      const at = s.source.text.toLowerCase().indexOf(verb.text.toLowerCase());
      entry.count++;
      entry.responsibilities.push(
        s.source.text
          .slice(at >= 0 ? at : 0)
          .replace(/[.!]$/, '')
          .toLowerCase(),
      );
      actorSubjects.set(subjectName, entry);
      return;
    }
    if (kind === 'stative' || verb.negated) {
      return;
    }
    const objectNames = clause.objects.map((o) => ({ np: o, name: registry.nameOf(o) }));
    if (subjectName && !clause.relativeSubject) {
      const entry = actorSubjects.get(subjectName) ?? { count: 0, responsibilities: [], first: s.order };
      entry.count++;
      const objectText = clause.objects.map((o) => o.phrase).join(' and ');
      entry.responsibilities.push(`${verb.verb}${objectText ? ` ${objectText}` : ''}`);
      actorSubjects.set(subjectName, entry);
      const actor = registry.candidates.get(subjectName);
      if (actor) actor.actorVerbs++;
    }
    let previous: string | undefined;
    for (const { np, name } of objectNames) {
      // "their growth stage" after "greenhouse batches": a field of the thing just named.
      if ((np.possessive || !name) && isFieldPhrase(np.phrase) && previous) {
        const owner = registry.candidates.get(previous);
        if (owner) addAttribute(owner, np.phrase, 'stated', np.parenthetical, s.source.text);
        continue;
      }
      if (!name) continue;
      const c = registry.candidates.get(name);
      // Looking at something ("browse the catalogue") does not make it a record of its own.
      if (c && kind !== 'view') c.objectOf++;
      previous = name;
      if (subjectName && clause.relativeSubject) relationPairs.push({ from: subjectName, to: name });
      else if (subjectName)
        rawActions.push({
          verb: verb.verb,
          kind,
          actor: subjectName,
          entity: name,
          evidence: s.source.text,
          order: s.order,
          viaPreposition: !!np.preposition,
        });
    }
    const anchor =
      objectNames.find((o) => o.name)?.name ?? (clause.relativeSubject ? subjectName : undefined);
    if (kind === 'view' || kind === 'notify') return;
    for (const { preposition, phrase } of clause.complements) {
      const name = registry.nameOf(phrase);
      if (!anchor) continue;
      const owner = registry.candidates.get(anchor);
      if (owner && (isFieldPhrase(phrase.phrase) || (!name && preposition === 'with'))) {
        addAttribute(
          owner,
          [...phrase.modifiers, phrase.phrase].join(' '),
          'stated',
          phrase.parenthetical,
          s.source.text,
        );
        continue;
      }
      if (!name || name === anchor) continue;
      const c = registry.candidates.get(name);
      if (c) c.complementOf++;
      if (preposition === 'with') relationPairs.push({ from: name, to: anchor });
      else if (['for', 'from', 'per', 'at', 'in', 'of', 'on'].includes(preposition))
        relationPairs.push({ from: anchor, to: name });
    }
  }

  // Parenthesised value lists right after a field word of a known entity: "a condition (new, good, worn)".
  for (const s of domainSentences) {
    for (const p of s.parses) {
      let owner: Candidate | undefined;
      for (const np of p.nounPhrases) {
        const name = registry.nameOf(np);
        if (name && !isFieldPhrase(np.phrase) && !np.preposition) owner = registry.candidates.get(name);
        else if (owner && np.parenthetical && isFieldPhrase(np.phrase))
          addAttribute(owner, np.phrase, 'stated', np.parenthetical, s.source.text);
      }
    }
  }

  // Compound names absorb their bare head when only one compound has that head ("jobs" → RepairJob).
  const all = [...registry.candidates.values()];
  const alias = new Map<string, string>();
  for (const c of all) {
    const words = c.label.split(' ');
    if (words.length !== 1) continue;
    const compounds = all.filter((o) => o !== c && o.label.endsWith(` ${c.label}`));
    // Not when the bare word is named in the hints or acting on its own ("patients book" next to "check patients").
    const hinted = [...(hints.entities ?? []), ...(hints.actors ?? [])].some(
      (h) => entityNameOf(h.name) === c.name,
    );
    if (compounds.length === 1 && !hinted && c.actorVerbs <= compounds[0].actorVerbs)
      alias.set(c.name, compounds[0].name);
  }
  const resolve = (name: string) => alias.get(name) ?? name;
  for (const [from, to] of alias) {
    const a = registry.candidates.get(from)!;
    const b = registry.candidates.get(to)!;
    b.mentions += a.mentions;
    b.objectOf += a.objectOf;
    b.complementOf += a.complementOf;
    b.actorVerbs += a.actorVerbs;
    b.attributeSubject += a.attributeSubject;
    b.personSignal ||= a.personSignal;
    for (const [k, v] of a.attributes) if (!b.attributes.has(k)) b.attributes.set(k, v);
    b.firstSeen = Math.min(a.firstSeen, b.firstSeen);
    registry.candidates.delete(from);
  }

  // Personas: subjects of actions that read as people (hints win).
  let personas: Persona[];
  if (hints.actors) {
    personas = hints.actors.map((a) => {
      const name = entityNameOf(a.name);
      const inferred = actorSubjects.get(name);
      return {
        name,
        label: labelOf(name),
        plural: plural(labelOf(name)),
        description: a.description ?? `${capitalise(plural(labelOf(name)))} using ${title}.`,
        responsibilities: inferred ? [...new Set(inferred.responsibilities)] : [],
        source: 'hint' as const,
      };
    });
  } else {
    const actors = [...actorSubjects.entries()]
      .map(([name, info]) => ({ name: resolve(name), info, c: registry.candidates.get(resolve(name)) }))
      .filter(({ c }) => c && c.personSignal)
      .sort(
        (a, b) => b.info.count - a.info.count || a.info.first - b.info.first || a.name.localeCompare(b.name),
      );
    personas = actors.map(({ name, info }) => ({
      name,
      label: labelOf(name),
      plural: plural(labelOf(name)),
      description: `${capitalise(plural(labelOf(name)))}, who ${[...new Set(info.responsibilities)].slice(0, 4).join(', ')}.`,
      responsibilities: [...new Set(info.responsibilities)],
      source: 'derived' as const,
    }));
    if (personas.length === 0) {
      personas = [
        {
          name: 'User',
          label: 'user',
          plural: 'users',
          description: `Anyone using ${title}.`,
          responsibilities: [],
          source: 'derived',
        },
      ];
    }
  }
  const personaNames = new Set(personas.map((p) => p.name));

  // Entities: things acted on, described or related; personas too when something refers to them.
  const relations = relationPairs
    .map((r) => ({ from: resolve(r.from), to: resolve(r.to) }))
    .filter((r) => r.from !== r.to);
  const actions = rawActions.map((a) => ({ ...a, actor: resolve(a.actor), entity: resolve(a.entity) }));
  const candidateLabels = new Set(
    [...registry.candidates.values()].map((c) => c.label.split(' ').pop() ?? ''),
  );
  const createsRecords = (persona: string) =>
    actions.some(
      (a) =>
        a.actor === persona &&
        !a.viaPreposition &&
        (a.kind === 'create' ||
          (a.kind === 'transition' && nominalisations(a.verb).some((n) => candidateLabels.has(n)))),
    );
  const isEntity = (c: Candidate) => {
    if (personaNames.has(c.name))
      return (
        c.objectOf + c.complementOf + c.attributeSubject > 0 ||
        relations.some((r) => r.to === c.name) ||
        createsRecords(c.name)
      );
    return (
      c.objectOf > 0 ||
      c.attributeSubject > 0 ||
      c.attributes.size > 0 ||
      relations.some((r) => r.from === c.name || r.to === c.name)
    );
  };
  let chosen = [...registry.candidates.values()].filter(
    (c) =>
      (!c.personSignal || personaNames.has(c.name) || c.objectOf > 0) &&
      !(
        isFieldPhrase(c.label) &&
        (c.attributeSubject === 0 ||
          ['date', 'datetime', 'money', 'email', 'boolean'].includes(typeOfField(c.label)))
      ),
  );
  chosen = chosen.filter(isEntity);
  if (hints.entities) {
    const byName = new Map(chosen.map((c) => [c.name, c]));
    chosen = hints.entities.map((h) => {
      const inferred = byName.get(h.name) ?? registry.candidates.get(h.name);
      const c: Candidate = inferred ?? newCandidate(h.name, 0);
      if (h.attributes.length > 0) {
        c.attributes = new Map(
          h.attributes.map((a) => [
            a.name,
            {
              name: a.name,
              type: a.type,
              required: a.required,
              description: a.description ?? capitalise(labelOf(pascalCase(a.name))),
              ...(a.enumValues && a.enumValues.length > 0 ? { enumValues: a.enumValues } : {}),
              source: 'hint' as const,
            },
          ]),
        );
      }
      if (h.states) c.states = h.states;
      return c;
    });
  } else {
    // Keep the domain focused: the most connected candidates first, at most twelve.
    const score = (c: Candidate) =>
      c.objectOf * 3 + c.attributeSubject * 3 + c.attributes.size + c.complementOf + c.mentions;
    chosen = chosen
      .sort((a, b) => score(b) - score(a) || a.firstSeen - b.firstSeen || a.name.localeCompare(b.name))
      .slice(0, 12);
    if (chosen.length === 0) {
      const fallback = [...registry.candidates.values()]
        .filter((c) => !personaNames.has(c.name))
        .sort((a, b) => b.mentions - a.mentions || a.firstSeen - b.firstSeen);
      chosen = fallback.slice(0, 1);
    }
    if (chosen.length === 0) {
      chosen = [newCandidate('Item', 0)];
    }
  }
  chosen.sort((a, b) => a.firstSeen - b.firstSeen || a.name.localeCompare(b.name));
  const entityNames = new Set(chosen.map((c) => c.name));

  // Actions map onto the entity that names the occurrence when there is one: "reserve tools" → Reservation.
  const nominalFor = (verb: string): string | undefined => {
    const forms = new Set(nominalisations(verb));
    return chosen.find((c) => forms.has(c.label.split(' ').pop() ?? ''))?.name;
  };
  const finalActions: VisionAction[] = [];
  const ownerActors = new Set<string>();
  const actionKinds = new Map<string, ActionKind>();
  for (const a of actions) {
    if (!personaNames.has(a.actor)) continue;
    let entity = a.entity;
    const nominal = a.kind === 'transition' || a.kind === 'create' ? nominalFor(a.verb) : undefined;
    if (nominal && nominal !== entity) {
      if (entityNames.has(entity)) relations.push({ from: nominal, to: entity });
      if (entityNames.has(a.actor)) relations.push({ from: nominal, to: a.actor });
      entity = nominal;
    }
    if (!entityNames.has(entity)) continue;
    // Whoever brings a record into existence owns it ("customers place orders" → an order has a customer),
    // unless the verb reaches its object through a preposition ("sign up for shifts": many people per shift).
    if ((a.kind === 'create' || nominal) && !a.viaPreposition && a.actor !== entity) {
      relations.push({ from: entity, to: a.actor });
      ownerActors.add(a.actor);
    }
    const verb = a.verb.replace(/\s+/g, '-');
    // On an occurrence entity the command reads with the thing acted on: "reserve tools" → ReserveTool.
    const name = pascalCase(`${a.verb} ${labelOf(entity !== a.entity ? a.entity : entity)}`);
    if (finalActions.some((f) => f.name === name)) continue;
    actionKinds.set(name, nominal === entity && a.kind === 'transition' ? 'create' : a.kind);
    finalActions.push({ name, verb, actor: a.actor, entity, evidence: a.evidence, source: 'stated' });
  }

  // Lifecycles: explicit arrows or status lists win; otherwise the transition verbs in the order they appear.
  for (const s of sentences) {
    const arrow =
      /([a-z][a-z _-]*?)\s*(?:→|->|=>)\s*([a-z][a-z _-]*?(?:\s*(?:→|->|=>)\s*[a-z][a-z _-]*?)*)(?=[.,;)]|$)/i.exec(
        s.source.text,
      );
    if (!arrow) continue;
    const states = [arrow[1], ...arrow[2].split(/\s*(?:→|->|=>)\s*/)].map((x) =>
      snakeCase(x.trim().split(' ').pop() ?? x),
    );
    const owner = s.parses
      .flatMap((p) => p.nounPhrases)
      .map((np) => resolve(registry.nameOf(np) ?? ''))
      .find((n) => entityNames.has(n));
    const c = owner ? chosen.find((e) => e.name === owner) : undefined;
    if (c && !c.states) c.states = [...new Set(states)];
  }
  for (const c of chosen) {
    const status = c.attributes.get('status') ?? c.attributes.get('state');
    if (!c.states && status?.enumValues && status.enumValues.length >= 2) c.states = status.enumValues;
    if (c.states) {
      c.attributes.delete('status');
      c.attributes.delete('state');
      continue;
    }
    const transitions = finalActions.filter(
      (a) => a.entity === c.name && actionKinds.get(a.name) === 'transition',
    );
    const creator = finalActions.find(
      (a) => a.entity === c.name && actionKinds.get(a.name) === 'create' && nominalFor(a.verb) === c.name,
    );
    if (transitions.length === 0) continue;
    const initial = creator ? snakeCase(pastTense(creator.verb.replace(/-/g, ' '))) : 'new';
    const ordered = [
      ...transitions.filter((t) => !terminatingVerbs.has(t.verb)),
      ...transitions.filter((t) => terminatingVerbs.has(t.verb)),
    ];
    c.states = [
      ...new Set([initial, ...ordered.map((t) => snakeCase(pastTense(t.verb.replace(/-/g, ' '))))]),
    ];
  }
  for (const a of finalActions) {
    const c = chosen.find((e) => e.name === a.entity);
    if (!c?.states || actionKinds.get(a.name) !== 'transition') continue;
    const target = snakeCase(pastTense(a.verb.replace(/-/g, ' ')));
    if (c.states.includes(target)) a.transitionTo = target;
  }
  // A stated lifecycle whose steps the text does not all name: each state still needs a way in, or the
  // states after it are unreachable. The missing step is named after its state (`checked_in` → CheckIn…).
  for (const c of chosen) {
    if (!c.states) continue;
    c.states.slice(1).forEach((state, i) => {
      if (finalActions.some((a) => a.entity === c.name && a.transitionTo === state)) return;
      const stateVerb = kebabCase(infinitive(state.replace(/_/g, ' ')));
      // A state that is not words (`s_1` from a status list "1, 2, 3") names no verb: the step moves to it.
      const named = visionActionSchema.shape.verb.safeParse(stateVerb).success;
      const previous = finalActions.find((a) => a.entity === c.name && a.transitionTo === c.states![i]);
      const actor =
        previous?.actor ?? finalActions.find((a) => a.entity === c.name)?.actor ?? personas[0].name;
      const name = pascalCase(named ? `${stateVerb} ${c.label}` : `move ${c.label} to ${state}`);
      if (finalActions.some((a) => a.name === name)) return;
      finalActions.push({
        name,
        verb: named ? stateVerb : 'move',
        actor,
        entity: c.name,
        transitionTo: state,
        evidence: `Derived from the lifecycle state "${state}", which no sentence names a step for.`,
        source: 'derived',
      });
      actionKinds.set(name, 'transition');
    });
  }

  for (const r of relations) {
    const from = chosen.find((c) => c.name === r.from);
    if (from && entityNames.has(r.to) && r.to !== r.from) from.references.add(r.to);
  }
  // Two entities that refer to each other: the one mentioned later is the dependent one.
  for (const c of chosen) {
    for (const target of [...c.references]) {
      const other = chosen.find((o) => o.name === target);
      if (other?.references.has(c.name)) {
        const [keep, drop] = c.firstSeen >= other.firstSeen ? [c, other] : [other, c];
        drop.references.delete(keep.name);
      }
    }
  }

  const entities: VisionEntity[] = chosen.map((c) => {
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
      source: hints.entities ? 'hint' : 'derived',
    };
  });

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
    hintsUsed: hints.keys,
    feedbackAddressed: [],
  };
  return visionSchema.parse(vision);
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

function successMetrics(
  sentences: Sentence[],
  goals: string[],
  hints: Hints,
  entities: VisionEntity[],
  actions: VisionAction[],
  title: string,
): SuccessMetric[] {
  if (hints.metrics) {
    return hints.metrics.map((m) => {
      const parsed = metricsInSentence(m.target ? `${m.name} ${m.target}` : m.name, true)[0];
      return {
        name: capitalise(m.name),
        target: m.target || parsed?.target || 'stated without a number',
        ...(parsed?.value !== undefined ? { value: parsed.value } : {}),
        ...(parsed?.unit ? { unit: parsed.unit } : {}),
        source: 'stated' as const,
        evidence: 'front matter',
      };
    });
  }
  const inGoals = sentences.filter(
    (s) =>
      /goal|metric|success|outcome|target/.test(s.source.heading) ||
      goals.some((g) => s.source.text.includes(g.replace(/\.$/, ''))),
  );
  const fromGoals = inGoals.flatMap((s) => metricsInSentence(s.source.text));
  if (fromGoals.length > 0) return fromGoals;
  const stated = sentences.flatMap((s) => metricsInSentence(s.source.text));
  if (stated.length > 0) return stated;
  // No numbers in the vision: propose measurable ones from the core flow, marked as derived.
  const acted = (e: VisionEntity) => actions.filter((a) => a.entity === e.name).length;
  const core =
    entities.find((e) => e.states) ??
    [...entities].sort((a, b) => Number(a.isPersona) - Number(b.isPersona) || acted(b) - acted(a))[0];
  const derived: SuccessMetric[] = [
    {
      name: `${capitalise(plural(core.label))} handled through ${title} instead of by hand`,
      target: '90%',
      value: 90,
      unit: '%',
      source: 'derived',
      evidence: 'The vision states no numeric target; proposed from its main flow.',
    },
  ];
  const transition = actions.find((a) => a.transitionTo);
  if (transition) {
    derived.push({
      name: `Median time for a ${labelOf(transition.entity)} to become ${transition.transitionTo?.replace(/_/g, ' ')}`,
      target: 'under 24 hours',
      value: 24,
      unit: 'hours',
      source: 'derived',
      evidence: `Proposed from the action "${transition.evidence}"`,
    });
  }
  return derived;
}

function featuresOf(
  entities: VisionEntity[],
  actions: VisionAction[],
  kinds: Map<string, ActionKind>,
  personas: Persona[],
  goals: string[],
): Feature[] {
  const features: Feature[] = [];
  const goalText = goals.join(' ').toLowerCase();
  const ranked = [...entities].sort((a, b) => {
    const weight = (e: VisionEntity) =>
      actions.filter((x) => x.entity === e.name).length * 3 + (e.states ? 4 : 0) + e.mentions;
    return weight(b) - weight(a) || a.name.localeCompare(b.name);
  });
  ranked.forEach((e, rank) => {
    const own = actions.filter((a) => a.entity === e.name);
    const persona = own[0]?.actor ?? personas[0].name;
    const verbs = [...new Set(own.map((a) => a.verb.replace(/-/g, ' ')))];
    const mentionedInGoals = goalText.includes(e.label) || goalText.includes(plural(e.label));
    const priority: Feature['priority'] =
      rank < 2 || mentionedInGoals || e.states ? 'must' : own.length > 0 || rank < 5 ? 'should' : 'could';
    const name = e.states
      ? `${capitalise(e.label)} lifecycle`
      : own.some((a) => kinds.get(a.name) === 'create')
        ? `${capitalise(plural(e.label))} register`
        : `${capitalise(e.label)} management`;
    features.push({
      id: `F${String(features.length + 1).padStart(2, '0')}`,
      name,
      description:
        verbs.length > 0
          ? `${capitalise(plural(labelOf(persona)))} ${verbs.join(', ')} ${plural(e.label)}${e.states ? ` through the states ${e.states.join(' → ')}` : ''}.`
          : `Keep the list of ${plural(e.label)} with their ${e.attributes.map((a) => labelOf(pascalCase(a.name))).join(', ')}.`,
      persona,
      entity: e.name,
      actions: own.map((a) => a.name),
      priority,
      source: 'derived',
    });
  });
  return features;
}
