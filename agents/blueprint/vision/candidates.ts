import type { Attribute } from '../../../toolchain/schemas/domainModel';
import type { VisionAttribute } from '../../../toolchain/schemas/vision';
import {
  camelCase,
  capitalise,
  entityNameOf,
  labelOf,
  singular,
  snakeCase,
} from '../../../toolchain/vision/language';
import type { NounPhrase } from './parse';
import { measureNouns, nonEntityNouns, timeUnits, typeOfField } from './vocabulary';

/** A noun of the vision that may become an entity, with the evidence for and against it. */
export interface Candidate {
  name: string;
  label: string;
  firstSeen: number;
  mentions: number;
  actorVerbs: number;
  objectOf: number;
  complementOf: number;
  attributeSubject: number;
  /** How often it names the occurrence of an action ("members reserve titles" → reservation). */
  occurrences: number;
  personSignal: boolean;
  /** Counted somewhere in the text ("one of our two distribution points"): a set of things kept apart. */
  counted: boolean;
  attributes: Map<string, VisionAttribute>;
  references: Set<string>;
  states?: string[];
  /** The sentence that first names it. */
  evidence?: string;
}

/** A candidate entity not yet seen acting, acted on or described. */
export function newCandidate(name: string, firstSeen: number): Candidate {
  return {
    name,
    label: labelOf(name),
    firstSeen,
    mentions: 0,
    actorVerbs: 0,
    objectOf: 0,
    complementOf: 0,
    attributeSubject: 0,
    occurrences: 0,
    personSignal: false,
    counted: false,
    attributes: new Map(),
    references: new Set(),
  };
}

/** The candidates by entity name; words of the product's own title never name one. */
export class Registry {
  readonly candidates = new Map<string, Candidate>();
  constructor(private readonly excluded: Set<string>) {}

  /** The entity name a noun phrase stands for, or undefined when it is not a thing the product stores. */
  nameOf(np: NounPhrase): string | undefined {
    const words = np.phrase.split(' ').filter((w) => !/^\d/.test(w));
    if (words.length === 0 || np.quantified || np.proper) return undefined;
    const head = singular(words[words.length - 1]);
    // A unit of time names a thing of its own once a noun qualifies it ("work days", "school year").
    const qualifiedTime = words.length > 1 && timeUnits.has(head);
    // "our two distribution points": a general noun qualified by another and counted out is a kind of thing.
    const countedKind = words.length > 1 && np.counted;
    // "the product" is the software the vision describes; "products" are goods someone sells or orders.
    const goods = head === 'product' && words[words.length - 1] !== head;
    if (
      (nonEntityNouns.has(head) && !qualifiedTime && !countedKind && !goods) ||
      measureNouns.has(words[words.length - 1]) ||
      measureNouns.has(head)
    )
      return undefined;
    const name = entityNameOf(words.join(' '));
    if (!name || this.excluded.has(name.toLowerCase()) || name.length < 3) return undefined;
    return name;
  }

  touch(np: NounPhrase, order: number, sentence?: string): Candidate | undefined {
    const name = this.nameOf(np);
    if (!name) return undefined;
    const c = this.touchName(name, order, sentence);
    c.counted ||= np.counted;
    return c;
  }

  /** The candidate of that name, made when first seen, counted as one more mention. */
  touchName(name: string, order: number, sentence?: string): Candidate {
    let c = this.candidates.get(name);
    if (!c) {
      c = newCandidate(name, order);
      this.candidates.set(name, c);
    }
    c.evidence ??= sentence;
    c.mentions++;
    return c;
  }
}

export function addAttribute(
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
