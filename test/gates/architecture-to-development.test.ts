import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateService } from '../../toolchain/backend/generateService';
import { createAgentContext } from '../../agents/runtime/agentContext';
import { buildOpenApi } from '../../agents/blueprint/architecture/openapi';
import {
  architectureToDevelopmentCriteria,
  architectureToDevelopmentGate,
} from '../../gates/architecture-to-development';
import { FilesystemArtifactStore } from '../../platform/artifacts/filesystemArtifactStore';
import { readFileSync } from 'node:fs';
import { analyseVision } from '../../agents/blueprint/vision/analyse';
import { deriveDomainModel } from '../../agents/blueprint/vision/domainDerivation';
import { clinicModel } from '../agents/development/fixtures';

type Inputs = Parameters<typeof createAgentContext>[0]['inputs'];

/** An agent context of this phase over a store, as the gate (or an agent writing its inputs) sees it. */
const phaseContext = (store: FilesystemArtifactStore, agent: string, inputs: Inputs) =>
  createAgentContext({
    store,
    runId: 'r',
    tenantId: 't',
    iteration: 1,
    attempt: 1,
    phase: 'architecture-to-development',
    agent,
    inputs,
  });

describe('architectureToDevelopmentGate', () => {
  it('evaluates every criterion in its list, so adding one is one line', async () => {
    const ctx = phaseContext(new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'gate-'))), 'gate', []);
    const extra = async () => ({
      name: 'extra criterion',
      value: 1,
      threshold: 1,
      passed: true,
      findings: [],
    });
    architectureToDevelopmentCriteria.push(extra);
    try {
      const criteria = await architectureToDevelopmentGate.evaluate(ctx);
      expect(criteria.map((c) => c.name).slice(-1)).toEqual(['extra criterion']);
      expect(criteria.find((c) => c.name === 'backend services generated')).toMatchObject({
        passed: false,
        findings: ['no service-source artifact was produced'],
      });
    } finally {
      architectureToDevelopmentCriteria.pop();
    }
  });

  it('names every OpenAPI operation of a context that has no generated service', async () => {
    const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'gate-')));
    const ctx0 = phaseContext(store, 'x', []);
    const billing = clinicModel.contexts[1];
    const service = generateService(clinicModel, billing);
    const serviceRef = await ctx0.writeFolder({
      folder: service.folder,
      kind: 'service-source',
      files: service.files,
    });
    const docs = [];
    for (const context of clinicModel.contexts) {
      docs.push(
        await ctx0.write({
          path: `api/${context.slug}.openapi.json`,
          kind: 'openapi',
          contentType: 'application/json',
          content: JSON.stringify(buildOpenApi(clinicModel, context)),
        }),
      );
    }
    const ctx = phaseContext(store, 'gate', [serviceRef, ...docs]);
    const criteria = await architectureToDevelopmentGate.evaluate(ctx);
    const handlers = criteria.find((c) => c.name === 'OpenAPI operations without a handler')!;
    expect(handlers.findings).toEqual([
      'no service was generated for iteration-1/architecture-to-development/attempt-1/api/scheduling.openapi.json (expected services/scheduling)',
    ]);
    expect(criteria.find((c) => c.name === 'service type-check diagnostics')?.passed).toBe(true);
  });

  it('fails when a service does not check a rule of the vision, naming the rule', async () => {
    const vision = readFileSync(
      join(__dirname, '..', '..', 'examples', 'visions', 'rules', 'meeting-rooms.md'),
      'utf8',
    );
    const model = deriveDomainModel(analyseVision(vision));
    /** The gate's rule criterion over the services generated from the model, with their use cases edited. */
    const criterion = async (edit: (content: string) => string) => {
      const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'gate-')));
      const context = (agent: string, inputs: Inputs) => phaseContext(store, agent, inputs);
      const writer = context('x', []);
      const refs = [
        await writer.write({
          path: 'architecture/domain-model.json',
          kind: 'domain-model',
          contentType: 'application/json',
          content: JSON.stringify(model),
        }),
      ];
      for (const c of model.contexts) {
        const service = generateService(model, c);
        refs.push(
          await writer.writeFolder({
            folder: service.folder,
            kind: 'service-source',
            files: service.files.map((f) =>
              f.path.includes('UseCases') ? { ...f, content: edit(f.content) } : f,
            ),
          }),
        );
      }
      const criteria = await architectureToDevelopmentGate.evaluate(context('gate', refs));
      return criteria.find((c) => c.name === 'vision rules checked in code and tested')!;
    };
    expect(await criterion((content) => content)).toMatchObject({
      passed: true,
      value: 5,
      threshold: 5,
      findings: [],
    });
    // The overlap check answers with another rule's id: the overlap rule is no longer checked anywhere.
    const dropped = await criterion((content) =>
      content.replace('rules["booking-rule-1"], 409', 'rules["booking-rule-4"], 409'),
    );
    expect(dropped).toMatchObject({ passed: false, value: 4, threshold: 5 });
    expect(dropped.findings).toEqual([
      'services/bookings: rule booking-rule-1 ("Two bookings of the same room must not overlap.") is not checked by any use case',
    ]);
  });
});
