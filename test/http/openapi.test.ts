import '../../functions';
import '../../functions/http';
import { openApiProblems } from '../../toolchain/architecture/validation';
import { openApiDocument } from '../../functions/http/openapi';
import { registry } from '../../local/durableHost/functionsCore';

type Operations = Record<string, Record<string, { security?: unknown[]; 'x-required-role'?: string }>>;

/** `runs/{runId}/artifacts/{*path}` as OpenAPI writes it: `/runs/{runId}/artifacts/{path}`. */
const openApiPath = (route: string) => `/${route.replace(/\{\*?([A-Za-z0-9_]+)\??\}/g, '{$1}')}`;

function registeredOperations(): string[] {
  return registry.byTrigger('httpTrigger').flatMap((registration) => {
    const trigger = registration.bindings[registration.triggerName] as { route?: string; methods?: string[] };
    const route = trigger.route ?? registration.name;
    return (trigger.methods ?? ['GET', 'POST']).map(
      (method) => `${method.toUpperCase()} ${openApiPath(route)}`,
    );
  });
}

function documentedOperations(): string[] {
  const paths = openApiDocument().paths as Operations;
  return Object.entries(paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

test('every registered HTTP function is documented, and every documented operation is registered', () => {
  const registered = registeredOperations().sort();
  const documented = documentedOperations().sort();
  expect(registered.length).toBeGreaterThanOrEqual(11);
  expect(documented).toEqual(registered);
});

test('every HTTP function is anonymous at the Functions level: the API authenticates callers itself', () => {
  for (const registration of registry.byTrigger('httpTrigger')) {
    expect([
      registration.name,
      (registration.bindings[registration.triggerName] as { authLevel?: string }).authLevel,
    ]).toEqual([registration.name, 'anonymous']);
  }
});

test('the document is valid OpenAPI 3.1', async () => {
  expect(await openApiProblems(openApiDocument())).toEqual([]);
});

test('secured operations name the app role they need; only health, the document and the dashboard files are anonymous', () => {
  const paths = openApiDocument().paths as Operations;
  const anonymous: string[] = [];
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (Array.isArray(operation.security) && operation.security.length === 0)
        anonymous.push(`${method} ${path}`);
      else
        expect([`${method} ${path}`, operation['x-required-role']]).toEqual([
          `${method} ${path}`,
          expect.stringMatching(/^(Runs\.Start|Runs\.Read|Gates\.Approve)$/),
        ]);
    }
  }
  expect(anonymous.sort()).toEqual(['get /dashboard/{path}', 'get /health', 'get /openapi.json']);
});

test('request schemas come from the validators: the run request rejects unknown fields', () => {
  const schemas = (
    openApiDocument().components as {
      schemas: Record<string, { additionalProperties?: unknown; required?: string[]; anyOf?: unknown[] }>;
    }
  ).schemas;
  expect(schemas.StartRunRequest.additionalProperties).toBe(false);
  // A vision, or a phase and the artifacts a person gives in place of the earlier phases' outputs.
  expect(schemas.StartRunRequest.required).toBeUndefined();
  expect(schemas.StartRunRequest.anyOf).toEqual([
    { required: ['vision'] },
    { required: ['fromPhase', 'artifacts'] },
  ]);
  expect(schemas.ApprovalRequest.required).toEqual(['decision']);
});
