import type { Vision } from '../../../toolchain/schemas/vision';
import { visionSchema } from '../../../toolchain/schemas/vision';
import { entityNameOf, labelOf, pluralNameOf } from '../../../toolchain/vision/language';

/**
 * Applies reviewer or gate feedback to a vision. Simple instructions are carried out ("add entity Deposit",
 * "remove feature Dispute management", "add persona Treasurer", "out of scope: deliveries"); everything else is
 * recorded as received, so the document shows it was read and what could not be applied automatically.
 */
export function applyFeedback(vision: Vision, feedback: string[]): Vision {
  const next: Vision = structuredClone(vision);
  for (const raw of feedback) {
    const item = raw.trim();
    if (!item) continue;
    let outcome = 'Recorded; no automatic change matches this feedback, so it is listed for the next review.';
    let applied = false;
    const addEntity = /\badd (?:an? )?entity\s+["'`]?([A-Za-z][A-Za-z ]*?)["'`]?(?:[.,;]|$)/i.exec(item);
    const removeFeature = /\b(?:remove|drop) (?:the )?feature\s+["'`]?([^"'`.;]+)["'`]?/i.exec(item);
    const addPersona =
      /\badd (?:a )?(?:persona|actor|role)\s+["'`]?([A-Za-z][A-Za-z ]*?)["'`]?(?:[.,;]|$)/i.exec(item);
    const outOfScope = /\bout of scope\s*:\s*(.+)$/i.exec(item);
    if (addEntity) {
      const name = entityNameOf(addEntity[1]);
      if (next.domain.entities.some((e) => e.name === name))
        outcome = `Entity ${name} was already part of the domain.`;
      else {
        next.domain.entities.push({
          name,
          plural: pluralNameOf(name),
          label: labelOf(name),
          description: `A ${labelOf(name)}, added on review feedback.`,
          attributes: [
            {
              name: 'name',
              type: 'string',
              required: true,
              description: `A short name that identifies the ${labelOf(name)}`,
              source: 'derived',
            },
          ],
          references: [],
          isPersona: false,
          mentions: 0,
          source: 'derived',
        });
        outcome = `Added entity ${name}.`;
      }
      applied = true;
    } else if (removeFeature) {
      const wanted = removeFeature[1].trim().toLowerCase();
      const before = next.features.length;
      next.features = next.features.filter(
        (f) => f.name.toLowerCase() !== wanted && f.id.toLowerCase() !== wanted,
      );
      applied = next.features.length < before;
      if (applied) {
        next.scope.in = next.scope.in.filter((s) => s.toLowerCase() !== wanted);
        next.scope.out.push(`${removeFeature[1].trim()} (removed on review)`);
        outcome = `Removed feature "${removeFeature[1].trim()}" and moved it out of scope.`;
      } else outcome = `No feature named "${removeFeature[1].trim()}" exists; nothing removed.`;
    } else if (addPersona) {
      const name = entityNameOf(addPersona[1]);
      if (!next.personas.some((p) => p.name === name)) {
        next.personas.push({
          name,
          label: labelOf(name),
          plural: labelOf(pluralNameOf(name)),
          description: `Added on review feedback: ${item}`,
          responsibilities: [],
          source: 'derived',
        });
        outcome = `Added persona ${name}.`;
      } else outcome = `Persona ${name} was already present.`;
      applied = true;
    } else if (outOfScope) {
      next.scope.out.push(outOfScope[1].trim());
      outcome = `Added "${outOfScope[1].trim()}" to the out-of-scope list.`;
      applied = true;
    }
    next.feedbackAddressed.push({ feedback: item, outcome, applied });
  }
  return visionSchema.parse(next);
}
