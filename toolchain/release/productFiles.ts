import type { AgentContext, FolderIndex } from '../../core/agent';
import { readTarGz, sha256 } from '../../platform/deployment/tarball';
import type { ArtifactKind, FolderKind } from '../../core/artifactKinds';

/** The folder artifacts that together are the product's source tree. */
export const productKinds = [
  'service-source',
  'frontend-source',
  'mobile-source',
  'product-bicep',
  'migration',
] as const satisfies readonly FolderKind[];

export interface ProductFile {
  /** Path in the product tree: `<folder>/<file>`, e.g. `services/lending/src/main.ts`. */
  path: string;
  content: Buffer;
  kind: string;
}

/**
 * Every file of the product as the earlier phases left it: for each folder the newest artifact wins (a rework
 * attempt replaces the folder it regenerated; the manifest keeps the newest last).
 */
export async function loadProductFiles(ctx: AgentContext): Promise<ProductFile[]> {
  const byFolder = new Map<string, { kind: string; ref: Parameters<AgentContext['readFolder']>[0] }>();
  for (const kind of productKinds) {
    for (const input of ctx.inputs(kind)) {
      const index = await input.json<FolderIndex>();
      byFolder.set(index.folder, { kind, ref: input.ref });
    }
  }
  const files: ProductFile[] = [];
  for (const [folder, { kind, ref }] of [...byFolder.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    for (const file of await ctx.readFolder(ref))
      files.push({ path: `${folder}/${file.path}`, content: file.content, kind });
  }
  return files;
}

/** Service slugs present in the product tree (`services/<slug>/package.json`). */
export function serviceSlugs(files: Array<{ path: string }>): string[] {
  return [
    ...new Set(
      files
        .map((f) => /^services\/([^/]+)\/package\.json$/.exec(f.path)?.[1])
        .filter((s): s is string => Boolean(s)),
    ),
  ].sort();
}

export interface ReleaseManifest {
  product: string;
  version: string;
  iteration: number;
  archive: string;
  archiveSha256: string;
  services: string[];
  files: Array<{ path: string; bytes: number; sha256: string }>;
}

export interface PackageVerification {
  verified: boolean;
  entriesChecked: number;
  problems: string[];
}

/** Checks an archive against its manifest: the archive's own hash, then every entry's hash, both ways. */
export function verifyPackage(archive: Buffer, manifest: ReleaseManifest): PackageVerification {
  const problems: string[] = [];
  if (sha256(archive) !== manifest.archiveSha256)
    problems.push(
      `archive sha256 ${sha256(archive).slice(0, 12)}… differs from the manifest's ${manifest.archiveSha256.slice(0, 12)}…`,
    );
  let entries: Array<{ path: string; content: Buffer }> = [];
  try {
    entries = readTarGz(archive);
  } catch (error) {
    problems.push((error as Error).message);
  }
  const inArchive = new Map(entries.map((e) => [e.path, e.content]));
  for (const file of manifest.files) {
    const content = inArchive.get(file.path);
    if (!content) problems.push(`${file.path}: listed in the manifest but missing from the archive`);
    else if (sha256(content) !== file.sha256) problems.push(`${file.path}: sha256 differs from the manifest`);
    else if (content.length !== file.bytes) problems.push(`${file.path}: size differs from the manifest`);
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const path of inArchive.keys())
    if (!listed.has(path) && path !== 'release-manifest.json')
      problems.push(`${path}: in the archive but not in the manifest`);
  return { verified: problems.length === 0, entriesChecked: manifest.files.length, problems };
}

/** The release package of the run (newest): the archive bytes and its manifest, read from the folder artifact. */
export async function loadReleasePackage(
  ctx: AgentContext,
): Promise<{ archive: Buffer; manifest: ReleaseManifest; ref: string }> {
  const found = ctx.inputs('release-package');
  if (found.length === 0)
    throw new Error('no release-package artifact was given: Testing to Deployment builds it');
  const input = found[found.length - 1];
  const files = await ctx.readFolder(input.ref);
  const manifestFile = files.find((f) => f.path === 'manifest.json');
  if (!manifestFile) throw new Error(`release package ${input.ref.path} has no manifest.json`);
  const manifest = JSON.parse(manifestFile.content.toString('utf8')) as ReleaseManifest;
  const archive = files.find((f) => f.path === manifest.archive);
  if (!archive) throw new Error(`release package ${input.ref.path} has no archive '${manifest.archive}'`);
  return { archive: archive.content, manifest, ref: input.ref.path };
}

/** The newest JSON artifact of a kind (a kind often has a `.md` rendering beside its `.json`). */
export async function newestJson<T>(ctx: AgentContext, kind: ArtifactKind): Promise<T | undefined> {
  const found = ctx.inputs(kind).filter((i) => i.ref.path.endsWith('.json'));
  return found.length ? found[found.length - 1].json<T>() : undefined;
}

/** Every JSON artifact of a kind, in order. */
export async function allJson<T>(ctx: AgentContext, kind: ArtifactKind): Promise<T[]> {
  const out: T[] = [];
  for (const input of ctx.inputs(kind)) if (input.ref.path.endsWith('.json')) out.push(await input.json<T>());
  return out;
}

/** The product slug: from the domain model when there is one, else from the first service package name. */
export async function productSlug(
  ctx: AgentContext,
  files: Array<{ path: string; content: Buffer }>,
): Promise<string> {
  const model = await newestJson<{ product?: { slug?: string } }>(ctx, 'domain-model');
  if (model?.product?.slug) return model.product.slug;
  const pkg = files.find((f) => /^services\/[^/]+\/package\.json$/.test(f.path));
  if (pkg) {
    const name = (JSON.parse(pkg.content.toString('utf8')) as { name?: string }).name;
    if (name) return name.replace(/-[a-z0-9]+-service$/, '');
  }
  return 'product';
}
