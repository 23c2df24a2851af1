import type { Vision } from '../../../toolchain/schemas/vision';
import { visionSchema } from '../../../toolchain/schemas/vision';
import { entityNameOf, labelOf, pluralNameOf } from '../../../toolchain/vision/language';

/**
 * Applies reviewer or gate feedback to a vision. Simple instructions are carried out ("add entity Deposit",
 * "remove entity Dispute", "remove attribute condition of Tool", "remove feature Dispute management", "add
 * persona Treasurer", "out of scope: deliveries"); everything else is
 * recorded as received, so the document shows it was read and what could not be applied automatically.
 */
/** "remove entity Dispute", "Remove the entity Dispute." */
export const removeEntityPattern =
  /\b(?:remove|drop) (?:the )?entity\s+["'`]?([A-Za-z][A-Za-z ]*?)["'`]?\s*(?:[.,;]|$)/i;
/** "remove attribute condition of Tool", "Remove the attribute condition from the Tool." */
export const removeAttributePattern =
  /\b(?:remove|drop) (?:the )?attribute\s+["'`]?([a-z][A-Za-z0-9]*)["'`]?\s+(?:of|from)\s+(?:the |a |an )?["'`]?([A-Za-z][A-Za-z ]*?)["'`]?\s*(?:[.,;]|$)/i;

/** Removes an entity and everything of the vision that only makes sense with it; false when there is none. */
function removeEntityFrom(vision: Vision, name: string): boolean {
  const { domain } = vision;
  if (!domain.entities.some((e) => e.name === name) || domain.entities.length === 1) return false;
  domain.entities = domain.entities.filter((e) => e.name !== name);
  for (const entity of domain.entities) entity.references = entity.references.filter((r) => r !== name);
  domain.actions = domain.actions.filter((a) => a.entity !== name);
  domain.rules = domain.rules.filter((r) => r.entity !== name);
  const gone = new Set(vision.features.filter((f) => f.entity === name).map((f) => f.name));
  vision.features = vision.features.filter((f) => f.entity !== name);
  vision.scope.in = vision.scope.in.filter((s) => !gone.has(s));
  return true;
}

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
    const removeEntity = removeEntityPattern.exec(item);
    const removeAttribute = removeAttributePattern.exec(item);
    if (removeEntity) {
      const name = entityNameOf(removeEntity[1]);
      applied = removeEntityFrom(next, name);
      outcome = applied
        ? `Removed entity ${name}, the references to it, its actions, rules and features.`
        : `No entity named ${name}; nothing removed.`;
    } else if (removeAttribute) {
      const [, attribute, entityName] = removeAttribute;
      const entity = next.domain.entities.find((e) => e.name === entityNameOf(entityName));
      const index = entity?.attributes.findIndex((a) => a.name === attribute) ?? -1;
      if (!entity || index < 0)
        outcome = `No attribute ${attribute} of ${entityNameOf(entityName)}; nothing removed.`;
      else if (entity.attributes.length === 1)
        outcome = `${attribute} is the only attribute of ${entity.name}; an entity keeps at least one, so nothing was removed.`;
      else {
        entity.attributes.splice(index, 1);
        // A rule that reads the attribute has nothing to read any more.
        next.domain.rules = next.domain.rules.filter(
          (r) => r.entity !== entity.name || !JSON.stringify(r.rule).includes(`"${attribute}"`),
        );
        outcome = `Removed attribute ${attribute} of ${entity.name} and the rules that read it.`;
        applied = true;
      }
    } else if (addEntity) {
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
