import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { RunInput } from '../../core/workflowContracts';
import { createPorts, type Ports } from '../../platform/config';
import { readManifest } from '../../runs/manifest';
import { startChange } from '../../runs/startChange';
import { startFromPhase, type GivenFile } from '../../runs/startFromPhase';
import { InvalidRunRequestError, type RunsClient } from '../../runs/startRun';
import type { DomainModel } from '../../toolchain/schemas/domainModel';
import { toolLibraryBacklog } from '../support/fixtures/toolLibraryBacklog';

type Json = Record<string, unknown>;

/*
 * A run on an architecture a person wrote: the example folder starts a run at Architecture to Development with
 * its files as the run's inputs; a folder with anything missing, unreadable or inconsistent is refused with each
 * problem named, before anything is stored or started.
 */

const example = join(__dirname, '../../examples/architecture/bike-workshop');
const exampleFiles = (): GivenFile[] => {
  const files: GivenFile[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) visit(path);
      else files.push({ path: relative(example, path), content: readFileSync(path, 'utf8') });
    }
  };
  visit(example);
  return files;
};

let home: string;
let ports: Ports;
let started: Array<{ name: string; input: RunInput }>;
const client: RunsClient = {
  startNew: (name, options) => {
    started.push({ name, input: options.input as RunInput });
    return Promise.resolve(options.instanceId);
  },
  getStatus: () => Promise.resolve(undefined),
  raiseEvent: () => Promise.reject(new Error('not used')),
  terminate: () => Promise.reject(new Error('not used')),
};

const options = { approvals: [], iterations: 1, model: 'blueprint' };
const start = (
  files: GivenFile[],
  extra: { fromPhase?: string; vision?: string; iterations?: number } = {},
) =>
  startFromPhase(ports, client, {
    tenantId: 'test',
    fromPhase: extra.fromPhase ?? 'architecture-to-development',
    files,
    vision: extra.vision,
    options: { ...options, iterations: extra.iterations ?? 1 },
  });

/** The problems a refused request names, as `field: message`. */
async function refusal(files: GivenFile[], extra: Parameters<typeof start>[1] = {}): Promise<string[]> {
  const error = await start(files, extra).then(
    () => new Error('started'),
    (e: Error) => e,
  );
  if (!(error instanceof InvalidRunRequestError)) throw error;
  // Nothing of a refused request is kept.
  expect((await ports.runs.list('test', {})).items).toEqual([]);
  expect(started).toEqual([]);
  return (error.errors ?? [{ field: '(request)', message: error.message }]).map(
    (e) => `${e.field}: ${e.message}`,
  );
}

const edited = (edit: (model: DomainModel) => void): GivenFile[] =>
  exampleFiles().map((file) => {
    if (file.path !== 'domain-model.json') return file;
    const model = JSON.parse(file.content) as DomainModel;
    edit(model);
    return { path: file.path, content: JSON.stringify(model) };
  });

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'start-from-phase-'));
  ports = createPorts({}, home);
  started = [];
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('a run from Architecture to Development on given artifacts', () => {
  it('starts at that phase with the domain model and OpenAPI documents as its inputs', async () => {
    const { doc, created } = await start(exampleFiles());
    expect(created).toBe(true);
    expect(doc.fromPhase).toBe('architecture-to-development');
    // No vision was given: the run is named after the product and says what it started from.
    expect(doc.visionTitle).toBe('Bike Workshop');
    const vision = (await ports.artifacts.get('test', doc.id, doc.visionPath)).toString('utf8');
    expect(vision).toContain('no vision text was given');

    expect(started).toHaveLength(1);
    expect(started[0].name).toBe('factoryRun');
    expect(started[0].input.fromPhase).toBe('architecture-to-development');
    const refs = await readManifest(ports.artifacts, 'test', doc.id, started[0].input.manifest);
    expect(refs.map((r) => [r.path, r.kind])).toEqual([
      ['input/vision.md', 'vision-text'],
      ['input/api/workshop.openapi.json', 'openapi'],
      ['input/architecture/domain-model.json', 'domain-model'],
    ]);
    // Stored as given, byte for byte.
    const model = await ports.artifacts.get('test', doc.id, 'input/architecture/domain-model.json');
    expect(model.toString('utf8')).toBe(readFileSync(join(example, 'domain-model.json'), 'utf8'));
  });

  it('takes a vision and a backlog when given', async () => {
    const backlog = {
      ...toolLibraryBacklog,
      epics: [{ ...toolLibraryBacklog.epics[0], entity: 'RepairJob' }],
    };
    const bikeStory = {
      ...toolLibraryBacklog.stories[0],
      id: 'US-101',
      entity: 'RepairJob',
      title: 'Book a repair',
    };
    const { doc } = await start([
      ...exampleFiles(),
      { path: 'vision.md', content: '# Pedal Doctor\n\nA workshop that repairs bikes.\n' },
      { path: 'backlog.json', content: JSON.stringify({ ...backlog, stories: [bikeStory] }) },
    ]);
    expect(doc.visionTitle).toBe('Pedal Doctor');
    const refs = await readManifest(ports.artifacts, 'test', doc.id, started[0].input.manifest);
    expect(refs.find((r) => r.kind === 'backlog')?.path).toBe('input/plan/backlog.json');
  });

  it('names every missing, misplaced or unreadable file', async () => {
    expect(await refusal([])).toEqual([
      'artifacts/domain-model.json: missing: the domain model is required',
      'artifacts/api: missing: one OpenAPI document per bounded context (api/<context-slug>.openapi.json)',
    ]);
    const files = exampleFiles();
    expect(
      await refusal([
        ...files.filter((f) => f.path !== 'domain-model.json'),
        { path: 'domain-model.json', content: '{"product": ' },
        { path: '../secrets.json', content: '{}' },
        { path: 'notes.txt', content: 'hello' },
        { path: 'api/workshop.openapi.json', content: '{}' },
      ]),
    ).toEqual([
      'artifacts/../secrets.json: not a plain relative path inside the folder',
      expect.stringMatching(
        /^artifacts\/notes\.txt: not an input of this phase \(the folder holds domain-model\.json/,
      ),
      'artifacts/api/workshop.openapi.json: given twice',
      expect.stringMatching(/^artifacts\/domain-model\.json: not JSON: /),
    ]);
  });

  it('refuses a domain model its schema rejects, naming the field', async () => {
    const problems = await refusal(
      edited((model) => {
        model.contexts[0].entities[0].attributes[0].type = 'uuid' as never;
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^artifacts\/domain-model\.json: contexts\.0\.entities\.0\.attributes\.0\.type: /,
      ),
    ]);
  });

  it("refuses an architecture that fails the phase-1 gate's criteria on it", async () => {
    const problems = await refusal(
      edited((model) => {
        const context = model.contexts[0];
        // A command the OpenAPI document has no operation for, and a state the entity does not have.
        context.commands.push({
          ...context.commands[0],
          name: 'ReopenRepairJob',
          allowedFrom: ['collected', 'lost'],
        });
        // A relation to nothing.
        context.entities[0].relations.push({ kind: 'belongsTo', target: 'Shop', via: 'shopId' });
      }),
    );
    expect(problems).toEqual([
      'The domain model is consistent: Entity Bike (context Workshop) has a belongsTo relation to Shop, which no context has.',
      'The domain model is consistent: Command ReopenRepairJob (context Workshop) names state lost, which RepairJob does not have (booked, in_progress, done, collected).',
      'Every command has an API operation: Command ReopenRepairJob (context Workshop) has no operation: expected POST /v1/repair-jobs/{id}/start with operationId reopenRepairJob in api/workshop.openapi.json.',
    ]);
  });

  it('refuses an OpenAPI document that is not valid, or is for no context', async () => {
    const files = exampleFiles().map((file) =>
      file.path.startsWith('api/')
        ? { path: file.path, content: JSON.stringify({ ...JSON.parse(file.content), openapi: '2.0' }) }
        : file,
    );
    const problems = await refusal([...files, { path: 'api/billing.openapi.json', content: '{}' }]);
    expect(problems[0]).toBe(
      "artifacts/api/billing.openapi.json: no bounded context of the domain model has the slug 'billing' (workshop)",
    );
    expect(
      problems.some((p) =>
        p.startsWith('OpenAPI documents are valid OpenAPI 3.1: api/workshop.openapi.json'),
      ),
    ).toBe(true);
  });

  it('refuses a document that describes other operations or schemas than the services answer, not other prose', async () => {
    const edited = (edit: (document: Json) => void) =>
      exampleFiles().map((file) => {
        if (!file.path.startsWith('api/')) return file;
        const document = JSON.parse(file.content) as Json;
        edit(document);
        return { path: file.path, content: JSON.stringify(document) };
      });
    const schemas = (document: Json) => (document.components as Json).schemas as Record<string, Json>;
    const bike = (document: Json) => (schemas(document).Bike.properties as Record<string, Json>).frameNumber;
    const problems = await refusal(
      edited((document) => {
        bike(document).type = 'integer';
        (document.paths as Json)['/v1/paint-jobs'] = {
          get: { operationId: 'listPaintJobs', responses: { '200': { description: 'Paint jobs' } } },
        };
      }),
    );
    expect(problems).toEqual([
      'artifacts/api/workshop.openapi.json: describes GET /v1/paint-jobs, which the services built from the domain model do not answer',
      expect.stringMatching(
        /^artifacts\/api\/workshop\.openapi\.json: schema Bike differs from what the services answer \(frameNumber changed\)$/,
      ),
    ]);
    // Prose is the person's: other descriptions and summaries start the run.
    const { created } = await start(
      edited((document) => (bike(document).description = 'As stamped under the bottom bracket')),
    );
    expect(created).toBe(true);
  });

  it('never follows a $ref out of a given document, and refuses one that resolves to nothing', async () => {
    const withSchemas = (schemas: Record<string, unknown>) =>
      exampleFiles().map((file) => {
        if (!file.path.startsWith('api/')) return file;
        const document = JSON.parse(file.content) as { components: { schemas: Record<string, unknown> } };
        Object.assign(document.components.schemas, schemas);
        return { path: file.path, content: JSON.stringify(document) };
      });
    const outside = await refusal(
      withSchemas({ Os: { $ref: '/etc/os-release' }, Meta: { $ref: 'http://169.254.169.254/metadata' } }),
    );
    expect(outside).toEqual([
      "OpenAPI documents are valid OpenAPI 3.1: api/workshop.openapi.json: #/components/schemas/Os: $ref '/etc/os-release' points outside the document; a document must hold what it refers to",
      "OpenAPI documents are valid OpenAPI 3.1: api/workshop.openapi.json: #/components/schemas/Meta: $ref 'http://169.254.169.254/metadata' points outside the document; a document must hold what it refers to",
    ]);
    const dangling = await refusal(withSchemas({ Gone: { $ref: '#/components/schemas/Nowhere' } }));
    expect(dangling).toEqual([
      expect.stringMatching(/^OpenAPI documents are valid OpenAPI 3\.1: api\/workshop\.openapi\.json: /),
    ]);
  });

  it('refuses a backlog whose stories are about entities the model does not have', async () => {
    const story = { ...toolLibraryBacklog.stories[0], entity: 'Tool' };
    const problems = await refusal([
      ...exampleFiles(),
      { path: 'backlog.json', content: JSON.stringify({ ...toolLibraryBacklog, stories: [story] }) },
    ]);
    expect(problems).toEqual([
      "artifacts/backlog.json: epic EP-01 is about entity 'Loan', which the domain model does not have",
      `artifacts/backlog.json: story ${story.id} is about entity 'Tool', which the domain model does not have`,
    ]);
  });

  it('starts only at the phases it can, with one iteration, and the vision given once', async () => {
    expect(await refusal(exampleFiles(), { fromPhase: 'development-to-testing' })).toEqual([
      'fromPhase: one of architecture-to-development',
    ]);
    expect(await refusal(exampleFiles(), { iterations: 2 })).toEqual([
      'options.iterations: must be 1 with fromPhase',
    ]);
    expect(
      await refusal([...exampleFiles(), { path: 'vision.md', content: '# A' }], { vision: '# B' }),
    ).toEqual(['artifacts/vision.md: the vision is given twice: in the folder and apart']);
  });

  it('is not changed by a change request: its product was not built from a vision', async () => {
    const { doc } = await start(exampleFiles());
    await ports.runs.update('test', doc.id, (d) => {
      d.status = 'Completed';
    });
    const refused = await startChange(ports, client, {
      tenantId: 'test',
      of: doc.id,
      request: 'Each bike has a colour.',
      options,
    }).then(
      () => 'started',
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/started at architecture-to-development on a given architecture/);
  });
});
