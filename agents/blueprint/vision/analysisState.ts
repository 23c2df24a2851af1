import type { Persona, VisionAction, VisionEntity, VisionRule } from '../../../toolchain/schemas/vision';
import type { Candidate, Registry } from './candidates';
import type { Hints } from './hints';
import type { VisionSentence } from './markdown';
import type { ParsedSentence } from './parse';

/**
 * The state the vision analysis passes hand on: each stage is the one before it plus what its pass found, so
 * a pass can only read what earlier passes have produced.
 */

export type ActionKind = 'create' | 'maintain' | 'transition' | 'view' | 'notify';

export interface Sentence {
  source: VisionSentence;
  parses: ParsedSentence[];
  order: number;
}

/** Someone doing something to something, as a clause says, before names merge and entities are chosen. */
export interface RawAction {
  verb: string;
  kind: ActionKind;
  actor: string;
  entity: string;
  evidence: string;
  order: number;
  viaPreposition: boolean;
}

/** `from` refers to `to` (a reservation refers to its tool). */
export interface Relation {
  from: string;
  to: string;
  /** `to` is who did it ("approved by the estate manager"): someone acting, not a record kept of them. */
  agent?: boolean;
}

/** A clause subject that acts or wishes: how often, what it does, and where it first appears. */
export interface ActorSubject {
  count: number;
  responsibilities: string[];
  first: number;
}

export interface Story {
  /** The sentences that state the problem: context, not domain. */
  problemSentences: string[];
  problem: string;
  opportunity: string;
  goals: string[];
}

/** The vision read: its hints, its title and every sentence parsed. */
export interface ReadVision {
  hints: Hints;
  title: string;
  sentences: Sentence[];
}

/** Problem, opportunity and goals, and the sentences about the product rather than the world around it. */
export interface WithStory extends ReadVision {
  story: Story;
  domainSentences: Sentence[];
}

/** What the clauses of the domain sentences say: candidate entities, who does what, what relates to what. */
export interface WithClauses extends WithStory {
  registry: Registry;
  rawActions: RawAction[];
  relationPairs: Relation[];
  actorSubjects: Map<string, ActorSubject>;
}

/** Bare heads merged into their compound names: every name read from the text goes through `resolve`. */
export interface WithAliases extends WithClauses {
  resolve: (name: string) => string;
}

export interface WithPersonas extends WithAliases {
  personas: Persona[];
  personaNames: Set<string>;
}

/** The entities the product stores (in order of appearance); the relations and actions in resolved names. */
export interface WithEntities extends WithPersonas {
  chosen: Candidate[];
  entityNames: Set<string>;
  relations: Relation[];
  actions: RawAction[];
}

/** The actions the personas take on the chosen entities, as commands. */
export interface WithActions extends WithEntities {
  finalActions: VisionAction[];
  actionKinds: Map<string, ActionKind>;
}

/** The chosen entities as the vision states them: attributes, references, lifecycle. */
export interface WithVisionEntities extends WithActions {
  entities: VisionEntity[];
}

export interface WithRules extends WithVisionEntities {
  rules: VisionRule[];
}
