import type { AgentContext, FolderIndex } from '../../core/agent';
import { compileService, type Diagnostic } from '../backend/compileService';

export interface ServiceSources {
  slug: string;
  /** Artifact path of the folder index, so reports can point at the exact sources they judged. */
  source: string;
  files: Array<{ path: string; content: string }>;
}

/** Every `service-source` folder given to the agent (the newest per service slug). */
export async function loadServices(ctx: AgentContext): Promise<ServiceSources[]> {
  const bySlug = new Map<string, ServiceSources>();
  for (const input of ctx.inputs('service-source')) {
    const index = await input.json<FolderIndex>();
    const slug = index.folder.split('/').pop() ?? index.folder;
    const files = (await ctx.readFolder(input.ref)).map((f) => ({
      path: f.path,
      content: f.content.toString('utf8'),
    }));
    bySlug.set(slug, { slug, source: input.ref.path, files });
  }
  return [...bySlug.values()].sort((a, b) => a.slug.localeCompare(b.slug));
}

/** Generated test files (`test-case` folders named `test-cases/<slug>`) that belong to a service. */
export async function loadTestCases(
  ctx: AgentContext,
  slug: string,
): Promise<Array<{ path: string; content: string }>> {
  const files: Array<{ path: string; content: string }> = [];
  for (const input of ctx.inputs('test-case')) {
    const index = await input.json<FolderIndex>();
    if (index.folder !== `test-cases/${slug}`) continue;
    for (const file of await ctx.readFolder(input.ref))
      files.push({ path: file.path, content: file.content.toString('utf8') });
  }
  return files;
}

export interface BuiltService {
  slug: string;
  source: string;
  outDir?: string;
  diagnostics: Diagnostic[];
  addedTests: string[];
}

/** Service sources plus the generated tests that run with them, compiled to CommonJS. */
export async function buildWithTestCases(ctx: AgentContext, service: ServiceSources): Promise<BuiltService> {
  const added = (await loadTestCases(ctx, service.slug)).filter(
    (f) => f.path.startsWith('test/') && f.path.endsWith('.ts'),
  );
  const result = compileService([...service.files, ...added], { emit: true });
  return {
    slug: service.slug,
    source: service.source,
    outDir: result.outDir,
    diagnostics: result.diagnostics,
    addedTests: added.map((f) => f.path),
  };
}

export function describeDiagnostics(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map(
    (d) => `${d.file ?? '(project)'}${d.line ? `:${d.line}` : ''} TS${d.code}: ${d.message}`,
  );
}
