import type { BoundedContext, Command, Entity } from './schemas/domainModel';

/**
 * The one place that decides how a domain model becomes HTTP: the API Designer writes OpenAPI documents with
 * these paths and operation ids, the Backend Developer implements exactly these, the clients call them.
 */
export const apiVersion = 'v1';

export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}

export function camel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** `/v1/loan-requests` for entity plural `LoanRequests`. */
export function collectionPath(entity: Entity): string {
  return `/${apiVersion}/${kebab(entity.plural)}`;
}

export function itemPath(entity: Entity): string {
  return `${collectionPath(entity)}/{id}`;
}

/** `/v1/loans/{id}/approve` for command `ApproveLoan` with verb `approve`. */
export function commandPath(entity: Entity, command: Command): string {
  return `${itemPath(entity)}/${kebab(command.verb)}`;
}

export const healthPath = '/health';

export interface Operation {
  operationId: string;
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  entity: string;
  /** `list` | `create` | `get` | `update` | `delete` | `command` */
  action: 'list' | 'create' | 'get' | 'update' | 'delete' | 'command';
  command?: string;
}

/** Every operation of a bounded context's API, in a stable order. */
export function contextOperations(context: BoundedContext): Operation[] {
  const operations: Operation[] = [];
  for (const entity of context.entities) {
    const base = { entity: entity.name };
    operations.push(
      {
        ...base,
        action: 'list',
        method: 'get',
        path: collectionPath(entity),
        operationId: `list${entity.plural}`,
      },
      {
        ...base,
        action: 'create',
        method: 'post',
        path: collectionPath(entity),
        operationId: `create${entity.name}`,
      },
      { ...base, action: 'get', method: 'get', path: itemPath(entity), operationId: `get${entity.name}` },
      {
        ...base,
        action: 'update',
        method: 'patch',
        path: itemPath(entity),
        operationId: `update${entity.name}`,
      },
      {
        ...base,
        action: 'delete',
        method: 'delete',
        path: itemPath(entity),
        operationId: `delete${entity.name}`,
      },
    );
    for (const command of context.commands.filter((c) => c.entity === entity.name)) {
      operations.push({
        ...base,
        action: 'command',
        command: command.name,
        method: 'post',
        path: commandPath(entity, command),
        operationId: camel(command.name),
      });
    }
  }
  return operations;
}
