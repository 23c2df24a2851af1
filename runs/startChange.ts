import type { ArtifactKind } from '../core/artifactKinds';
import type { ChangeLineage, RunDocument } from '../core/ports/runStore';
import { releaseVersion } from '../core/version';
import { ChangeRequestError, readChangeRequest } from '../agents/blueprint/change/changeRequest';
import type { Ports } from '../platform/config';
import { requireRun } from './runCommands';
import { maxVisionBytes } from './runOptions';
import {
  InvalidRunRequestError,
  runIdForKey,
  startRun,
  type RunsClient,
  type StartRunRequest,
} from './startRun';

/*
 * A change request: a new run of a product an earlier run built, from the vision that product was built from plus
 * the change, and from what its last release consists of (the domain model and the migrations its databases have
 * applied), so that the new version takes over the running product and keeps its data.
 */

export interface StartChangeRequest extends Omit<StartRunRequest, 'vision' | 'change' | 'inputs'> {
  /** The run whose product changes. */
  of: string;
  /** The change request: Markdown, with optional front matter (`ChangeTerms`). */
  request: string;
}

/** The last completed attempt of a phase in the run's last iteration: the folder its released outputs are in. */
function releasedFolder(doc: RunDocument, phase: string): string {
  const attempt = Math.max(
    ...doc.phases
      .filter((p) => p.phase === phase && p.iteration === doc.iteration && p.status === 'Completed')
      .map((p) => p.attempt),
  );
  if (!Number.isFinite(attempt)) throw new InvalidRunRequestError(`run ${doc.id} has no completed ${phase}`);
  return `iteration-${doc.iteration}/${phase}/attempt-${attempt}/`;
}

/**
 * A change applies to the product's latest release, one change at a time: refused when a later run of the product
 * completed (its changes would be lost) or one is under way (both would deploy to the product).
 */
async function checkLatest(ports: Ports, before: RunDocument, request: StartChangeRequest): Promise<void> {
  const product = before.change?.product ?? before.id;
  // The run this request names or keys: asking again for a change under way returns that run.
  const wanted =
    request.runId ??
    (request.idempotencyKey ? runIdForKey(request.tenantId, request.idempotencyKey) : undefined);
  let continuationToken: string | undefined;
  do {
    const page = await ports.runs.list(request.tenantId, { limit: 100, continuationToken });
    for (const doc of page.items) {
      if (doc.id === before.id || doc.id === wanted || doc.change?.product !== product) continue;
      if (doc.status === 'Completed' && doc.change.number > (before.change?.number ?? 0))
        throw new InvalidRunRequestError(
          `run ${doc.id} changed this product after run ${before.id}: change the product's latest release, run ${doc.id} or a later one`,
        );
      if (['Pending', 'Running', 'WaitingForApproval'].includes(doc.status))
        throw new InvalidRunRequestError(
          `run ${doc.id} is changing this product now (${doc.status}): one change at a time; try again when it has ended`,
        );
    }
    continuationToken = page.continuationToken;
  } while (continuationToken);
}

/**
 * Starts the run that applies a change request to the product of a completed run of the same tenant. The new
 * run's vision is the changed run's vision with the change as its last section, so every agent reads the change
 * in the context of what was built; the change's terms and the last release's domain model and migrations are
 * inputs of their own.
 */
export async function startChange(
  ports: Ports,
  client: RunsClient,
  request: StartChangeRequest,
): Promise<{ doc: RunDocument; created: boolean }> {
  let prose: string;
  let removals: string[];
  try {
    ({ prose, removals } = readChangeRequest(request.request));
  } catch (error) {
    if (error instanceof ChangeRequestError) throw new InvalidRunRequestError(error.message);
    throw error;
  }
  const before = await requireRun(ports, request.tenantId, request.of);
  if (before.fromPhase)
    throw new InvalidRunRequestError(
      `run ${before.id} started at ${before.fromPhase} on a given architecture: a change request changes a product built from a vision; change the architecture and start a run on it again`,
    );
  if (before.status !== 'Completed')
    throw new InvalidRunRequestError(
      `run ${before.id} is ${before.status}: a change applies to the product of a completed run`,
    );
  await checkLatest(ports, before, request);
  const architecture = releasedFolder(before, 'vision-to-architecture');
  const development = releasedFolder(before, 'architecture-to-development');
  const read = async (path: string) =>
    (await ports.artifacts.get(request.tenantId, before.id, path)).toString('utf8');
  // What the change removes is carried out on the analysed vision; only what it adds is read as vision text.
  const previousVision = (await read(before.visionPath)).trimEnd();
  const vision = /^(#{1,6}\s+\S[^\n]*\s*)?$/.test(prose)
    ? `${previousVision}\n`
    : `${previousVision}\n\n${/^#{1,6}\s/.test(prose) ? '' : `## Change ${(before.change?.number ?? 0) + 1}\n\n`}${prose}\n`;
  if (Buffer.byteLength(vision) > maxVisionBytes)
    throw new InvalidRunRequestError(
      `the vision with the change is over ${maxVisionBytes} bytes: split the product, or start it anew`,
    );

  const stored = await ports.artifacts.list(request.tenantId, before.id);
  const model = stored.find(
    (a) => a.kind === 'domain-model' && a.path.startsWith(architecture) && a.path.endsWith('.json'),
  );
  const backlog = stored.find(
    (a) => a.kind === 'backlog' && a.path.startsWith(architecture) && a.path.endsWith('.json'),
  );
  if (!model) throw new InvalidRunRequestError(`run ${before.id} has no domain model to change`);
  const folders = new Map<string, Array<{ path: string; content: string }>>();
  for (const file of stored.filter((a) => a.kind === 'migration-file' && a.path.startsWith(development))) {
    const [, folder, name] = /^(db\/[^/]+)\/(.+)$/.exec(file.path.slice(development.length)) ?? [];
    if (!folder) continue;
    folders.set(folder, [...(folders.get(folder) ?? []), { path: name, content: await read(file.path) }]);
  }
  const change: ChangeLineage = {
    of: before.id,
    product: before.change?.product ?? before.id,
    after: releaseVersion(before.iteration, before.change?.after),
    number: (before.change?.number ?? 0) + 1,
    removals: [...(before.change?.removals ?? []), ...removals],
  };
  const inputs: Array<{ path: string; content: string; kind: ArtifactKind }> = [
    { path: 'input/change-request.md', content: request.request, kind: 'change-request' },
    {
      path: 'input/previous/domain-model.json',
      content: await read(model.path),
      kind: 'previous-domain-model',
    },
    {
      path: 'input/previous/migrations.json',
      content: JSON.stringify({ folders: [...folders].map(([folder, files]) => ({ folder, files })) }),
      kind: 'previous-migrations',
    },
    ...(backlog
      ? [
          {
            path: 'input/previous/backlog.json',
            content: await read(backlog.path),
            kind: 'previous-backlog' as const,
          },
        ]
      : []),
  ];
  return startRun(ports, client, {
    ...request,
    name: request.name ?? `${before.name} (change ${change.number})`,
    vision,
    change,
    inputs,
  });
}
