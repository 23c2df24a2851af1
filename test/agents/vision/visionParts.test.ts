import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseVision } from '../../../agents/blueprint/vision/analyse';
import {
  mergeVisionParts,
  partBytes,
  visionPart,
  visionPartOf,
  visionParts,
} from '../../../agents/blueprint/vision/visionParts';
import { visionSchema, type Vision } from '../../../toolchain/schemas/vision';

const root = join(__dirname, '../../..');
const large = readFileSync(join(root, 'bench/visions/large/harbour-town.md'), 'utf8');
const names = (vision: Vision) => ({
  entities: vision.domain.entities.map((e) => e.name).sort(),
  actions: vision.domain.actions.map((a) => a.name).sort(),
  rules: vision.domain.rules.map((r) => r.text).sort(),
  features: vision.features.map((f) => f.name).sort(),
  personas: vision.personas.map((p) => p.name).sort(),
  metrics: vision.successMetrics.map((m) => m.name).sort(),
});

describe('a vision document asked of a model in parts', () => {
  it('reads the example visions in one call and a longer one a few paragraphs per call, every paragraph once', () => {
    for (const example of ['neighbourhood-tool-library.md', 'clinic-appointments.md'])
      expect(visionParts(readFileSync(join(root, 'examples/visions', example), 'utf8'))).toEqual([]);
    const parts = visionParts(large);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    const quoted = parts.map((p) => visionPartOf(p.focus)!);
    expect(quoted.map((q) => q.number)).toEqual(parts.map((_, i) => i + 1));
    for (const q of quoted) expect(Buffer.byteLength(q.paragraphs.trim())).toBeLessThanOrEqual(partBytes);
    const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
    expect(squash(quoted.map((q) => q.paragraphs).join(' '))).toBe(squash(large));
    expect(parts[0].focus).toMatch(/whole frame/);
    expect(parts[1].focus).toMatch(/repeat only the title and slug/);
  });

  it('merges the parts into a vision with everything one answer has, each thing once', () => {
    const whole = analyseVision(large);
    expect(whole.domain.entities.length).toBeGreaterThan(10);
    const answers = visionParts(large).map((p) => visionPart(whole, p.focus));
    // Each part carries only its own share of the domain.
    for (const answer of answers.slice(1))
      expect(answer.domain.actions.length).toBeLessThan(whole.domain.actions.length);
    const merged = mergeVisionParts(answers);
    expect(visionSchema.safeParse(merged).success).toBe(true);
    expect(names(merged)).toEqual(names(whole));
    expect(merged.features.map((f) => f.id)).toEqual(
      merged.features.map((_, i) => `F${String(i + 1).padStart(2, '0')}`),
    );
    expect(merged.title).toBe(whole.title);
    expect(merged.problem).toBe(whole.problem);
  });

  it('gives an entity two parts describe the attributes and links of both, and counts its mentions', () => {
    const whole = analyseVision(large);
    const entity = whole.domain.entities.find((e) => e.attributes.length >= 2)!;
    const [a, b] = [entity.attributes.slice(0, 1), entity.attributes.slice(1)];
    const part = (attributes: typeof a, mentions: number): Vision => ({
      ...whole,
      domain: { ...whole.domain, entities: [{ ...entity, attributes, mentions }] },
    });
    const merged = mergeVisionParts([part(a, 2), part(b, 3)]);
    expect(merged.domain.entities).toEqual([{ ...entity, attributes: [...a, ...b], mentions: 5 }]);
  });
});
