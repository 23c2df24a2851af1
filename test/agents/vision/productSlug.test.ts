import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEventSchema } from '../../../agents/blueprint/architecture/asyncapi';
import { jsonSchemaProblems } from '../../../toolchain/architecture/validation';
import { analyseVision } from '../../../agents/blueprint/vision/analyse';
import { deriveDomainModel } from '../../../agents/blueprint/vision/domainDerivation';
import {
  maxProductSlugLength,
  productSlugOf,
  productSlugSchema,
} from '../../../toolchain/schemas/productSlug';
import { visionToArchitectureAgents } from '../../../agents/vision-to-architecture';
import { runAgents } from '../../support/agentHarness';
import { evaluateGate } from '../architecture/support';

const toolLibrary = readFileSync(
  join(__dirname, '../../../examples/visions/neighbourhood-tool-library.md'),
  'utf8',
);
const longTitle = 'The Extraordinarily Comprehensive Neighbourhood Tool Library Platform For Everyone';
const withTitle = (title: string) => toolLibrary.replace(/^# .*$/m, `# ${title}`);
const urnNid = /^urn:([A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]):/;

describe('the product slug', () => {
  it('keeps short titles as kebab-case', () => {
    expect(productSlugOf('ToolShed')).toBe('tool-shed');
    expect(productSlugOf('Clinic Appointments')).toBe('clinic-appointments');
  });

  it('cuts long titles to a URN namespace, keeping titles with the same beginning apart', () => {
    const a = productSlugOf(longTitle);
    const b = productSlugOf(`${longTitle} Two`);
    for (const slug of [a, b]) {
      expect(slug.length).toBeLessThanOrEqual(maxProductSlugLength);
      expect(productSlugSchema.safeParse(slug).success).toBe(true);
      expect(slug.startsWith('the-extraordinarily-compr-')).toBe(true);
    }
    expect(a).not.toBe(b);
    expect(productSlugOf(longTitle)).toBe(a);
  });

  it.each(['{}', '<script>', 'A', '日本語のツール', '123', '-- x --'])('gives %j a valid slug', (title) => {
    expect(productSlugSchema.safeParse(productSlugOf(title)).success).toBe(true);
  });

  it('is refused by the schemas when a provider writes one that breaks the URN rule', () => {
    for (const slug of ['a', 'x-', 'a'.repeat(33), 'Tool-shed', '1tools'])
      expect(productSlugSchema.safeParse(slug).success).toBe(false);
  });

  it('makes event schema ids that compile for a title over 32 characters', () => {
    const vision = analyseVision(withTitle(longTitle));
    const model = deriveDomainModel(vision);
    const context = model.contexts.find((c) => c.events.length > 0)!;
    const schema = buildEventSchema(model, context, context.events[0]);
    expect(urnNid.exec(String(schema.$id))?.[1]).toBe(vision.slug);
    expect(jsonSchemaProblems(schema)).toEqual([]);
  });

  it('lets a vision with a long title pass the Vision to Architecture gate', async () => {
    const run = await runAgents(visionToArchitectureAgents, { visionText: withTitle(longTitle) });
    const failed = (await evaluateGate(run)).filter((c) => !c.passed);
    expect(failed).toEqual([]);
  }, 120000);
});
