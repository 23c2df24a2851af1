import { posix } from 'node:path';
import type { ArtifactKind } from '../core/artifactKinds';
import { phaseById, phases, type PhaseId } from '../core/phases';
import type { RunDocument } from '../core/ports/runStore';
import { architectureCriteria, type Loaded } from '../gates/vision-to-architecture';
import { buildOpenApi } from '../agents/blueprint/architecture/openapi';
import { endpointChanges } from '../agents/blueprint/change/productChanges';
import { backlogSchema } from '../toolchain/schemas/backlog';
import { domainModelSchema } from '../toolchain/schemas/domainModel';
import type { Ports } from '../platform/config';
import { maxGivenBytes, maxGivenFiles } from '../platform/runs/runSource';
import { maxVisionBytes } from './runOptions';
import { InvalidRunRequestError, startRun, type RunsClient, type StartRunRequest } from './startRun';

/*
 * A run that starts after Vision to Architecture, on an architecture a person wrote: a domain model and one
 * OpenAPI document per bounded context, checked first by the criteria of the phase-1 gate that concern them.
 */

/** The phases a run can start at on given artifacts, and what it then needs. */
export const startablePhases: PhaseId[] = ['architecture-to-development'];

/** One given file, its path relative to the folder of given artifacts. */
export interface GivenFile {
  path: string;
  content: string;
}

export interface StartFromPhaseRequest extends Omit<
  StartRunRequest,
  'vision' | 'change' | 'inputs' | 'fromPhase'
> {
  fromPhase: string;
  files: GivenFile[];
  /** The vision the architecture was written for, if there is one; the run's title comes from it. */
  vision?: string;
}

/** The given files a run from Architecture to Development reads, where it stores them, and as what. */
const layout: Array<{ pattern: RegExp; kind: ArtifactKind; stored: (path: string) => string }> = [
  {
    pattern: /^domain-model\.json$/,
    kind: 'domain-model',
    stored: () => 'input/architecture/domain-model.json',
  },
  { pattern: /^api\/[a-z][a-z0-9-]*\.openapi\.json$/, kind: 'openapi', stored: (path) => `input/${path}` },
  { pattern: /^backlog\.json$/, kind: 'backlog', stored: () => 'input/plan/backlog.json' },
];

export const givenLayout =
  'domain-model.json, api/<context-slug>.openapi.json per bounded context, optionally backlog.json and vision.md';

type Problem = { field: string; message: string };

const invalid = (summary: string, problems: Problem[]) =>
  new InvalidRunRequestError(
    `${summary}: ${problems
      .slice(0, 8)
      .map((p) => `${p.field}: ${p.message}`)
      .join('; ')}${problems.length > 8 ? `; and ${problems.length - 8} more` : ''}`,
    // The message names the first few; the list stops at a hundred, however broken the folder.
    problems.slice(0, 100),
  );

/** Each given path once, inside the folder, in the layout; each known file's content parsed where it is JSON. */
function readGiven(files: GivenFile[]): { given: Map<string, string>; problems: Problem[] } {
  const problems: Problem[] = [];
  const given = new Map<string, string>();
  if (files.length > maxGivenFiles)
    problems.push({ field: 'artifacts', message: `${files.length} files; at most ${maxGivenFiles}` });
  const bytes = files.reduce((sum, f) => sum + Buffer.byteLength(f.content), 0);
  if (bytes > maxGivenBytes)
    problems.push({ field: 'artifacts', message: `${bytes} bytes in all; at most ${maxGivenBytes}` });
  for (const file of files) {
    const path = posix.normalize(file.path.replace(/\\/g, '/'));
    const field = `artifacts/${file.path}`;
    if (path !== file.path || path.startsWith('/') || path.startsWith('..'))
      problems.push({ field, message: 'not a plain relative path inside the folder' });
    else if (given.has(path)) problems.push({ field, message: 'given twice' });
    else if (path !== 'vision.md' && !layout.some((l) => l.pattern.test(path)))
      problems.push({ field, message: `not an input of this phase (the folder holds ${givenLayout})` });
    else given.set(path, file.content);
  }
  for (const [path, content] of given) {
    if (!path.endsWith('.json')) continue;
    try {
      JSON.parse(content);
    } catch (error) {
      problems.push({ field: `artifacts/${path}`, message: `not JSON: ${(error as Error).message}` });
    }
  }
  if (!given.has('domain-model.json'))
    problems.push({ field: 'artifacts/domain-model.json', message: 'missing: the domain model is required' });
  if (![...given.keys()].some((p) => p.startsWith('api/')))
    problems.push({
      field: 'artifacts/api',
      message: 'missing: one OpenAPI document per bounded context (api/<context-slug>.openapi.json)',
    });
  return { given, problems };
}

/** What of an OpenAPI document the services answer by: the document without its prose. */
function structure(value: unknown): Record<string, unknown> {
  const strip = (node: unknown): unknown =>
    Array.isArray(node)
      ? node.map(strip)
      : typeof node === 'object' && node !== null
        ? Object.fromEntries(
            Object.entries(node)
              .filter(([key]) => !['description', 'summary', 'title', 'example', 'examples'].includes(key))
              .map(([key, item]) => [key, strip(item)]),
          )
        : node;
  return strip(value) as Record<string, unknown>;
}

/** The domain model, the backlog and the OpenAPI documents against each other and the phase-1 gate's criteria. */
async function checkArchitecture(given: Map<string, string>): Promise<Problem[]> {
  const problems: Problem[] = [];
  const model = domainModelSchema.safeParse(JSON.parse(given.get('domain-model.json')!));
  if (!model.success)
    return model.error.issues.slice(0, 10).map((issue) => ({
      field: 'artifacts/domain-model.json',
      message: `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    }));
  const slugs = new Set(model.data.contexts.map((c) => c.slug));
  for (const path of given.keys()) {
    const slug = /^api\/(.+)\.openapi\.json$/.exec(path)?.[1];
    if (slug && !slugs.has(slug))
      problems.push({
        field: `artifacts/${path}`,
        message: `no bounded context of the domain model has the slug '${slug}' (${[...slugs].join(', ')})`,
      });
  }
  const loaded = (pattern: RegExp): Loaded[] =>
    [...given].filter(([path]) => pattern.test(path)).map(([name, text]) => ({ name, text }));
  for (const criterion of await architectureCriteria(loaded(/^domain-model\.json$/), loaded(/^api\//)))
    for (const finding of criterion.passed ? [] : criterion.findings.length ? criterion.findings : ['failed'])
      problems.push({ field: criterion.name, message: finding });

  // The services are compiled from the domain model: a document that describes other operations or schemas would
  // fail the contract tests after the services are built, every rework building the same services again.
  if (!problems.length)
    for (const context of model.data.contexts) {
      const path = `api/${context.slug}.openapi.json`;
      const document = given.get(path);
      if (document === undefined) continue;
      for (const change of endpointChanges(
        context.slug,
        structure(buildOpenApi(model.data, context)),
        structure(JSON.parse(document)),
      ))
        problems.push({
          field: `artifacts/${path}`,
          message:
            change.change === 'removed'
              ? `does not describe ${change.what}, which the services built from the domain model answer`
              : change.change === 'added'
                ? `describes ${change.what}, which the services built from the domain model do not answer`
                : `${change.what} differs from what the services answer (${change.detail})`,
        });
    }

  const backlog = given.get('backlog.json');
  if (backlog !== undefined) {
    const parsed = backlogSchema.safeParse(JSON.parse(backlog));
    if (!parsed.success)
      problems.push(
        ...parsed.error.issues.slice(0, 5).map((issue) => ({
          field: 'artifacts/backlog.json',
          message: `${issue.path.join('.') || '(root)'}: ${issue.message}`,
        })),
      );
    const entities = new Set(model.data.contexts.flatMap((c) => c.entities.map((e) => e.name)));
    for (const item of [...(parsed.data?.epics ?? []), ...(parsed.data?.stories ?? [])])
      if (!entities.has(item.entity))
        problems.push({
          field: 'artifacts/backlog.json',
          message: `${'epic' in item ? 'story' : 'epic'} ${item.id} is about entity '${item.entity}', which the domain model does not have`,
        });
  }
  return problems;
}

/** The run's vision: the one given, else a short text that says what the run was started from. */
function visionOf(request: StartFromPhaseRequest, productName: string): string {
  if (request.vision !== undefined) return request.vision;
  return `# ${productName}\n\nStarted at ${phaseById(request.fromPhase).title} on a domain model and OpenAPI documents written by hand; no vision text was given.\n`;
}

/**
 * Starts a run at a later phase on artifacts a person gave in place of the earlier phases' outputs. Refused, before
 * anything is stored, with every missing or invalid artifact named.
 */
export async function startFromPhase(
  ports: Ports,
  client: RunsClient,
  request: StartFromPhaseRequest,
): Promise<{ doc: RunDocument; created: boolean }> {
  const phase = phases.find((p) => p.id === request.fromPhase);
  if (!phase || !startablePhases.includes(phase.id))
    throw new InvalidRunRequestError(
      `a run cannot start at '${request.fromPhase}' on given artifacts: it can start at ${startablePhases.join(', ')}`,
      [{ field: 'fromPhase', message: `one of ${startablePhases.join(', ')}` }],
    );
  if (request.options.iterations > 1)
    throw new InvalidRunRequestError(
      'a run on given artifacts has one iteration: later iterations start again from the vision, which it skips',
      [{ field: 'options.iterations', message: 'must be 1 with fromPhase' }],
    );
  const { given, problems } = readGiven(request.files);
  if (given.has('vision.md') && request.vision !== undefined)
    problems.push({
      field: 'artifacts/vision.md',
      message: 'the vision is given twice: in the folder and apart',
    });
  if (problems.length) throw invalid('the given artifacts cannot be read', problems);
  const vision = given.get('vision.md') ?? request.vision;
  if (vision !== undefined && Buffer.byteLength(vision) > maxVisionBytes)
    throw new InvalidRunRequestError(`the vision is over ${maxVisionBytes} bytes`);
  const architecture = await checkArchitecture(given);
  if (architecture.length)
    throw invalid(
      `the given architecture does not pass the checks of ${phases[0].title}'s gate that concern it`,
      architecture,
    );
  const model = domainModelSchema.parse(JSON.parse(given.get('domain-model.json')!));
  return startRun(ports, client, {
    ...request,
    vision: visionOf({ ...request, vision }, model.product.name),
    fromPhase: phase.id,
    inputs: [...given]
      .filter(([path]) => path !== 'vision.md')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([path, content]) => {
        const place = layout.find((l) => l.pattern.test(path))!;
        return { path: place.stored(path), content, kind: place.kind };
      }),
  });
}

/** A run from its vision, or, when the request names a phase and gives artifacts, from that phase on them. */
export function startRequestedRun(
  ports: Ports,
  client: RunsClient,
  request: Omit<StartFromPhaseRequest, 'fromPhase' | 'files'> & {
    from?: { phase: string; files: GivenFile[] };
  },
): Promise<{ doc: RunDocument; created: boolean }> {
  const { from, vision, ...common } = request;
  if (from)
    return startFromPhase(ports, client, { ...common, fromPhase: from.phase, files: from.files, vision });
  if (vision === undefined) throw new InvalidRunRequestError('the vision is empty');
  return startRun(ports, client, { ...common, vision });
}
