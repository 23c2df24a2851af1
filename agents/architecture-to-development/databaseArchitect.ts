import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { releaseVersion } from '../../core/version';
import { readChangeRequest } from '../blueprint/change/changeRequest';
import { previousRelease } from '../blueprint/change/previousRelease';
import { evolveMigrations, generateMigrations } from '../blueprint/database/postgresMigrations';
import { removedDatabase } from '../blueprint/database/nextMigration';
import { tableName } from '../../toolchain/architecture/model';
import { refusalsFile } from '../../toolchain/database/criteria';
import { domainModelSchema } from '../../toolchain/schemas/domainModel';

const outputSchema = z.object({
  /** All foreign keys in a final migration, chosen when a previous attempt's migrations failed to apply. */
  deferForeignKeys: z.boolean(),
  databases: z
    .array(
      z.object({
        context: z.string(),
        folder: z.string().regex(/^db\/[a-z0-9-]+$/),
        tables: z.array(z.string()).min(1),
        files: z.array(z.object({ path: z.string(), content: z.string() })).min(1),
        /** What the version's migration changes, when the database had a version before. */
        changes: z.array(z.string()).optional(),
        /** Why the version's migration could not be written (data it would lose, rows left without a value). */
        refusals: z.array(z.string()).optional(),
      }),
    )
    .min(1),
  feedbackAddressed: z.array(z.object({ feedback: z.string(), action: z.string() })),
});

/** Findings from a failed apply (`db/<slug>/002_x.sql line 3: ... (SQLSTATE 42P01)`). */
const applyFailure = (finding: string) => /db\/[a-z0-9-]+\/\S+\.sql|SQLSTATE|migration/i.test(finding);

export const databaseArchitect: AgentDefinition<z.infer<typeof outputSchema>> = {
  name: 'databaseArchitect',
  role: 'Database Architect',
  phase: 'architecture-to-development',
  purpose:
    'Designs one PostgreSQL database per service: ordered migration scripts from the domain model, constraints that enforce it, and seed data.',
  uses: 'compiler',
  reads: [
    'domain-model',
    'development-plan',
    'migration',
    'change-request',
    'previous-domain-model',
    'previous-migrations',
  ],
  writes: ['migration'],
  output: outputSchema,
  async blueprint(ctx) {
    const model = domainModelSchema.parse(await ctx.inputJson('domain-model'));
    const failures = ctx.feedback.filter(applyFailure);
    // A failed apply is most often an ordering problem between tables: moving every foreign key into a last
    // migration removes that whole class of failure.
    const deferForeignKeys = failures.length > 0;
    const previous = await previousRelease(ctx);
    const terms = ctx.inputs('change-request').length
      ? readChangeRequest(await ctx.inputText('change-request')).terms
      : {};
    const databases: z.infer<typeof outputSchema>['databases'] = [];
    for (const context of model.contexts) {
      const feedback = failures.filter((f) => f.includes(`db/${context.slug}/`));
      if (!previous) {
        const folder = generateMigrations(model, context, { deferForeignKeys, feedback });
        databases.push({
          context: context.name,
          folder: folder.folder,
          tables: folder.tables,
          files: folder.files,
        });
        continue;
      }
      // The databases hold rows: they move to this version with one more script.
      const folder = evolveMigrations(
        { model: previous.model, files: await previous.migrations(`db/${context.slug}`) },
        model,
        context,
        {
          ...terms,
          label: `release_${releaseVersion(ctx.iteration, ctx.change?.after).replace(/\./g, '_')}`,
          feedback,
        },
      );
      databases.push({
        context: context.name,
        folder: folder.folder,
        tables: folder.tables,
        files: folder.refusals.length
          ? [...folder.files, { path: refusalsFile, content: JSON.stringify(folder.refusals, null, 2) }]
          : folder.files,
        changes: folder.changes,
        refusals: folder.refusals,
      });
    }
    // A database whose service the change removes: refused unless the change allows losing its rows. Its folder
    // then holds only the reasons, for the gate.
    for (const context of previous?.model.contexts ?? []) {
      if (model.contexts.some((c) => c.slug === context.slug)) continue;
      const { refusals } = removedDatabase(context, terms);
      if (refusals.length)
        databases.push({
          context: context.name,
          folder: `db/${context.slug}`,
          tables: context.entities.map(tableName),
          files: [{ path: refusalsFile, content: JSON.stringify(refusals, null, 2) }],
          refusals,
        });
    }
    return {
      deferForeignKeys,
      databases,
      feedbackAddressed: failures.map((feedback) => ({
        feedback,
        action:
          'Foreign keys now live in a final NNN_add_foreign_keys.sql migration, after every table exists; the scripts were regenerated.',
      })),
    };
  },
  artifacts(output) {
    return output.databases.map((database) => ({
      folder: database.folder,
      kind: 'migration',
      files: database.files,
    }));
  },
};
