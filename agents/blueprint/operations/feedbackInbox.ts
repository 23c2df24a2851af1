import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ArtifactStore } from '../../../core/ports/artifactStore';
import type { FeedbackEntry, FeedbackInbox } from '../../../core/ports/feedbackInbox';

/**
 * User feedback on a deployed product, given with `factory feedback RUN_ID --file F` and stored with the run's
 * artifacts under `feedback/inbox/`, where the Customer Success agent of the next Production to Optimization
 * phase reads it.
 */
export const feedbackEntrySchema = z.object({
  text: z.string().trim().min(1, 'text must not be empty').max(4000, 'text is longer than 4000 characters'),
  rating: z.number().int().min(1).max(5).optional(),
  user: z.string().max(200).optional(),
  at: z.string().datetime({ offset: true }).optional(),
}) satisfies z.ZodType<FeedbackEntry>;

const maxEntries = 5000;

/**
 * Accepts a JSON array of entries, `{ "entries": [...] }`, JSON Lines, or plain text (one entry per non-empty
 * line). Every entry is validated; the error names the entry that is wrong.
 */
export function parseFeedback(text: string, source = 'feedback'): FeedbackEntry[] {
  const trimmed = text.trim();
  if (!trimmed) throw new Error(`${source} is empty`);
  let raw: unknown[];
  if (trimmed.startsWith('[') || trimmed.startsWith('{"entries"') || /^\{\s*"entries"/.test(trimmed)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
    }
    raw = Array.isArray(parsed) ? parsed : ((parsed as { entries?: unknown }).entries as unknown[]);
    if (!Array.isArray(raw)) throw new Error(`${source}: "entries" must be an array`);
  } else if (trimmed.startsWith('{')) {
    raw = trimmed
      .split('\n')
      .filter((l) => l.trim())
      .map((line, i) => {
        try {
          return JSON.parse(line) as unknown;
        } catch (error) {
          throw new Error(`${source} line ${i + 1} is not valid JSON: ${(error as Error).message}`);
        }
      });
  } else {
    raw = trimmed
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((line) => ({ text: line }));
  }
  if (raw.length > maxEntries)
    throw new Error(`${source} has ${raw.length} entries; at most ${maxEntries} are accepted`);
  return raw.map((entry, i) => {
    const parsed = feedbackEntrySchema.safeParse(entry);
    if (!parsed.success)
      throw new Error(
        `${source} entry ${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.') || 'entry'} ${x.message}`).join('; ')}`,
      );
    return parsed.data;
  });
}

/** Where a run's feedback waits: one artifact per delivery, named by the hash of its entries. */
export const feedbackFolder = 'feedback/inbox/';

interface Delivery {
  receivedAt: string;
  entries: unknown[];
}

/**
 * Stores entries as one artifact of the run, named by their hash: giving the same file twice stores it once. Kept
 * in the artifact store (Blob Storage in Azure), so any instance that runs the next phase reads it.
 */
export async function storeFeedback(
  artifacts: ArtifactStore,
  tenantId: string,
  runId: string,
  entries: FeedbackEntry[],
  receivedAt = new Date(),
): Promise<{ path: string; entries: number; duplicate: boolean }> {
  const hash = createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 16);
  const path = `${feedbackFolder}${hash}.json`;
  const location = `${artifacts.describeLocation(tenantId, runId)}/${path}`;
  if (await artifacts.head(tenantId, runId, path))
    return { path: location, entries: entries.length, duplicate: true };
  const delivery: Delivery = { receivedAt: receivedAt.toISOString(), entries };
  await artifacts.put(tenantId, runId, path, JSON.stringify(delivery, null, 2) + '\n', {
    kind: 'feedback',
    phase: 'production-to-optimization',
    agent: 'user',
    contentType: 'application/json',
  });
  return { path: location, entries: entries.length, duplicate: false };
}

/** Every entry stored for the run, in the order the deliveries arrived. */
export async function loadFeedback(
  artifacts: ArtifactStore,
  tenantId: string,
  runId: string,
): Promise<FeedbackEntry[]> {
  const stored = (await artifacts.list(tenantId, runId)).filter((a) => a.path.startsWith(feedbackFolder));
  const deliveries = await Promise.all(
    stored.map(
      async (a) => JSON.parse((await artifacts.get(tenantId, runId, a.path)).toString('utf8')) as Delivery,
    ),
  );
  return deliveries
    .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt))
    .flatMap((d) => d.entries.map((e) => feedbackEntrySchema.parse(e)));
}

/** The inbox in a run's artifacts, as agents read it. */
export function artifactFeedbackInbox(artifacts: ArtifactStore): FeedbackInbox {
  return { read: (tenantId, runId) => loadFeedback(artifacts, tenantId, runId) };
}
