import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextOperations, collectionPath } from '../../../toolchain/apiConventions';
import { domainModelSchema, type DomainModel } from '../../../toolchain/schemas/domainModel';
import { visionToArchitectureAgents } from '../../../agents/vision-to-architecture';
import { runAgents } from '../../support/agentHarness';
import { evaluateGate } from './support';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const root = join(__dirname, '../../..');
const visions = readdirSync(join(root, 'examples/visions'))
  .filter((f) => f.endsWith('.md'))
  .sort()
  .map((f) => [f, readFileSync(join(root, 'examples/visions', f), 'utf8')] as const);

describe('phase 1 agents end to end', () => {
  it('runs the nine agents in the seed order', () => {
    expect(visionToArchitectureAgents.map((a) => a.name)).toEqual([
      'visionArchitect',
      'productManager',
      'productOwner',
      'businessAnalyst',
      'uxDesigner',
      'enterpriseArchitect',
      'solutionArchitect',
      'eventDrivenArchitect',
      'apiDesigner',
    ]);
    for (const agent of visionToArchitectureAgents) expect(agent.phase).toBe('vision-to-architecture');
  });

  it.each(visions)('turns %s into architecture artifacts that pass the gate', async (_file, text) => {
    const run = await runAgents(visionToArchitectureAgents, { visionText: text });
    const model = domainModelSchema.parse(await run.json<DomainModel>('domain-model'));
    const criteria = await evaluateGate(run);
    expect(criteria.filter((c) => !c.passed)).toEqual([]);
    for (const kind of ['context-map', 'architecture-blueprint', 'solution-architecture', 'asyncapi'])
      expect(run.all(kind).length).toBeGreaterThan(0);
    expect(run.all('openapi')).toHaveLength(model.contexts.length);
    expect(run.all('event-schema')).toHaveLength(model.contexts.reduce((n, c) => n + c.events.length, 0));
    expect(run.all('adr').length).toBeGreaterThanOrEqual(9);
    for (const context of model.contexts) {
      const ref = run.all('openapi').find((r) => r.path.endsWith(`api/${context.slug}.openapi.json`))!;
      const doc = JSON.parse(
        (await run.store.get(run.tenantId, run.runId, ref.path)).toString('utf8'),
      ) as Doc;
      const ids = Object.values(doc.paths as Record<string, Doc>).flatMap((item) =>
        Object.values(item)
          .map((op) => (op as Doc).operationId)
          .filter(Boolean),
      );
      expect(ids.sort()).toEqual(
        [...contextOperations(context).map((op) => op.operationId), 'getHealth'].sort(),
      );
      for (const entity of context.entities) expect(doc.paths[collectionPath(entity)]).toBeDefined();
    }
  });

  it('produces byte-identical artifacts for the same vision and different domains for different visions', async () => {
    const [first, second] = visions;
    const read = async (text: string) => {
      const run = await runAgents(visionToArchitectureAgents, { visionText: text });
      const out: Record<string, string> = {};
      for (const ref of run.refs)
        out[ref.path] = (await run.store.get(run.tenantId, run.runId, ref.path)).toString('utf8');
      return out;
    };
    const a = await read(first[1]);
    expect(await read(first[1])).toEqual(a);
    const b = await read(second[1]);
    const modelOf = (files: Record<string, string>) =>
      files[Object.keys(files).find((p) => p.endsWith('architecture/domain-model.json'))!];
    expect(modelOf(b)).not.toEqual(modelOf(a));
  });
});
