import type { VisionAction } from '../../../toolchain/schemas/vision';
import type { ActionKind, WithActions, WithEntities } from './analysisState';
import type { Candidate } from './candidates';
import { labelOf, pascalCase } from '../../../toolchain/vision/language';
import { nominalisations } from './vocabulary';

/** The chosen entity that names the occurrence of a verb, if any: "reserve" → Reservation. */
export function nominalFor(chosen: Candidate[], verb: string): string | undefined {
  const forms = new Set(nominalisations(verb));
  return chosen.find((c) => forms.has(c.label.split(' ').pop() ?? ''))?.name;
}

/**
 * The action pass: what the personas do to the chosen entities, as commands. An action maps onto the entity
 * that names the occurrence when there is one: "reserve tools" → Reservation. Adds the relations it implies.
 */
export function mapActions(state: WithEntities): WithActions {
  const { chosen, entityNames, relations, personaNames } = state;
  const finalActions: VisionAction[] = [];
  const actionKinds = new Map<string, ActionKind>();
  for (const a of state.actions) {
    if (!personaNames.has(a.actor)) continue;
    let entity = a.entity;
    const nominal = a.kind === 'transition' || a.kind === 'create' ? nominalFor(chosen, a.verb) : undefined;
    if (nominal && nominal !== entity) {
      if (entityNames.has(entity)) relations.push({ from: nominal, to: entity });
      if (entityNames.has(a.actor)) relations.push({ from: nominal, to: a.actor });
      entity = nominal;
    }
    if (!entityNames.has(entity)) continue;
    // Whoever brings a record into existence owns it ("customers place orders" → an order has a customer),
    // unless the verb reaches its object through a preposition ("sign up for shifts": many people per shift).
    if ((a.kind === 'create' || nominal) && !a.viaPreposition && a.actor !== entity)
      relations.push({ from: entity, to: a.actor });
    const verb = a.verb.replace(/\s+/g, '-');
    // On an occurrence entity the command reads with the thing acted on: "reserve tools" → ReserveTool.
    const name = pascalCase(`${a.verb} ${labelOf(entity !== a.entity ? a.entity : entity)}`);
    if (finalActions.some((f) => f.name === name)) continue;
    actionKinds.set(name, nominal === entity && a.kind === 'transition' ? 'create' : a.kind);
    finalActions.push({ name, verb, actor: a.actor, entity, evidence: a.evidence, source: 'stated' });
  }
  return { ...state, finalActions, actionKinds };
}
