import { releaseVersion } from '../../core/version';
import { z } from 'zod';
import type { AgentContext, AgentDefinition } from '../../core/agent';
import {
  loadProductFiles,
  newestJson,
  productKinds,
  productSlug,
  serviceSlugs,
  verifyPackage,
  type ReleaseManifest,
} from '../../toolchain/release/productFiles';
import { sha256, writeTarGz } from '../../platform/deployment/tarball';
import type { Backlog } from '../../toolchain/schemas/backlog';
import { markdownText } from '../../toolchain/escaping/markdownText';
import { markdownAndJson } from '../runtime/reportFiles';
import { serviceDockerfileEntry } from '../../toolchain/release/serviceDockerfile';
import { gatewayEntries } from '../../toolchain/release/gatewayImage';

export const releaseSchema = z.object({
  product: z.string(),
  version: z.string().regex(/^\d+\.\d+\.\d+$/),
  iteration: z.number(),
  commits: z.array(z.object({ sha: z.string(), subject: z.string() })),
  stories: z.array(z.object({ id: z.string(), title: z.string(), priority: z.string() })),
  services: z.array(z.string()),
  fileCount: z.number(),
});
export type ReleaseNotes = z.infer<typeof releaseSchema>;

async function packageFiles(ctx: AgentContext): Promise<Array<{ path: string; content: Buffer }>> {
  const files = (await loadProductFiles(ctx)).map((f) => ({ path: f.path, content: f.content }));
  // The image build of every service (Container Apps target) starts from the package itself.
  if (serviceSlugs(files).length) files.push(serviceDockerfileEntry());
  // So does the product's gateway, which gives its clients and its APIs one origin.
  files.push(...gatewayEntries(new Set(files.map((f) => f.path))));
  const pipeline = ctx.inputs('pipeline').filter((i) => i.ref.path.endsWith('.yml'));
  if (pipeline.length)
    files.push({
      path: 'azure-pipelines.yml',
      content: Buffer.from(await pipeline[pipeline.length - 1].text()),
    });
  return files;
}

export const releaseManager: AgentDefinition<ReleaseNotes> = {
  name: 'releaseManager',
  role: 'Release Manager',
  phase: 'testing-to-deployment',
  purpose:
    'Versions the release, writes release notes from the commits and stories, and builds a verified release package (.tgz with a manifest of file hashes).',
  uses: 'compiler',
  reads: [...productKinds, 'commit', 'backlog', 'domain-model', 'pipeline'],
  writes: ['release-notes', 'release-package'],
  output: releaseSchema,
  async blueprint(ctx) {
    const files = await packageFiles(ctx);
    if (files.length === 0) throw new Error('nothing to release: no product files were given');
    const commit = await newestJson<{ commits?: Array<{ sha: string; subject: string }> }>(ctx, 'commit');
    const backlog = await newestJson<Backlog>(ctx, 'backlog');
    return {
      product: await productSlug(ctx, files),
      version: releaseVersion(ctx.iteration, ctx.change?.after),
      iteration: ctx.iteration,
      commits: (commit?.commits ?? []).filter((c) => c.sha).map((c) => ({ sha: c.sha, subject: c.subject })),
      stories: (backlog?.stories ?? []).map((s) => ({ id: s.id, title: s.title, priority: s.priority })),
      services: serviceSlugs(files),
      fileCount: files.length,
    };
  },
  async artifacts(notes, ctx) {
    const files = await packageFiles(ctx);
    const archiveName = `${notes.product}-${notes.version}.tgz`;
    const listed = files.map((f) => ({ path: f.path, bytes: f.content.length, sha256: sha256(f.content) }));
    const withoutArchiveHash = {
      product: notes.product,
      version: notes.version,
      iteration: notes.iteration,
      archive: archiveName,
      services: notes.services,
      files: listed,
    };
    // The manifest travels inside the archive too, so an unpacked release can be checked on its own.
    const archive = writeTarGz([
      ...files,
      { path: 'release-manifest.json', content: Buffer.from(JSON.stringify(withoutArchiveHash, null, 2)) },
    ]);
    const manifest: ReleaseManifest = { ...withoutArchiveHash, archiveSha256: sha256(archive) };
    const check = verifyPackage(archive, manifest);
    if (!check.verified)
      throw new Error(`the release package does not verify: ${check.problems.slice(0, 5).join('; ')}`);
    const byPriority = (p: string) =>
      notes.stories
        .filter((s) => s.priority === p)
        .map((s) => `- ${markdownText(s.id)} ${markdownText(s.title)}`);
    const md = [
      `# ${markdownText(notes.product)} ${notes.version}`,
      '',
      `Iteration ${notes.iteration}. Services: ${notes.services.join(', ') || 'none'}. ${notes.fileCount} files; package \`${archiveName}\` (sha256 ${manifest.archiveSha256}).`,
      '',
      '## Changes',
      '',
      ...(notes.commits.length
        ? notes.commits.map((c) => `- ${markdownText(c.subject)} (${c.sha.slice(0, 10)})`)
        : ['- no commit record was given']),
      '',
      '## Stories delivered',
      '',
      ...(['must', 'should', 'could'] as const).flatMap((p) =>
        byPriority(p).length ? [`### ${p}`, '', ...byPriority(p), ''] : [],
      ),
    ].join('\n');
    return [
      ...markdownAndJson('release/release-notes', 'release-notes', md + '\n', notes),
      {
        folder: 'release/package',
        kind: 'release-package',
        files: [
          { path: archiveName, content: archive },
          { path: 'manifest.json', content: JSON.stringify(manifest, null, 2) + '\n' },
        ],
      },
    ];
  },
};
