import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentDefinition, ArtifactRef } from '../../../core/agent';
import { adrFiles } from '../../../toolchain/architecture/adr';
import { enterpriseDecisions } from '../../../agents/blueprint/architecture/decisions';
import { renderContextMap } from '../../../agents/blueprint/architecture/landscape';
import { allEntities, words } from '../../../toolchain/architecture/model';
import type { DomainModel } from '../../../toolchain/schemas/domainModel';
import { apiDesigner } from '../../../agents/vision-to-architecture/apiDesigner';
import { eventDrivenArchitect } from '../../../agents/vision-to-architecture/eventDrivenArchitect';
import { solutionArchitect } from '../../../agents/vision-to-architecture/solutionArchitect';
import type { GateCriterion } from '../../../core/gate';
import { visionToArchitectureGate } from '../../../gates/vision-to-architecture';
import { FilesystemArtifactStore } from '../../../platform/artifacts/filesystemArtifactStore';
import { gateContext, runAgents, type HarnessRun } from '../../support/agentHarness';
import type { ArtifactKind } from '../../../core/artifactKinds';

export const designAgents = [solutionArchitect, eventDrivenArchitect, apiDesigner] as Array<
  AgentDefinition<unknown>
>;

/** Puts a file into a run as if an agent had written it, and returns its reference. */
export async function put(
  store: FilesystemArtifactStore,
  path: string,
  kind: ArtifactKind,
  content: string,
  runId = 'run-1',
): Promise<ArtifactRef> {
  const entry = await store.put('test', runId, path, content, {
    kind,
    phase: 'vision-to-architecture',
    agent: 'test',
    contentType: 'text/plain',
  });
  return { path: entry.path, sha256: entry.sha256, kind };
}

/** The product-side artifacts the gate reads, written by hand for a domain model: a story and a mockup per entity. */
export function productSide(
  model: DomainModel,
): Array<{ path: string; kind: ArtifactKind; content: string }> {
  const stories = allEntities(model).map(({ entity }, i) => ({
    id: `S-${i + 1}`,
    epic: `E-${i + 1}`,
    entity: entity.name,
    title: `As a user, I want to manage ${words(entity.plural).toLowerCase()}`,
  }));
  const mockups = allEntities(model).map(({ entity }) => ({
    path: `ux/mockups/${entity.slug}.html`,
    kind: 'ux-mockup' as const,
    content: `<!doctype html>\n<html lang="en"><head><title>${words(entity.plural)}</title></head><body><h1>${words(entity.plural)}</h1></body></html>\n`,
  }));
  return [
    // Only the part of the vision the gate reads; Invoice stands for an entity the analysis found but the model lacks.
    {
      path: 'vision/vision.json',
      kind: 'vision',
      content: JSON.stringify({
        domain: {
          entities: [...allEntities(model).map((r) => ({ name: r.entity.name })), { name: 'Invoice' }],
        },
      }),
    },
    { path: 'backlog/backlog.json', kind: 'backlog', content: JSON.stringify({ epics: [], stories }) },
    ...mockups,
    { path: 'architecture/context-map.mmd', kind: 'context-map', content: renderContextMap(model) },
    { path: 'architecture/domain-model.json', kind: 'domain-model', content: JSON.stringify(model, null, 2) },
    ...adrFiles(enterpriseDecisions(model)).map((f) => ({
      path: f.path,
      kind: 'adr' as const,
      content: String(f.content),
    })),
  ];
}

/** Runs the three design agents on a domain model, with the product-side artifacts in place. */
export async function designRun(model: DomainModel, feedback?: string[]): Promise<HarnessRun> {
  const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'factory-architecture-')));
  const inputs: ArtifactRef[] = [];
  for (const file of productSide(model))
    inputs.push(await put(store, `given/${file.path}`, file.kind, file.content));
  return runAgents(designAgents, { visionText: '# unused\n', store, inputs, feedback });
}

/** Evaluates the phase gate on a set of references. */
export async function evaluateGate(
  run: HarnessRun,
  refs: ArtifactRef[] = run.refs,
): Promise<GateCriterion[]> {
  const inputs = refs.filter((r) => visionToArchitectureGate.reads.includes(r.kind));
  return visionToArchitectureGate.evaluate(gateContext(run, 'vision-to-architecture', inputs));
}

/** Every artifact of a run as path → content, without the attempt folder, for byte comparisons. */
export async function contents(run: HarnessRun): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  for (const ref of run.refs)
    entries[ref.path] = (await run.store.get(run.tenantId, run.runId, ref.path)).toString('utf8');
  return entries;
}
