import type { WithRules } from './analysisState';

/**
 * The sentences about the product from which the analysis took nothing: none of their noun phrases names an entity
 * or persona of the result, and no action came from them. They are said, not dropped silently, so a person or the
 * model can resolve them (the vision gate lists them).
 */
export function unreadSentences(state: WithRules): string[] {
  const { registry, resolve, entityNames, personaNames, finalActions } = state;
  const named = (name: string | undefined) =>
    name !== undefined && (entityNames.has(resolve(name)) || personaNames.has(resolve(name)));
  const evidence = new Set(finalActions.map((action) => action.evidence));
  return state.domainSentences
    .filter(
      (s) =>
        !evidence.has(s.source.text) &&
        !s.parses.some((p) => p.nounPhrases.some((np) => named(registry.nameOf(np)))),
    )
    .map((s) => s.source.text);
}
