import { policyPath, policySource } from './rulePolicies';
import type { BoundedContext, DomainModel } from '../schemas/domainModel';
import { markdownText } from '../escaping/markdownText';
import { serviceModel, type ServiceModel } from './model';
import { applicationSource, useCasesSource } from './templates/application';
import { mainSource, routesSource } from './templates/api';
import { entitySource } from './templates/domain';
import { kitFile } from './kit';
import { installedVersion, runtimeDependencies } from './runtimeDependencies';
import { tablesSource } from './templates/tables';
import { ruleAcceptanceTestSource, ruleScenarios, rulesFeatureSource } from './templates/ruleTests';
import { apiTestSource, domainTestSource, useCaseTestSource } from './templates/tests';

export interface GeneratedFile {
  path: string;
  content: string;
}

export interface GeneratedService {
  slug: string;
  context: string;
  /** `services/<context-slug>`: the folder artifact name. */
  folder: string;
  files: GeneratedFile[];
}

/** The compiler options every generated service uses, written to its tsconfig.json and used by the gate. */
export const serviceCompilerOptions = {
  target: 'ES2022',
  module: 'commonjs',
  moduleResolution: 'node',
  lib: ['ES2022'],
  types: ['node'],
  strict: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  noUnusedLocals: true,
  forceConsistentCasingInFileNames: true,
  skipLibCheck: true,
  sourceMap: true,
  outDir: 'dist',
  rootDir: '.',
} as const;

function projectFiles(model: ServiceModel, version: string): GeneratedFile[] {
  const packageJson = {
    name: model.packageName,
    version,
    private: true,
    description: `${model.context.name} service: ${model.context.description}`,
    main: 'dist/src/main.js',
    engines: { node: '>=20' },
    scripts: {
      build: 'tsc -p tsconfig.json',
      test: 'npm run build && node --test dist/test/',
      start: 'node dist/src/main.js',
    },
    dependencies: runtimeDependencies(),
    devDependencies: {
      typescript: '~5.9',
      '@types/node': '^20',
      '@types/pg': `^${installedVersion('@types/pg')}`,
    },
  };
  const readme = [
    `# ${model.context.name} service`,
    '',
    markdownText(model.context.description),
    '',
    'Node.js, the PostgreSQL driver `pg` and `jose` for bearer tokens. `npm install`, `npm run build`, `npm test`,',
    '`npm start` (PORT, default 8080; DATABASE_URL, a PostgreSQL database with the migrations of `db/' +
      model.slug +
      '/` applied; AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS or AUTH_JWKS_URL, the token issuer it trusts).',
    '',
    'Every operation but `GET /health` needs `Authorization: Bearer <JWT>` from that issuer (401 otherwise).',
    '',
    '## Layers',
    '- `src/domain/`: entities, attribute rules, lifecycle transitions, domain errors. Imports nothing else.',
    '- `src/application/`: one use-case class per entity, ports (repository, clock, ids, events), DTOs.',
    '- `src/infrastructure/`: PostgreSQL repositories, transactions and outbox; the in-memory test double;',
    '  fault-injecting repositories; system clock and ids.',
    '- `src/api/`: the node:http adapter with bearer authentication; `routes.ts` is the route table, one entry per',
    '  OpenAPI operation.',
    '- `src/main.ts`: composition root; `REPOSITORY=memory` runs the in-memory test double instead of PostgreSQL,',
    '  `CHAOS_REPOSITORY=slow|failing` injects repository faults.',
    '',
    '## Operations',
    '',
    '| Method | Path | Operation |',
    '| --- | --- | --- |',
    '| GET | /health | health |',
    ...model.operations.map((op) => `| ${op.method.toUpperCase()} | ${op.path} | ${op.operationId} |`),
    '',
  ].join('\n');
  return [
    { path: 'package.json', content: JSON.stringify(packageJson, null, 2) + '\n' },
    {
      path: 'tsconfig.json',
      content:
        JSON.stringify({ compilerOptions: serviceCompilerOptions, include: ['src', 'test'] }, null, 2) + '\n',
    },
    { path: 'README.md', content: readme },
  ];
}

/** The static half of every service: files of `kit/service/`, copied as they are. */
const kitPaths = [
  'src/domain/errors.ts',
  'src/domain/rules.ts',
  'src/domain/policies.ts',
  'src/application/ports.ts',
  'src/application/dto.ts',
  'src/infrastructure/inMemoryRepository.ts',
  'src/infrastructure/faultyRepository.ts',
  'src/infrastructure/system.ts',
  'src/infrastructure/postgresDatabase.ts',
  'src/infrastructure/postgresRepository.ts',
  'src/infrastructure/postgresOutbox.ts',
  'src/infrastructure/postgresConnection.ts',
  'src/infrastructure/postgresMigrations.ts',
  'src/infrastructure/postgresStore.ts',
  'src/infrastructure/managedIdentity.ts',
  'src/infrastructure/serviceBusEvents.ts',
  'src/api/authentication.ts',
  'src/api/http.ts',
  'src/api/route.ts',
  'src/api/server.ts',
  'test/client.ts',
];

/** Every file of one bounded context's service, deterministic for a given model. */
export function generateService(
  model: DomainModel,
  context: BoundedContext,
  options: { version?: string; policies?: Readonly<Record<string, string>> } = {},
): GeneratedService {
  const service = serviceModel(context, model.product.slug);
  // A policy rule's check calls the function whose body the model wrote (docs/adr/0073); without one the service
  // would not compile, so it is an error here, named.
  const policyFiles = service.rules.enforced
    .filter((rule) => rule.check.kind === 'policy')
    .map((rule) => {
      const body = options.policies?.[rule.id];
      if (body === undefined)
        throw new Error(
          `rule ${rule.id} ("${rule.text}") is checked by a policy function and none was written for it; policies are written by a language model (--model azure-openai)`,
        );
      return {
        path: policyPath(rule.id),
        content: policySource(
          service.entities.find((e) => e.name === rule.hook)!,
          rule,
          body,
        ),
      };
    });
  const kitFiles = kitPaths.map((path) => ({ path, content: kitFile(path) }));
  const files: GeneratedFile[] = [
    ...projectFiles(service, options.version ?? '1.0.0'),
    ...kitFiles,
    ...service.entities.map((e) => ({ path: `src/domain/${e.file}.ts`, content: entitySource(e) })),
    ...service.entities.map((e) => ({
      path: `src/application/${e.var}UseCases.ts`,
      content: useCasesSource(e, service),
    })),
    { path: 'src/application/application.ts', content: applicationSource(service) },
    { path: 'src/api/routes.ts', content: routesSource(service) },
    { path: 'src/infrastructure/tables.ts', content: tablesSource(service) },
    { path: 'src/main.ts', content: mainSource(service) },
    ...service.entities.map((e) => ({ path: `test/${e.file}.domain.test.ts`, content: domainTestSource(e) })),
    ...service.entities.map((e) => ({
      path: `test/${e.file}.use-cases.test.ts`,
      content: useCaseTestSource(e, service),
    })),
    { path: 'test/api.test.ts', content: apiTestSource(service) },
    ...policyFiles,
  ];
  const scenarios = ruleScenarios(service);
  const acceptance = ruleAcceptanceTestSource(service, scenarios);
  const feature = rulesFeatureSource(service, scenarios);
  if (acceptance) files.push({ path: 'test/rules.acceptance.test.ts', content: acceptance });
  if (feature) files.push({ path: 'features/rules.feature', content: feature });
  return { slug: context.slug, context: context.name, folder: `services/${context.slug}`, files };
}
