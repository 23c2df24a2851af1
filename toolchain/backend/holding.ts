import type { BoundedContext, Entity } from '../schemas/domainModel';

/**
 * Things that are lent or hired out: "a tool cannot be reserved while it is on loan", "a member may borrow at
 * most 3 tools at the same time". Visions say a thing is on loan (or borrowed, checked out, rented) when the record
 * that hands it over (a reservation, booking or rental) is in the state its hand-over command leads to ("picked
 * up", "collected", "checked out") and not yet returned. The thing itself usually has no such state, so the rule
 * plan reads these words through the record that holds it.
 */

/** States a thing is said to be in while someone has it. */
const heldWords = new Set([
  'on_loan',
  'out_on_loan',
  'loaned',
  'lent',
  'lent_out',
  'borrowed',
  'checked_out',
  'rented',
  'rented_out',
  'hired',
  'hired_out',
  'on_hire',
  'in_use',
  'taken_out',
  'out',
]);

/** Names of records that stand for someone having a thing ("a loan", "a rental"). */
const holdingNouns = new Set(['Loan', 'Borrowing', 'Lending', 'Rental', 'Hire', 'Checkout']);

/** States of a hand-over record in which the thing is with the person who took it. */
const handedOver = new Set([
  'picked_up',
  'collected',
  'checked_out',
  'borrowed',
  'lent',
  'loaned',
  'on_loan',
  'rented',
  'hired',
  'issued',
  'handed_over',
  'in_use',
  'out',
]);

/** Whether every state a rule names says the thing is with someone ("on loan", "borrowed"). */
export function saysHeld(states: string[]): boolean {
  return states.length > 0 && states.every((s) => heldWords.has(s));
}

/** Whether an entity's name stands for someone having a thing ("Loan") rather than for a record of its own. */
export function isHoldingNoun(entity: Entity): boolean {
  return holdingNouns.has(entity.name);
}

/** The record that holds a thing: it refers to the thing, and the states in which it has handed the thing over. */
export interface Holder {
  entity: Entity;
  /** Its reference to the thing. */
  via: string;
  states: string[];
}

/**
 * The entity of the context whose records hand `thing` over (a Reservation with a toolId and a "picked_up" state),
 * when exactly one does; undefined when none or several do, so a rule is not read through a guess.
 */
export function holderOf(context: BoundedContext, thing: string): Holder | undefined {
  const holders = context.entities.flatMap((entity) => {
    const via = entity.relations.find((r) => r.kind === 'belongsTo' && r.target === thing)?.via;
    const states = (entity.states ?? []).filter((s) => handedOver.has(s));
    return via && states.length > 0 ? [{ entity, via, states }] : [];
  });
  return holders.length === 1 ? holders[0] : undefined;
}
