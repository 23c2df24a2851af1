import type TS from 'typescript';
import { ts } from '../../platform/typescript';

export interface ImplementedRoute {
  method: string;
  path: string;
  operationId: string;
}

/**
 * Reads the route table from the generated `src/api/routes.ts` itself (the code, not a side file): every object
 * literal with string `method`, `path`, `operationId` and a `handler` is one implemented operation.
 */
export function implementedRoutes(routesSource: string): ImplementedRoute[] {
  const source = ts.createSourceFile('routes.ts', routesSource, ts.ScriptTarget.ES2022, true);
  const routes: ImplementedRoute[] = [];
  const visit = (node: TS.Node) => {
    if (ts.isObjectLiteralExpression(node)) {
      const values = new Map<string, string>();
      let hasHandler = false;
      for (const property of node.properties) {
        const name = property.name && ts.isIdentifier(property.name) ? property.name.text : undefined;
        if (!name) continue;
        if (name === 'handler') hasHandler = true;
        if (ts.isPropertyAssignment(property) && ts.isStringLiteral(property.initializer))
          values.set(name, property.initializer.text);
      }
      if (hasHandler && values.has('method') && values.has('path') && values.has('operationId')) {
        routes.push({
          method: values.get('method')!.toUpperCase(),
          path: values.get('path')!,
          operationId: values.get('operationId')!,
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return routes;
}

/** Operations of an OpenAPI document missing from the route table, as actionable findings. */
export function missingOperations(
  doc: Record<string, unknown>,
  routes: ImplementedRoute[],
  service: string,
): string[] {
  const findings: string[] = [];
  for (const [path, item] of Object.entries(
    (doc.paths ?? {}) as Record<string, Record<string, { operationId?: string }>>,
  )) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const operation = item[method];
      if (!operation) continue;
      const found = routes.some((route) => route.method === method.toUpperCase() && route.path === path);
      if (!found) {
        findings.push(
          `${service}: no handler for ${method.toUpperCase()} ${path} (operation ${operation.operationId ?? '?'}) in src/api/routes.ts`,
        );
      }
    }
  }
  return findings;
}
