import { z } from 'zod';
import { backendDeveloper } from '../../../agents/architecture-to-development/backendDeveloper';
import { databaseArchitect } from '../../../agents/architecture-to-development/databaseArchitect';
import { infrastructureEngineer } from '../../../agents/architecture-to-development/infrastructureEngineer';
import type { AgentDefinition, FolderIndex } from '../../../core/agent';
import { apiDesigner } from '../../../agents/vision-to-architecture/apiDesigner';
import { toolLibraryInOneContext } from '../../support/fixtures/toolLibrary';
import { toolLibraryBacklog } from '../../support/fixtures/toolLibraryBacklog';
import { backlogInput, domainModelInput } from '../development/fixtures';

/**
 * The tool library product as phases 1 and 2 leave it: domain model, backlog, OpenAPI, one service, its
 * migrations, Bicep.
 */
export const builtProduct = [
  domainModelInput(toolLibraryInOneContext),
  backlogInput(toolLibraryBacklog),
  apiDesigner,
  backendDeveloper,
  databaseArchitect,
  infrastructureEngineer,
] as Array<AgentDefinition<unknown>>;

/** Rewrites the `services/<slug>` folder with one file changed or added, as a rework attempt would. */
export function patchService(
  slug: string,
  path: string,
  edit: (old: string | undefined) => string,
): AgentDefinition<unknown> {
  return {
    name: 'patchService',
    role: 'Fixture',
    phase: 'architecture-to-development',
    purpose: 'Changes one file of a generated service.',
    uses: 'tools',
    reads: ['service-source'],
    writes: ['service-source'],
    output: z.unknown(),
    async blueprint(ctx) {
      const input = ctx.inputs('service-source').find((i) => i.ref.path.includes(`services/${slug}/`));
      if (!input) throw new Error(`no service ${slug}`);
      const index = await input.json<FolderIndex>();
      const files = (await ctx.readFolder(input.ref)).map((f) => ({
        path: f.path,
        content: f.content.toString('utf8'),
      }));
      const old = files.find((f) => f.path === path);
      const content = edit(old?.content);
      return {
        folder: index.folder,
        files: old
          ? files.map((f) => (f.path === path ? { path, content } : f))
          : [...files, { path, content }],
      };
    },
    artifacts: (output) => [
      {
        ...(output as { folder: string; files: Array<{ path: string; content: string }> }),
        kind: 'service-source',
      },
    ],
  };
}
