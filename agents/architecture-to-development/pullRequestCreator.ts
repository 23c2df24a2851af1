import { z } from 'zod';
import type { AgentContext, AgentDefinition } from '../../core/agent';
import { backlogSchema, type Story } from '../../toolchain/schemas/backlog';
import { domainModelSchema } from '../../toolchain/schemas/domainModel';
import { readChangeRequest } from '../blueprint/change/changeRequest';
import { previousRelease } from '../blueprint/change/previousRelease';
import {
  productChanges,
  renderProductChanges,
  type ProductChanges,
} from '../blueprint/change/productChanges';
import type { CommitRecord } from './codeCommitter';
import { markdownText } from '../../toolchain/escaping/markdownText';
import { markdownAndJson } from '../runtime/reportFiles';

const fileSchema = z.object({
  path: z.string(),
  added: z.number().int().nonnegative().nullable(),
  removed: z.number().int().nonnegative().nullable(),
  binary: z.boolean(),
});

const outputSchema = z.object({
  title: z.string().min(1).max(120),
  repository: z.string(),
  sourceBranch: z.string(),
  targetBranch: z.string(),
  base: z.string().nullable(),
  head: z.string(),
  stories: z.array(z.object({ id: z.string(), title: z.string(), context: z.string().optional() })),
  commits: z.array(
    z.object({ stream: z.string(), sha: z.string(), subject: z.string(), changed: z.boolean() }),
  ),
  files: z.array(fileSchema),
  totals: z.object({ files: z.number().int(), added: z.number().int(), removed: z.number().int() }),
  /** What this version changes against the release it follows, when it follows one. */
  changes: z.custom<ProductChanges>((value) => typeof value === 'object' && value !== null).optional(),
  description: z.string(),
});

export type PullRequest = z.infer<typeof outputSchema>;

/** The `pull-request` artifact: the pull request, and where it was opened when the repository can open one. */
export type PullRequestRecord = PullRequest & { opened?: { url: string; id: string } };

/** Stories from the backlog; a backlog in another shape still yields every `{ id, title }` it holds. */
async function readStories(
  ctx: AgentContext,
): Promise<{ stories: Array<{ id: string; title: string; entity?: string }>; parsed?: Story[] }> {
  if (ctx.inputs('backlog').length === 0) return { stories: [] };
  const raw = await ctx.inputJson('backlog').catch(() => undefined);
  const parsed = backlogSchema.safeParse(raw);
  if (parsed.success)
    return {
      stories: parsed.data.stories.map((s) => ({ id: s.id, title: s.title, entity: s.entity })),
      parsed: parsed.data.stories,
    };
  const stories = (raw as { stories?: Array<{ id?: unknown; title?: unknown }> } | undefined)?.stories ?? [];
  return {
    stories: stories
      .filter((s) => typeof s.id === 'string')
      .map((s) => ({ id: String(s.id), title: String(s.title ?? '') })),
  };
}

function describe(pr: Omit<PullRequest, 'description'>, iteration: number, feedback: string[]): string {
  const since = pr.changes ? [renderProductChanges(pr.changes)] : [];
  const byContext = new Map<string, PullRequest['stories']>();
  for (const story of pr.stories)
    byContext.set(story.context ?? 'Other', [...(byContext.get(story.context ?? 'Other') ?? []), story]);
  return [
    `## What`,
    '',
    `Iteration ${iteration} of the generated product, committed on \`${pr.sourceBranch}\` (${pr.commits.filter((c) => c.changed).length} commit(s)).`,
    '',
    ...pr.commits.map(
      (c) => `- \`${c.sha.slice(0, 10)}\` ${markdownText(c.subject)}${c.changed ? '' : ' (unchanged)'}`,
    ),
    '',
    ...since,
    `## User stories`,
    '',
    ...(pr.stories.length
      ? [...byContext].flatMap(([context, stories]) => [
          `### ${markdownText(context)}`,
          '',
          ...stories.map((s) => `- ${markdownText(s.id)}: ${markdownText(s.title)}`),
          '',
        ])
      : ['No backlog was given.', '']),
    `## Changes`,
    '',
    `${pr.totals.files} file(s), +${pr.totals.added} −${pr.totals.removed}`,
    '',
    '| File | Added | Removed |',
    '| --- | ---: | ---: |',
    ...pr.files.map(
      (f) => `| \`${f.path}\` | ${f.binary ? 'binary' : f.added} | ${f.binary ? 'binary' : f.removed} |`,
    ),
    ...(feedback.length ? ['', '## Review findings addressed', '', ...feedback.map((f) => `- ${f}`)] : []),
    '',
  ].join('\n');
}

export const pullRequestCreator: AgentDefinition<PullRequest> = {
  name: 'pullRequestCreator',
  role: 'Pull Request Creator',
  phase: 'architecture-to-development',
  purpose:
    "Opens the pull request for the iteration's commits: title, a description linking the user stories, and per-file line changes from git.",
  uses: 'tools',
  reads: [
    'commit',
    'backlog',
    'domain-model',
    'development-plan',
    'previous-domain-model',
    'previous-backlog',
    'change-request',
  ],
  writes: ['pull-request'],
  output: outputSchema,
  async blueprint(ctx) {
    const record = await ctx.inputJson<CommitRecord>('commit');
    // The run's repository: the one the Code Committer wrote the record from.
    const repository = await ctx.sourceRepository();
    const changes = await repository.diffStat(record.base ?? undefined, record.head);
    const files = changes.map((c) => ({
      path: c.path,
      added: c.added ?? null,
      removed: c.removed ?? null,
      binary: c.binary,
    }));
    const totals = {
      files: files.length,
      added: files.reduce((n, f) => n + (f.added ?? 0), 0),
      removed: files.reduce((n, f) => n + (f.removed ?? 0), 0),
    };
    const model = ctx.inputs('domain-model').length
      ? domainModelSchema.safeParse(await ctx.inputJson('domain-model'))
      : undefined;
    const contextOf = (entity?: string) =>
      model?.success
        ? model.data.contexts.find((c) => c.entities.some((e) => e.name === entity))?.name
        : undefined;
    const backlog = await readStories(ctx);
    const stories = backlog.stories.map((s) => ({
      id: s.id,
      title: s.title,
      ...(contextOf(s.entity) ? { context: contextOf(s.entity) } : {}),
    }));
    const product = model?.success ? model.data.product.name : record.branch;
    const previous = model?.success ? await previousRelease(ctx) : undefined;
    const draft = {
      title:
        `${product}: iteration ${record.iteration}${record.attempt > 1 ? ` (attempt ${record.attempt})` : ''}, ${stories.length} user stories`.slice(
          0,
          120,
        ),
      repository: record.repository,
      sourceBranch: record.branch,
      // A change is reviewed against the release it follows.
      targetBranch: repository.startBranch ?? repository.baseBranch ?? 'main',
      base: record.base,
      head: record.head,
      stories,
      commits: record.commits.map((c) => ({
        stream: c.stream,
        sha: c.sha,
        subject: c.subject,
        changed: c.changed,
      })),
      files,
      totals,
      ...(previous && model?.success
        ? {
            changes: productChanges(
              previous.model,
              model.data,
              previous.version,
              ctx.inputs('change-request').length
                ? readChangeRequest(await ctx.inputText('change-request')).terms
                : {},
              previous.stories && backlog.parsed
                ? { before: previous.stories, now: backlog.parsed }
                : undefined,
            ),
          }
        : {}),
    };
    return { ...draft, description: describe(draft, record.iteration, ctx.feedback) };
  },
  async artifacts(pr, ctx) {
    const repository = await ctx.sourceRepository();
    // Opening is idempotent (an active one for the same branches is returned), and `created` is left out of
    // the record, so a rerun writes the identical artifact.
    const opened = repository.openPullRequest
      ? await repository.openPullRequest({
          source: pr.sourceBranch,
          target: pr.targetBranch,
          title: pr.title,
          description: pr.description,
        })
      : undefined;
    const record: PullRequestRecord = opened ? { ...pr, opened: { url: opened.url, id: opened.id } } : pr;
    return markdownAndJson(
      'pull-request/pull-request',
      'pull-request',
      `# ${markdownText(pr.title)}\n\n${opened ? `Opened as [${markdownText(opened.id)}](${opened.url}).\n\n` : ''}${pr.description}`,
      record,
    );
  },
};
