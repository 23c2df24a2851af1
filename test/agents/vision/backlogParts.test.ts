import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseVision } from '../../../agents/blueprint/vision/analyse';
import { buildBacklog } from '../../../agents/blueprint/vision/backlogBuilder';
import {
  backlogPart,
  backlogParts,
  featuresOfPart,
  featuresPerPart,
  mergeBacklogParts,
} from '../../../agents/blueprint/vision/backlogParts';
import { buildRoadmap } from '../../../agents/blueprint/vision/roadmap';
import { backlogSchema } from '../../../toolchain/schemas/backlog';

const vision = analyseVision(
  readFileSync(join(__dirname, '../../../examples/visions/neighbourhood-tool-library.md'), 'utf8'),
);
const roadmap = buildRoadmap(vision);
const whole = buildBacklog(vision, roadmap);

const answerFor = (features: string[]) => backlogPart(whole, features);

describe('a backlog asked of a model in parts', () => {
  it('covers every roadmap feature once, a few per part, in roadmap order', () => {
    const parts = backlogParts(roadmap);
    const features = roadmap.releases.flatMap((r) => r.features.map((f) => f.id));
    expect(parts).toHaveLength(Math.ceil(features.length / featuresPerPart));
    const named = parts.flatMap((p) => featuresOfPart(p.focus));
    expect(named).toEqual(features);
    expect(new Set(parts.map((p) => p.id)).size).toBe(parts.length);
  });

  it('merges the parts into the backlog one answer would be, epics and stories renumbered together', () => {
    const answers = backlogParts(roadmap).map((p) => answerFor(featuresOfPart(p.focus)));
    expect(answers[1].epics[0].id).toBe('EP-01');
    const merged = mergeBacklogParts(answers);
    expect(merged).toEqual(whole);
    expect(backlogSchema.safeParse(merged).success).toBe(true);
  });

  it('keeps the first epic of a feature two parts both wrote, and drops the repeat with its stories', () => {
    const first = answerFor(['F01', 'F02']);
    const second = answerFor(['F02', 'F03']);
    const merged = mergeBacklogParts([first, second]);
    expect(merged.epics.map((e) => [e.id, e.feature])).toEqual([
      ['EP-01', 'F01'],
      ['EP-02', 'F02'],
      ['EP-03', 'F03'],
    ]);
    const f02 = whole.stories.filter((s) => s.epic === whole.epics.find((e) => e.feature === 'F02')!.id);
    expect(merged.stories.filter((s) => s.epic === 'EP-02')).toHaveLength(f02.length);
    expect(merged.stories.map((s) => s.id)).toEqual(
      merged.stories.map((_, i) => `US-${String(i + 1).padStart(3, '0')}`),
    );
  });
});
