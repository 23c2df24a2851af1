import type { Feature, Persona, VisionAction, VisionEntity } from '../../../toolchain/schemas/vision';
import type { ActionKind } from './analysisState';
import { capitalise, labelOf, pascalCase, plural } from '../../../toolchain/vision/language';

/**
 * One feature per entity, ranked by how much the vision does with it: a lifecycle, a register or management,
 * prioritised must / should / could.
 */
export function featuresOf(
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
