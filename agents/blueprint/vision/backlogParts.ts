import type { AnswerPart } from '../../../core/agent';
import type { Backlog } from '../../../toolchain/schemas/backlog';
import type { Roadmap } from './roadmap';

/**
 * Features per call when a model writes the backlog: a feature's epic and stories take about 400 to 1,400 tokens
 * (measured on the example visions), so four stay well under the 8,000 tokens one answer may need.
 */
export const featuresPerPart = 4;

/** The line of a part's focus that names its features, for the model and for whoever reads the prompt. */
export const partFeaturesLine = 'Features of this part:';

/** The backlog in parts of `featuresPerPart` features, in roadmap order. */
export function backlogParts(roadmap: Roadmap): AnswerPart[] {
  const features = roadmap.releases.flatMap((r) => r.features);
  const parts: AnswerPart[] = [];
  const count = Math.ceil(features.length / featuresPerPart);
  for (let i = 0; i < features.length; i += featuresPerPart) {
    const chunk = features.slice(i, i + featuresPerPart);
    const number = parts.length + 1;
    parts.push({
      id: `features-${chunk.map((f) => f.id).join('-')}`,
      focus: [
        `This call writes part ${number} of ${count} of the backlog: the epics and stories of these features only.`,
        `${partFeaturesLine} ${chunk.map((f) => `${f.id} (${f.name})`).join(', ')}.`,
        'Number epics from EP-01 and stories from US-001 within this part: the parts are renumbered when merged.',
      ].join('\n'),
    });
  }
  return parts;
}

/**
 * The share of a whole backlog that a part over `features` asks for, numbered from 1 as the focus says: what
 * a model answering that part would write (the token bench measures parts with it).
 */
export function backlogPart(whole: Backlog, features: string[]): Backlog {
  const epics = whole.epics.filter((e) => features.includes(e.feature));
  const id = new Map(epics.map((e, i) => [e.id, `EP-${String(i + 1).padStart(2, '0')}`]));
  return {
    product: whole.product,
    epics: epics.map((e) => ({ ...e, id: id.get(e.id)! })),
    stories: whole.stories
      .filter((s) => id.has(s.epic))
      .map((s, i) => ({ ...s, epic: id.get(s.epic)!, id: `US-${String(i + 1).padStart(3, '0')}` })),
  };
}

/** The features a part's focus names. */
export const featuresOfPart = (focus: string): string[] =>
  [...(focus.split('\n').find((l) => l.startsWith(partFeaturesLine)) ?? '').matchAll(/\b(F\d+) \(/g)].map(
    (m) => m[1],
  );

/**
 * One backlog from the parts' answers: epics and stories in part order, renumbered, each story moved with its
 * epic. An epic for a feature an earlier part already covered is dropped with its stories.
 */
export function mergeBacklogParts(answers: Backlog[]): Backlog {
  const merged: Backlog = { product: answers[0].product, epics: [], stories: [] };
  const covered = new Set<string>();
  for (const answer of answers) {
    const epicIds = new Map<string, string>();
    for (const epic of answer.epics) {
      if (covered.has(epic.feature)) continue;
      covered.add(epic.feature);
      const id = `EP-${String(merged.epics.length + 1).padStart(2, '0')}`;
      epicIds.set(epic.id, id);
      merged.epics.push({ ...epic, id });
    }
    for (const story of answer.stories) {
      const epic = epicIds.get(story.epic);
      if (!epic) continue;
      merged.stories.push({ ...story, epic, id: `US-${String(merged.stories.length + 1).padStart(3, '0')}` });
    }
  }
  return merged;
}
