import { z } from 'zod';
import type { AgentContext, AgentDefinition } from '../../core/agent';
import { LocalGitRepository } from '../../platform/git/localGitRepository';
import type { SourceRepository } from '../../core/ports/sourceRepository';
import type { ArtifactKind } from '../../core/artifactKinds';

/** The generated product's streams, in commit order, and the folder artifact kinds each one owns. */
export const streams = [
  { stream: 'backend', kinds: ['service-source'], what: 'backend services' },
  { stream: 'frontend', kinds: ['frontend-source'], what: 'web client' },
  { stream: 'mobile', kinds: ['mobile-source'], what: 'mobile app (PWA)' },
  { stream: 'infrastructure', kinds: ['product-bicep'], what: 'infrastructure as code (Bicep)' },
  { stream: 'database', kinds: ['migration'], what: 'database migrations and seed data' },
] as const;

export const factoryAuthor = { name: 'Software Factory', email: 'factory@localhost' };

const streamPlanSchema = z.object({
  stream: z.enum(['backend', 'frontend', 'mobile', 'infrastructure', 'database']),
  folders: z.array(z.string()),
  files: z.number().int().nonnegative(),
  /** Subject line and body, in the conventional-commit style. */
  message: z.string().min(1),
});

const outputSchema = z.object({
  branch: z.string().regex(/^factory\/[A-Za-z0-9._-]+$/),
  streams: z.array(streamPlanSchema),
});

export type CommitPlan = z.infer<typeof outputSchema>;

/** The `commit` artifact. */
export interface CommitRecord {
  repository: string;
  branch: string;
  iteration: number;
  attempt: number;
  /** The branch head before this attempt's commits; null when the branch started here. */
  base: string | null;
  head: string;
  commits: Array<{ stream: string; sha: string; changed: boolean; files: number; subject: string }>;
}

export interface CodeCommitterOptions {
  /** The factory home (repositories live under `<home>/repos`); default `FACTORY_HOME` or `./.factory`. */
  home?: () => string;
  /** Opens the run's repository; default a local bare git repository. */
  openRepository?: (ctx: AgentContext, home: string) => Promise<SourceRepository>;
}

/**
 * Commit dates come from the run's position, not the clock: iteration (days), attempt (hours) and stream
 * order (minutes) after a fixed epoch, so the same generated content always yields the same commit ids.
 */
export function commitDate(iteration: number, attempt: number, streamIndex: number): string {
  const epoch = Date.UTC(2026, 0, 1);
  return new Date(
    epoch + (iteration - 1) * 86_400_000 + (attempt - 1) * 3_600_000 + streamIndex * 60_000,
  ).toISOString();
}

const attemptTrailer = (ctx: AgentContext) => `Factory-Attempt: ${ctx.runId}/${ctx.iteration}.${ctx.attempt}`;

async function folderInputs(ctx: AgentContext, kinds: readonly ArtifactKind[]) {
  const found = [];
  for (const kind of kinds) {
    for (const input of ctx.inputs(kind)) {
      const index = await input.json<{ folder: string; files: unknown[] }>();
      found.push({ input, folder: index.folder, count: index.files.length });
    }
  }
  return found;
}

export function createCodeCommitter(options: CodeCommitterOptions = {}): AgentDefinition<CommitPlan> {
  const home = options.home ?? (() => process.env.FACTORY_HOME ?? './.factory');
  const open =
    options.openRepository ??
    ((ctx: AgentContext, root: string) =>
      LocalGitRepository.open({ home: root, tenantId: ctx.tenantId, runId: ctx.runId }));
  return {
    name: 'codeCommitter',
    role: 'Code Committer',
    phase: 'architecture-to-development',
    purpose:
      "Commits the generated product to the run's git repository on branch factory/<runId>, one meaningful commit per stream.",
    uses: 'model',
    deployment: 'simple',
    reads: [
      'service-source',
      'frontend-source',
      'mobile-source',
      'product-bicep',
      'migration',
      'development-plan',
    ],
    writes: ['commit'],
    output: outputSchema,
    prompt: {
      version: '1.0.0',
      system: [
        'You are the Code Committer of a software factory. You receive the folders each development stream produced',
        '(backend services, web client, mobile app, infrastructure, database migrations). Write one commit message per',
        'stream that has files, in the conventional-commit style: a subject under 72 characters ("feat(<stream>): ..."',
        'naming what was built, e.g. the services or contexts), a blank line, then a body listing the folders and file',
        'counts, the iteration and attempt, and, when review feedback is given, an "Addresses:" list of the findings this',
        'attempt answers. Never invent files; the commits are made by the factory from the folders as they are.',
      ].join(' '),
      user: 'Branch: factory/{{runId}}\nIteration {{iteration}}, attempt {{attempt}}\n\nFolders per stream:\n{{folders}}\n\nFeedback (may be empty):\n{{feedback}}\n\nReturn JSON: { branch, streams: [{ stream, folders, files, message }] }.',
    },
    async blueprint(ctx) {
      const planned = [];
      for (const spec of streams) {
        const inputs = await folderInputs(ctx, spec.kinds);
        if (inputs.length === 0) continue;
        const folders = inputs.map((i) => i.folder).sort();
        const files = inputs.reduce((sum, i) => sum + i.count, 0);
        const names = [...new Set(folders.map((f) => f.split('/').slice(1).join('/')).filter(Boolean))];
        const subject = `feat(${spec.stream}): ${ctx.iteration > 1 || ctx.attempt > 1 ? 'update' : 'add'} ${spec.what}${names.length ? ` for ${names.join(', ')}` : ''}`;
        const relevant = ctx.feedback.filter((f) =>
          folders.some((folder) => f.includes(`${folder}/`) || f.includes(folder.split('/')[0])),
        );
        const body = [
          `Generated by the ${spec.what} stream of iteration ${ctx.iteration}, attempt ${ctx.attempt}.`,
          '',
          ...inputs.map(
            (i) => `- ${i.folder}/ (${i.count} files, artifact ${i.input.ref.sha256.slice(0, 12)})`,
          ),
          ...(relevant.length ? ['', 'Addresses:', ...relevant.map((f) => `- ${f}`)] : []),
        ];
        planned.push({
          stream: spec.stream,
          folders,
          files,
          message: `${subject.slice(0, 100)}\n\n${body.join('\n')}`,
        });
      }
      return { branch: `factory/${ctx.runId}`, streams: planned };
    },
    async artifacts(plan, ctx) {
      const repository = await open(ctx, home());
      const tag = attemptTrailer(ctx);
      for (const [index, entry] of plan.streams.entries()) {
        const spec = streams.find((s) => s.stream === entry.stream)!;
        const files: Array<{ path: string; content: Buffer }> = [];
        for (const found of await folderInputs(ctx, spec.kinds)) {
          for (const file of await ctx.readFolder(found.input.ref))
            files.push({ path: `${found.folder}/${file.path}`, content: file.content });
        }
        if (files.length === 0) continue;
        await repository.commitFiles({
          branch: plan.branch,
          files,
          message: `${entry.message}\n\nFactory-Stream: ${entry.stream}\n${tag}\n`,
          author: factoryAuthor,
          date: commitDate(ctx.iteration, ctx.attempt, index),
          // A stream owns its top-level folders: files it no longer generates are deleted there.
          scopes: [...new Set(entry.folders.map((folder) => folder.split('/')[0]))],
        });
      }
      // Described from the branch history rather than from this call's results, so a rerun that commits
      // nothing writes exactly the same record.
      const head = (await repository.head(plan.branch)) ?? null;
      const mine = head
        ? (await repository.log(plan.branch, 200)).filter((entry) => entry.body.includes(tag)).reverse()
        : [];
      const base = mine.length ? (mine[0].parents[0] ?? null) : head;
      let last = base;
      const commits = plan.streams.map((entry) => {
        const own = mine.find(
          (commit) =>
            commit.body.includes(`Factory-Stream: ${entry.stream}\n`) ||
            commit.body.endsWith(`Factory-Stream: ${entry.stream}`),
        );
        last = own?.sha ?? last;
        return {
          stream: entry.stream,
          sha: last ?? '',
          changed: Boolean(own),
          files: entry.files,
          subject: entry.message.split('\n')[0],
        };
      });
      if (!head) throw new Error('nothing was committed: no stream produced files');
      const record: CommitRecord = {
        repository: repository.location,
        branch: plan.branch,
        iteration: ctx.iteration,
        attempt: ctx.attempt,
        base,
        head,
        commits,
      };
      return [
        {
          path: 'commit/commit.json',
          kind: 'commit',
          contentType: 'application/json',
          content: `${JSON.stringify(record, null, 2)}\n`,
        },
      ];
    },
  };
}

export const codeCommitter = createCodeCommitter();
