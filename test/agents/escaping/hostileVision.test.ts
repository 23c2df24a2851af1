import ts from 'typescript';
import type { AgentDefinition, ArtifactRef, FolderIndex } from '../../../core/agent';
import {
  backendDeveloper,
  databaseArchitect,
  frontendDeveloper,
  infrastructureEngineer,
  mobileDeveloper,
  techLead,
} from '../../../agents/architecture-to-development';
import { applyMigrations } from '../../../toolchain/database/applyMigrations';
import { commentText } from '../../../toolchain/escaping/commentText';
import { html } from '../../../toolchain/escaping/html';
import type { DomainModel } from '../../../toolchain/schemas/domainModel';
import { visionToArchitectureAgents } from '../../../agents/vision-to-architecture';
import { apiDesigner } from '../../../agents/vision-to-architecture/apiDesigner';
import { architectureToDevelopmentGate } from '../../../gates/architecture-to-development';
import { gateContext, runAgents, type HarnessRun } from '../../support/agentHarness';
import { domainModelInput } from '../development/fixtures';
import { toolLibraryInOneContext } from '../../support/fixtures/toolLibrary';
import { injectionMarker } from './hostileStrings';
import { hostile, hostileTitle, hostileVisionText } from './hostileVisionText';

const developmentAgents = [
  techLead,
  backendDeveloper,
  frontendDeveloper,
  mobileDeveloper,
  infrastructureEngineer,
  databaseArchitect,
] as Array<AgentDefinition<unknown>>;

/** The tool library model with every free-text field replaced by hostile text (names stay valid identifiers). */
function hostileModel(): DomainModel {
  let n = 0;
  const next = () => hostile(n++);
  const model = structuredClone(toolLibraryInOneContext);
  model.product.name = hostileTitle;
  for (const actor of model.actors) actor.description = next();
  for (const context of model.contexts) {
    context.description = next();
    for (const entity of context.entities) {
      entity.description = next();
      entity.invariants = [next(), next()];
      for (const attribute of entity.attributes) attribute.description = next();
    }
    for (const command of context.commands) command.description = next();
    for (const event of context.events) event.description = next();
  }
  return model;
}

async function folder(run: HarnessRun, ref: ArtifactRef) {
  const index = JSON.parse(
    (await run.store.get(run.tenantId, run.runId, ref.path)).toString('utf8'),
  ) as FolderIndex;
  const files = await Promise.all(
    index.files.map(async (file) => ({
      path: `${index.folder}/${file.path}`,
      content: (await run.store.get(run.tenantId, run.runId, `${index.root}/${file.path}`)).toString('utf8'),
    })),
  );
  return { index, files };
}

async function generatedFiles(run: HarnessRun): Promise<Array<{ path: string; content: string }>> {
  const kinds = ['service-source', 'frontend-source', 'mobile-source', 'migration', 'product-bicep'];
  const files = [];
  for (const ref of run.refs.filter((r) => kinds.includes(r.kind)))
    files.push(...(await folder(run, ref)).files);
  for (const ref of run.refs.filter((r) => r.kind !== 'vision-text' && /\.(md|html|feature)$/.test(r.path)))
    files.push({
      path: ref.path,
      content: (await run.store.get(run.tenantId, run.runId, ref.path)).toString('utf8'),
    });
  return files;
}

const gate = (run: HarnessRun) =>
  architectureToDevelopmentGate.evaluate(gateContext(run, 'architecture-to-development'));

/** Identifiers of a TypeScript file: text that the compiler reads as code, not as a comment or a string. */
function identifiers(path: string, content: string): string[] {
  const file = ts.createSourceFile(path, content, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) found.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Every tag of an HTML document; text cannot hold `<`, so each match is markup the browser builds. */
const tags = (content: string) => [...content.matchAll(/<\/?([A-Za-z][A-Za-z0-9-]*)([^>]*)>/g)];
const allowedTags = new Set(
  (
    'html head meta title link script style body header nav main p strong a form label input select option ' +
    'textarea button table thead tbody tr th td span div h1 h2 ul li section small'
  ).split(' '),
);

function expectInert(files: Array<{ path: string; content: string }>) {
  const code = files.filter((f) => /\.(ts|js)$/.test(f.path));
  expect(code.length).toBeGreaterThan(10);
  for (const file of code) {
    const names = identifiers(file.path, file.content);
    expect({
      file: file.path,
      injected: names.filter((n) => n.includes(injectionMarker) || n === 'alert'),
    }).toEqual({
      file: file.path,
      injected: [],
    });
  }
  const pages = files.filter((f) => f.path.endsWith('.html'));
  expect(pages.length).toBeGreaterThan(0);
  for (const page of pages) {
    for (const [tag, name, attributes] of tags(page.content)) {
      expect({ file: page.path, tag, allowed: allowedTags.has(name.toLowerCase()) }).toEqual({
        file: page.path,
        tag,
        allowed: true,
      });
      expect({ file: page.path, tag, handler: /\son[a-z]+\s*=/i.test(attributes) }).toEqual({
        file: page.path,
        tag,
        handler: false,
      });
    }
    expect(page.content.match(/<script\b/g)?.length ?? 0).toBeLessThanOrEqual(1);
  }
  // Gherkin (.feature) is plain text, where `<svg` is just characters; Markdown renders it as HTML.
  for (const doc of files.filter((f) => f.path.endsWith('.md')))
    expect({
      file: doc.path,
      rawMarkup: /(^|[^\\])<(svg|img|script|\/script)\b/im.test(doc.content),
    }).toEqual({
      file: doc.path,
      rawMarkup: false,
    });
}

function expectGatePassed(criteria: Awaited<ReturnType<typeof gate>>) {
  expect(criteria.filter((c) => !c.passed)).toEqual([]);
  const names = criteria.map((c) => c.name);
  for (const name of [
    'service type-check diagnostics',
    'web and mobile apps type-check',
    'migrations apply on PostgreSQL',
  ])
    expect(names).toContain(name);
}

describe('a vision with hostile text in its title, descriptions and rules', () => {
  let run: HarnessRun;
  let files: Array<{ path: string; content: string }>;

  beforeAll(async () => {
    run = await runAgents(
      [...visionToArchitectureAgents, ...developmentAgents] as Array<AgentDefinition<unknown>>,
      {
        visionText: hostileVisionText,
      },
    );
    files = await generatedFiles(run);
  }, 240_000);

  it('carries the hostile text into the domain model unchanged', async () => {
    const model = await run.json<DomainModel>('domain-model');
    expect(model.product.name).toBe(hostileTitle);
    const tool = model.contexts.flatMap((c) => c.entities).find((e) => e.name === 'Tool')!;
    expect(tool.attributes.find((a) => a.name === 'name')?.description).toBe(`Name ${hostile(1)}`);
    expect(tool.invariants.join('\n')).toContain(
      "${globalThis.__pwned = 2} </script><svg onload=alert(2)> '; DROP TABLE x; --",
    );
  });

  it('generates services and apps that pass the development gate (strict type checks, migrations)', async () => {
    expectGatePassed(await gate(run));
  }, 240_000);

  it('keeps the hostile text inert: in comments, strings and escaped HTML only', () => {
    expectInert(files);
  });

  it('writes the hostile text verbatim in escaped form', () => {
    const domain = files.find((f) => f.path.endsWith('src/domain/tool.ts'))!;
    expect(domain.content).toContain(`/** ${commentText(`Name ${hostile(1)}`)} */`);
    const index = files.find((f) => f.path === 'web/index.html')!;
    expect(index.content).toContain(`<title>${html(hostileTitle)}</title>`);
    expect(index.content).not.toContain('<svg onload');
  });
});

describe('a domain model with hostile text in every description', () => {
  const model = hostileModel();
  let run: HarnessRun;
  let files: Array<{ path: string; content: string }>;

  beforeAll(async () => {
    run = await runAgents([domainModelInput(model), apiDesigner, ...developmentAgents], {
      visionText: 'unused',
    });
    files = await generatedFiles(run);
  }, 240_000);

  it('generates services and apps that pass the development gate (strict type checks, migrations)', async () => {
    expectGatePassed(await gate(run));
  }, 240_000);

  it('keeps the hostile text inert: in comments, strings and escaped HTML only', () => {
    expectInert(files);
  });

  it('stores entity and attribute descriptions as PostgreSQL comments, byte for byte', async () => {
    const hex = (text: string) => Buffer.from(text.replaceAll('\u0000', '\ufffd'), 'utf8').toString('hex');
    for (const ref of run.all('migration')) {
      const { index, files: scripts } = await folder(run, ref);
      const context = model.contexts.find((c) => `db/${c.slug}` === index.folder)!;
      // The expected text travels hex-encoded, so the check does not go through the escaping under test.
      const checks = context.entities.flatMap((entity) => {
        const table = entity.plural.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
        const column = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
        return [
          `obj_description('${table}'::regclass, 'pg_class') IS DISTINCT FROM convert_from(decode('${hex(entity.description)}', 'hex'), 'UTF8')`,
          ...entity.attributes
            .filter((a) => !entity.relations.some((r) => r.via === a.name))
            .map(
              (a) =>
                `col_description('${table}'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = '${table}'::regclass AND attname = '${column(a.name)}')) IS DISTINCT FROM convert_from(decode('${hex(a.description)}', 'hex'), 'UTF8')`,
            ),
        ].map((check, i) => `  IF ${check} THEN RAISE EXCEPTION 'comment ${i} of ${table} differs'; END IF;`);
      });
      const probe = `CREATE TABLE x (id int);\nDO $$ BEGIN\n${checks.join('\n')}\nEND $$;\n`;
      const result = await applyMigrations([
        ...scripts.map((s) => ({ path: s.path.slice(index.folder.length + 1), content: s.content })),
        { path: '999_probe.sql', content: probe },
      ]);
      expect(result.errors).toEqual([]);
      expect(result.rowCounts.x).toBe(0);
    }
  }, 120_000);
});
