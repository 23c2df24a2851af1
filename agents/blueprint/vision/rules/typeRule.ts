import type { Persona, VisionAction, VisionEntity } from '../../../../toolchain/schemas/vision';
import { recogniseDerivedAmount, recogniseEffect } from './amounts';
import { recogniseComparison, recogniseNoOverlap, recogniseUniqueness } from './comparisons';
import { recogniseStateGuard, recogniseTimeWindow } from './guards';
import { recogniseLimit, recognisePrerequisite, type Recognised } from './limits';
import { recognisePermission } from './permissions';
import { prepareSentence } from './ruleSentence';

/**
 * Recognisers in order: the more specific phrasing first ("at least two reviews before approval" is a prerequisite,
 * not a comparison; "cannot review their own" is a permission, not a state guard).
 */
const recognisers = [
  recognisePermission,
  recognisePrerequisite,
  recogniseNoOverlap,
  recogniseUniqueness,
  recogniseLimit,
  recogniseTimeWindow,
  recogniseStateGuard,
  recogniseEffect,
  recogniseDerivedAmount,
  recogniseComparison,
];

/** The typed rule a sentence states in the analysed domain, or undefined when no recogniser reads one. */
export function typeRule(
  text: string,
  entities: VisionEntity[],
  personas: Persona[],
  actions: VisionAction[],
): Recognised | undefined {
  const sentence = prepareSentence(text, entities, personas, actions);
  // A reading about an entity the domain does not hold ("at most 5 packets" as a limit on Packet records) gives
  // way to a later one about an entity it does (a bound on the order's packets); it is kept only as a last resort.
  let stray: Recognised | undefined;
  for (const recognise of recognisers) {
    const found = recognise(sentence);
    if (found && sentence.known.has(found.entity)) return found;
    stray ??= found;
  }
  return stray;
}
