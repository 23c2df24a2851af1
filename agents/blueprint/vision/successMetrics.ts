import type { SuccessMetric, VisionAction, VisionEntity } from '../../../toolchain/schemas/vision';
import type { Sentence } from './analysisState';
import type { Hints } from './hints';
import { capitalise, labelOf, plural } from '../../../toolchain/vision/language';
import { metricsInSentence } from './metrics';

/**
 * The vision's success metrics: the hints' when given, else the ones its goals or other sentences state, else
 * measurable ones proposed from its main flow and marked as derived.
 */
export function successMetrics(
  sentences: Sentence[],
  goals: string[],
  hints: Hints,
  entities: VisionEntity[],
  actions: VisionAction[],
  title: string,
): SuccessMetric[] {
  if (hints.metrics) {
    return hints.metrics.map((m) => {
      const parsed = metricsInSentence(m.target ? `${m.name} ${m.target}` : m.name, true)[0];
      return {
        name: capitalise(m.name),
        target: m.target || parsed?.target || 'stated without a number',
        ...(parsed?.value !== undefined ? { value: parsed.value } : {}),
        ...(parsed?.unit ? { unit: parsed.unit } : {}),
        source: 'stated' as const,
        evidence: 'front matter',
      };
    });
  }
  const inGoals = sentences.filter(
    (s) =>
      /goal|metric|success|outcome|target/.test(s.source.heading) ||
      goals.some((g) => s.source.text.includes(g.replace(/\.$/, ''))),
  );
  const fromGoals = inGoals.flatMap((s) => metricsInSentence(s.source.text));
  if (fromGoals.length > 0) return fromGoals;
  const stated = sentences.flatMap((s) => metricsInSentence(s.source.text));
  if (stated.length > 0) return stated;
  // No numbers in the vision: propose measurable ones from the core flow, marked as derived.
  const acted = (e: VisionEntity) => actions.filter((a) => a.entity === e.name).length;
  const core =
    entities.find((e) => e.states) ??
    [...entities].sort((a, b) => Number(a.isPersona) - Number(b.isPersona) || acted(b) - acted(a))[0];
  const derived: SuccessMetric[] = [
    {
      name: `${capitalise(plural(core.label))} handled through ${title} instead of by hand`,
      target: '90%',
      value: 90,
      unit: '%',
      source: 'derived',
      evidence: 'The vision states no numeric target; proposed from its main flow.',
    },
  ];
  const transition = actions.find((a) => a.transitionTo);
  if (transition) {
    derived.push({
      name: `Median time for a ${labelOf(transition.entity)} to become ${transition.transitionTo?.replace(/_/g, ' ')}`,
      target: 'under 24 hours',
      value: 24,
      unit: 'hours',
      source: 'derived',
      evidence: `Proposed from the action "${transition.evidence}"`,
    });
  }
  return derived;
}
