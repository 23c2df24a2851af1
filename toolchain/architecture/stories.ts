/** A user story as the architecture side needs it: id, the entity it is about, its epic and its text. */
export interface StoryRef {
  id: string;
  entity: string;
  epic: string;
  title: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * User stories from the backlog JSON, whether listed at the top level or inside their epics. Read structurally
 * so that the gate can report on a malformed backlog instead of failing on it.
 */
export function storiesOf(backlog: unknown): StoryRef[] {
  if (!isObject(backlog)) return [];
  const found: Array<{ story: Json; epic: string }> = [];
  if (Array.isArray(backlog.stories))
    for (const story of backlog.stories) if (isObject(story)) found.push({ story, epic: text(story.epic) });
  if (Array.isArray(backlog.epics)) {
    for (const epic of backlog.epics) {
      if (!isObject(epic) || !Array.isArray(epic.stories)) continue;
      for (const story of epic.stories)
        if (isObject(story))
          found.push({ story, epic: text(story.epic) || text(epic.id) || text(epic.name) });
    }
  }
  return found.map(({ story, epic }, index) => ({
    id: text(story.id) || `#${index + 1}`,
    entity: text(story.entity),
    epic,
    title: text(story.title) || text(story.text) || text(story.narrative),
  }));
}
