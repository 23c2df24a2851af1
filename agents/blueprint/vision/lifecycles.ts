import { visionActionSchema } from '../../../toolchain/schemas/vision';
import { nominalFor } from './actionMapping';
import type { WithActions } from './analysisState';
import type { Candidate } from './candidates';
import { infinitive, kebabCase, pascalCase, pastTense, snakeCase } from '../../../toolchain/vision/language';
import { terminatingVerbs } from './vocabulary';

/**
 * The lifecycle pass: the states of each chosen entity and the actions that move it between them. Explicit
 * arrows or status lists win; otherwise the transition verbs in the order they appear.
 */
export function addLifecycles(state: WithActions): WithActions {
  statedLifecycles(state);
  for (const c of state.chosen) deriveLifecycle(state, c);
  markTransitions(state);
  addMissingSteps(state);
  return state;
}

/** "reserved → approved → returned" in a sentence naming a chosen entity. */
function statedLifecycles({ sentences, registry, resolve, entityNames, chosen }: WithActions): void {
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
}

/** From a status attribute's values, else from the creating and transition verbs; the status field goes. */
function deriveLifecycle(state: WithActions, c: Candidate): void {
  const status = c.attributes.get('status') ?? c.attributes.get('state');
  if (!c.states && status?.enumValues && status.enumValues.length >= 2) c.states = status.enumValues;
  if (!c.states) c.states = statesFromVerbs(state, c);
  // The lifecycle is the status: a stated one would be a second, unchecked field of the same name.
  if (c.states) {
    c.attributes.delete('status');
    c.attributes.delete('state');
  }
}

/** The creating verb's past tense, then each transition's (terminating ones last); none without transitions. */
function statesFromVerbs(
  { chosen, finalActions, actionKinds }: WithActions,
  c: Candidate,
): string[] | undefined {
  const transitions = finalActions.filter(
    (a) => a.entity === c.name && actionKinds.get(a.name) === 'transition',
  );
  const creator = finalActions.find(
    (a) =>
      a.entity === c.name && actionKinds.get(a.name) === 'create' && nominalFor(chosen, a.verb) === c.name,
  );
  if (transitions.length === 0) return undefined;
  const initial = creator ? snakeCase(pastTense(creator.verb.replace(/-/g, ' '))) : 'new';
  const ordered = [
    ...transitions.filter((t) => !terminatingVerbs.has(t.verb)),
    ...transitions.filter((t) => terminatingVerbs.has(t.verb)),
  ];
  return [...new Set([initial, ...ordered.map((t) => snakeCase(pastTense(t.verb.replace(/-/g, ' '))))])];
}

/** A transition whose past tense is a state of its entity moves the entity to that state. */
function markTransitions({ chosen, finalActions, actionKinds }: WithActions): void {
  for (const a of finalActions) {
    const c = chosen.find((e) => e.name === a.entity);
    if (!c?.states || actionKinds.get(a.name) !== 'transition') continue;
    const target = snakeCase(pastTense(a.verb.replace(/-/g, ' ')));
    if (c.states.includes(target)) a.transitionTo = target;
  }
}

/**
 * A stated lifecycle whose steps the text does not all name: each state still needs a way in, or the states
 * after it are unreachable. The missing step is named after its state (`checked_in` → CheckIn…).
 */
function addMissingSteps({ chosen, finalActions, actionKinds, personas }: WithActions): void {
  for (const c of chosen) {
    const states = c.states;
    if (!states) continue;
    states.slice(1).forEach((state, i) => {
      if (finalActions.some((a) => a.entity === c.name && a.transitionTo === state)) return;
      const stateVerb = kebabCase(infinitive(state.replace(/_/g, ' ')));
      // A state that is not words (`s_1` from a status list "1, 2, 3") names no verb: the step moves to it.
      const named = visionActionSchema.shape.verb.safeParse(stateVerb).success;
      const previous = finalActions.find((a) => a.entity === c.name && a.transitionTo === states[i]);
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
}
