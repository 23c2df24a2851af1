import type { VisionAttribute } from '../../../toolchain/schemas/vision';
import type { WithEntities } from './analysisState';
import type { Candidate } from './candidates';
import { nominalisations, typeOfField } from './vocabulary';

/** A stretch of time stated as one thing ("for a time slot", "with the dates"): it starts and it ends. */
const spans: ReadonlyMap<string, 'datetime' | 'date'> = new Map([
  ['timeSlot', 'datetime'],
  ['slot', 'datetime'],
  ['timeWindow', 'datetime'],
  ['dates', 'date'],
  ['period', 'date'],
]);

/** Records of money owed or paid, named by what they are rather than by a money word ("an invoice"). */
const moneyRecords = new Set(['invoice', 'bill', 'receipt', 'payment', 'refund']);

/** Verbs whose occurrence is held for a stretch of time: a booking, a reservation, a rental. */
const holdingVerbs = ['book', 'reserve', 'rent', 'hire'];

/**
 * The implied-attribute pass: facts a reader takes for granted once the text names a thing. A span stated
 * as one value is a start and an end; a thing booked for a while has a start and an end; a charge or an
 * invoice has an amount. Stated attributes always win.
 */
export function addImpliedAttributes(state: WithEntities): WithEntities {
  for (const c of state.chosen) {
    splitSpans(c);
    if (isHeld(c)) addBounds(c, 'Time', 'datetime', `while the ${c.label} lasts`);
    if (isMoneyRecord(c)) addAttribute(c, 'amount', 'money', `How much the ${c.label} is for`);
  }
  return state;
}

function splitSpans(c: Candidate): void {
  for (const [name, type] of spans) {
    const span = c.attributes.get(name);
    if (!span) continue;
    c.attributes.delete(name);
    addBounds(c, type === 'date' ? 'Date' : 'Time', type, span.description);
  }
}

function isHeld(c: Candidate): boolean {
  const holds = holdingVerbs.some((v) => nominalisations(v).includes(c.label));
  return holds && ![...c.attributes.keys()].some((a) => /^(start|end)/.test(a));
}

function isMoneyRecord(c: Candidate): boolean {
  const head = c.label.split(' ').pop() ?? '';
  return (
    (moneyRecords.has(head) || typeOfField(head) === 'money') &&
    ![...c.attributes.values()].some((a) => a.type === 'money')
  );
}

function addBounds(c: Candidate, unit: 'Time' | 'Date', type: 'datetime' | 'date', why: string): void {
  addAttribute(c, `start${unit}`, type, `When it starts: ${why}`);
  addAttribute(c, `end${unit}`, type, `When it ends: ${why}`);
}

function addAttribute(c: Candidate, name: string, type: VisionAttribute['type'], description: string): void {
  if (c.attributes.has(name)) return;
  c.attributes.set(name, { name, type, required: false, description, source: 'derived' });
}
