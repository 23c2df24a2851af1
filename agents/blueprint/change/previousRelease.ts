import { z } from 'zod';
import type { AgentContext } from '../../../core/agent';
import { releaseVersion } from '../../../core/version';
import { backlogSchema, type Story } from '../../../toolchain/schemas/backlog';
import { domainModelSchema, type DomainModel } from '../../../toolchain/schemas/domainModel';

/** The migrations each database of the product's last release has applied (`previous-migrations`). */
export const previousMigrationsSchema = z.object({
  folders: z.array(
    z.object({
      /** `db/<context-slug>` */
      folder: z.string().regex(/^db\/[a-z0-9-]+$/),
      files: z.array(z.object({ path: z.string(), content: z.string() })),
    }),
  ),
});

export type PreviousMigrations = z.infer<typeof previousMigrationsSchema>;

/** The stories of a backlog; undefined when there is none that can be read as one (nothing to compare). */
export function storiesIn(backlog: unknown): Story[] | undefined {
  const parsed = backlogSchema.safeParse(backlog);
  return parsed.success ? parsed.data.stories : undefined;
}

/** What the product's databases and services were last released from. */
export interface PreviousRelease {
  model: DomainModel;
  version: string;
  /** The user stories of that release's backlog (undefined when it had no readable one). */
  stories?: Story[];
  /** The migration scripts a database (`db/<slug>`) has applied, in that release's folder. */
  migrations(folder: string): Promise<Array<{ path: string; content: string }>>;
}

/**
 * The release this run's work follows, when there is one: this run's previous iteration, or, in a run that
 * changes a product, the product's last release.
 */
export async function previousRelease(ctx: AgentContext): Promise<PreviousRelease | undefined> {
  const iterationOf = (path: string) => Number(/^iteration-(\d+)\//.exec(path)?.[1] ?? ctx.iteration);
  const models = ctx
    .inputs('domain-model')
    .filter((input) => iterationOf(input.ref.path) < ctx.iteration && input.ref.path.endsWith('.json'));
  if (models.length) {
    const iteration = iterationOf(models.at(-1)!.ref.path);
    const folders = ctx.inputs('migration').filter((input) => iterationOf(input.ref.path) === iteration);
    const backlog = ctx
      .inputs('backlog')
      .filter((input) => iterationOf(input.ref.path) === iteration && input.ref.path.endsWith('.json'))
      .at(-1);
    return {
      model: domainModelSchema.parse(await models.at(-1)!.json()),
      version: releaseVersion(iteration, ctx.change?.after),
      stories: storiesIn(await backlog?.json()),
      async migrations(folder) {
        for (const input of folders)
          if ((await input.json<{ folder: string }>()).folder === folder)
            return (await ctx.readFolder(input.ref)).map((f) => ({
              path: f.path,
              content: f.content.toString('utf8'),
            }));
        return [];
      },
    };
  }
  if (!ctx.inputs('previous-domain-model').length) return undefined;
  return {
    model: domainModelSchema.parse(await ctx.inputJson('previous-domain-model')),
    version: ctx.change?.after ?? releaseVersion(1),
    stories: ctx.inputs('previous-backlog').length
      ? storiesIn(await ctx.inputJson('previous-backlog'))
      : undefined,
    async migrations(folder) {
      const released = previousMigrationsSchema.parse(await ctx.inputJson('previous-migrations'));
      return released.folders.find((f) => f.folder === folder)?.files ?? [];
    },
  };
}
