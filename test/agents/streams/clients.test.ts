import { moneyInputPattern, moneyPattern } from '../../../toolchain/money';
import { runInNewContext } from 'node:vm';
import ts from 'typescript';
import { generateApp } from '../../../agents/blueprint/clients/apps';
import { typeCheckFolder, formatDiagnostic } from '../../../toolchain/clients/typeCheck';
import { generateClientModule, httpModule } from '../../../agents/blueprint/clients/typescriptClient';
import { domainModelSchema } from '../../../toolchain/schemas/domainModel';
import { openApiDocuments } from './fixtures/openapi';
import { plantNurseryModel } from './fixtures/plantNursery';
import { toolLibraryModel } from '../../support/fixtures/toolLibrary';

const domains = [
  { name: 'tool library', model: toolLibraryModel, docs: openApiDocuments(toolLibraryModel) },
  {
    name: 'plant nursery',
    model: plantNurseryModel,
    docs: openApiDocuments(plantNurseryModel, {
      CancelOrder: { required: true },
      ShipOrder: { required: false },
    }),
  },
];

describe.each(domains)('generated clients for the $name', ({ model, docs }) => {
  it('uses a valid domain model fixture', () => {
    expect(domainModelSchema.safeParse(model).success).toBe(true);
  });

  it.each(['web', 'mobile'] as const)('%s app type-checks with lib DOM and strict', (variant) => {
    const app = generateApp(model, docs, variant);
    const result = typeCheckFolder(app.files);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.checkedFiles).toEqual(
      expect.arrayContaining([
        'src/main.ts',
        'src/ui.ts',
        'src/api/http.ts',
        ...model.contexts.map((c) => `src/api/${c.slug}.ts`),
      ]),
    );
    expect(app.missing).toEqual([]);
    const commands = model.contexts.flatMap((c) => c.commands.map((command) => command.name)).sort();
    expect(app.screens.flatMap((s) => s.commands).sort()).toEqual(commands);
    expect(app.screens.every((s) => s.list && s.create && s.detail)).toBe(true);
  });

  it.each(['web', 'mobile'] as const)(
    '%s app reaches each service under /api/<service> on its own origin',
    (variant) => {
      const page = generateApp(model, docs, variant).files.find((f) => f.path === 'index.html')!.content;
      for (const context of model.contexts)
        expect(page).toContain(`<meta name="api-base-url:${context.slug}" content="/api/${context.slug}" />`);
    },
  );

  it('fails the type check on a deliberately broken file, naming file and line', () => {
    const app = generateApp(model, docs, 'web');
    const context = model.contexts[0];
    const entity = context.entities[0];
    const broken = app.files.map((file) =>
      file.path === 'src/main.ts'
        ? {
            ...file,
            content: `${file.content}\nimport { create${entity.name} } from './api/${context.slug}.js';\nvoid create${entity.name}({ notAField: 1 });\n`,
          }
        : file,
    );
    const result = typeCheckFolder(broken);
    expect(result.ok).toBe(false);
    const messages = result.diagnostics.map(formatDiagnostic);
    expect(messages.some((m) => m.startsWith('src/main.ts:') && m.includes('notAField'))).toBe(true);
  });
});

describe('typed client module', () => {
  const doc = openApiDocuments(toolLibraryModel)[1];
  const client = generateClientModule(doc.slug, doc.document);

  it('has one function per operation id and interfaces for the schemas', () => {
    const ids = Object.values(
      (doc.document as { paths: Record<string, Record<string, { operationId: string }>> }).paths,
    ).flatMap((item) => Object.values(item).map((op) => op.operationId));
    for (const id of ids) expect(client.source).toContain(`export function ${id}(`);
    for (const name of ['Tool', 'ToolCreate', 'ToolUpdate', 'ToolPage', 'Loan', 'Problem'])
      expect(client.source).toContain(`export interface ${name} `);
    expect(client.source).toContain(`category: "power_tool" | "hand_tool" | "garden" | "ladder";`);
  });

  it('sends requests to the configured base URL and throws ApiError with the problem body', async () => {
    const modules: Record<string, Record<string, unknown>> = {};
    const load = (name: string, source: string) => {
      const js = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      const exports: Record<string, unknown> = {};
      runInNewContext(js, {
        exports,
        require: (spec: string) => modules[spec.replace(/^\.\/|\.js$/g, '')],
        URLSearchParams,
        fetch: undefined,
      });
      modules[name] = exports;
      return exports;
    };
    load('http', httpModule);
    const lending = load('lending', client.source) as Record<
      string,
      (...args: unknown[]) => Promise<unknown>
    > & { configure(c: unknown): void };
    const calls: Array<{
      url: string;
      init: { method: string; body?: string; headers: Record<string, string> };
    }> = [];
    const answers = [
      new Response(JSON.stringify({ items: [], total: 0 }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      }),
      new Response(
        JSON.stringify({
          type: 'https://example.org/conflict',
          title: 'Not allowed',
          status: 409,
          detail: 'loan is returned',
        }),
        { status: 409, headers: { 'content-type': 'application/problem+json' } },
      ),
    ];
    lending.configure({
      baseUrl: 'https://lending.example.org/',
      fetch: async (url: string, init: never) => (calls.push({ url, init }), answers.shift()!),
    });
    await expect(lending.listTools({ limit: 5, offset: 10 })).resolves.toEqual({ items: [], total: 0 });
    expect(calls[0].url).toBe('https://lending.example.org/v1/tools?limit=5&offset=10');
    const failure = lending
      .approveLoan('3f1c2a4e-0000-4000-8000-000000000001')
      .catch((error: unknown) => error);
    const error = (await failure) as { name: string; status: number; problem: { detail: string } };
    expect(calls[1]).toMatchObject({
      url: 'https://lending.example.org/v1/loans/3f1c2a4e-0000-4000-8000-000000000001/approve',
      init: { method: 'POST' },
    });
    expect(error).toMatchObject({ name: 'ApiError', status: 409, problem: { detail: 'loan is returned' } });
  });
});

describe('money in the generated apps', () => {
  const docs = openApiDocuments(plantNurseryModel);
  const app = generateApp(plantNurseryModel, docs, 'web');
  const file = (path: string) => app.files.find((f) => f.path === path)!.content;

  it('types amounts as strings and reads them from a decimal text input with the API pattern', () => {
    const catalogue = plantNurseryModel.contexts.find((c) =>
      c.entities.some((e) => e.attributes.some((a) => a.name === 'unitPrice')),
    )!;
    const unitPrice = catalogue.entities.flatMap((e) => e.attributes).find((a) => a.name === 'unitPrice')!;
    expect(unitPrice).toMatchObject({ minimum: 0.5, maximum: 500 });
    expect(file(`src/api/${catalogue.slug}.ts`)).toMatch(/unitPrice: string;/);
    const views = file(`src/views/${catalogue.slug}.ts`);
    expect(views).toContain(
      `{"name":"unitPrice","required":true,"input":"money","pattern":${JSON.stringify(moneyInputPattern(moneyPattern(unitPrice)))}}`,
    );
    expect(views).toContain('unitPrice: readMoney(form, "unitPrice")');
    expect(file('src/ui.ts')).toContain("inputmode: 'decimal'");
  });

  it('sends what was typed as a string with exactly two decimals', () => {
    const js = ts.transpileModule(file('src/ui.ts'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const exports: Record<string, (form: unknown, name: string) => unknown> = {};
    let typed = '';
    runInNewContext(js, {
      exports,
      require: () => ({ ApiError: class {} }),
      FormData: class {
        get() {
          return typed;
        }
      },
    });
    const read = (value: string) => ((typed = value), exports.readMoney({}, 'unitPrice'));
    expect(['19.9', '19', '19.99', ' 0.5 ', '19,5', '-3.5'].map(read)).toEqual([
      '19.90',
      '19.00',
      '19.99',
      '0.50',
      '19.50',
      '-3.50',
    ]);
    // Not an amount: sent as typed, so the service names the field in its 400 answer.
    expect(read('1.234')).toBe('1.234');
    typed = '';
    expect(exports.readOptionalMoney({}, 'unitPrice')).toBeUndefined();
  });
});
