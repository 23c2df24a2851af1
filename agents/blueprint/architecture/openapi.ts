import type { BoundedContext, DomainModel, Entity } from '../../../toolchain/schemas/domainModel';
import {
  apiVersion,
  collectionPath,
  contextOperations,
  healthPath,
  camel,
  itemPath,
  type Operation,
} from '../../../toolchain/apiConventions';
import { entityFields, type JsonSchema, words } from '../../../toolchain/architecture/model';
import {
  computedAttributes,
  planRules,
  runsOn,
  type RulePlan,
  type Trigger,
} from '../../../toolchain/backend/rulePlan';

// Every operation and schema of a context reads the same rule plan: made once per context.
const plans = new WeakMap<BoundedContext, RulePlan>();
function planOf(context: BoundedContext): RulePlan {
  let plan = plans.get(context);
  if (!plan) plans.set(context, (plan = planRules(context)));
  return plan;
}

export interface OpenApiOptions {
  /** The document version (`info.version`); bumps with breaking and additive changes of the contract. */
  version: string;
}

export const defaultOpenApiOptions: OpenApiOptions = { version: '1.0.0' };

const problemJson = 'application/problem+json';
const json = 'application/json';
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const response = (name: string) => ({ $ref: `#/components/responses/${name}` });

/** The RFC 9457 error responses, shared by every operation. */
const problemResponses: Record<string, { status: number; description: string }> = {
  BadRequest: {
    status: 400,
    description: 'The body or a parameter is invalid; `errors` names each offending field.',
  },
  Unauthorized: { status: 401, description: 'No valid bearer token was presented.' },
  Forbidden: {
    status: 403,
    description:
      "The caller's token grants none of the roles a business rule of the vision asks for this operation (named by `rule`).",
  },
  NotFound: { status: 404, description: 'No record with this id exists.' },
  Conflict: {
    status: 409,
    description:
      'The request conflicts with the current state or with other records: a lifecycle step not allowed now, a unique value already taken, or a business rule of the vision (named by `rule`).',
  },
  UnprocessableContent: {
    status: 422,
    description:
      'The record breaks a business rule of the vision, named by `rule` (e.g. an end before its start).',
  },
  PayloadTooLarge: {
    status: 413,
    description: 'The request body is larger than the service accepts (1 MiB).',
  },
  UnsupportedMediaType: { status: 415, description: 'The request body is not `application/json`.' },
  ServiceUnavailable: {
    status: 503,
    description: 'The service cannot reach its storage right now; the request may be retried.',
  },
};

function entitySchemas(context: BoundedContext, entity: Entity): Record<string, JsonSchema> {
  const computed = computedAttributes(planOf(context), entity.name);
  const fields = entityFields(entity, computed);
  const writable = fields.filter((f) => !f.readOnly);
  const label = words(entity.name).toLowerCase();
  const properties = (list: typeof fields, markReadOnly: boolean) =>
    Object.fromEntries(
      list.map((f) => [f.name, markReadOnly && f.readOnly ? { ...f.schema, readOnly: true } : f.schema]),
    );
  // Server-set fields are always present in a representation; client fields when the model requires them.
  // A computed amount is absent while one of its inputs is.
  const required = fields
    .filter((f) => (f.readOnly && !computed.has(f.name)) || f.required)
    .map((f) => f.name);
  const unique = entity.attributes.filter((a) => a.unique).map((a) => a.name);
  return {
    [entity.name]: {
      type: 'object',
      description:
        entity.description + (entity.invariants.length ? ` Rules: ${entity.invariants.join(' ')}` : ''),
      properties: properties(fields, true),
      required,
      ...(unique.length ? { 'x-unique': unique } : {}),
    },
    [`${entity.name}Create`]: {
      type: 'object',
      description: `The fields a client sends to create a ${label}.`,
      properties: properties(writable, false),
      required: writable.filter((f) => f.required).map((f) => f.name),
      additionalProperties: false,
    },
    [`${entity.name}Update`]: {
      type: 'object',
      description: `A partial update of a ${label}: only the fields present change, and at least one must be.`,
      properties: properties(writable, false),
      minProperties: 1,
      additionalProperties: false,
    },
    [`${entity.name}Page`]: {
      type: 'object',
      description: `One page of ${words(entity.plural).toLowerCase()}.`,
      properties: {
        items: { type: 'array', items: ref(entity.name) },
        total: { type: 'integer', minimum: 0, description: 'How many records match, across all pages.' },
      },
      required: ['items', 'total'],
    },
  };
}

/**
 * An entity operation with the responses every one of them can give (storage that is unavailable) and the
 * business rules that may refuse it (`x-rules`: id, sentence, status, the roles a caller needs when the rule is
 * about who may act, the two fields a comparison rule relates), so clients and contract checks know them.
 */
function operationObject(context: BoundedContext, entity: Entity, op: Operation): JsonSchema {
  const operation = entityOperation(context, entity, op);
  const rules = refusingRules(context, entity, op);
  return {
    ...operation,
    responses: { ...(operation.responses as JsonSchema), '503': response('ServiceUnavailable') },
    ...(rules.length
      ? {
          'x-rules': rules.map((r) => ({
            id: r.id,
            rule: r.text,
            status: r.status,
            ...(r.check.kind === 'permission' ? { roles: r.check.roles } : {}),
            // Two fields of the body compared ("departure after arrival"): what a valid body must keep.
            ...(r.check.kind === 'comparison' &&
            r.check.left.kind === 'attribute' &&
            r.check.right.kind === 'attribute'
              ? {
                  compares: {
                    left: r.check.left.name,
                    operator: r.check.operator,
                    right: r.check.right.name,
                  },
                }
              : {}),
          })),
        }
      : {}),
  };
}

/** The enforced rules that can refuse an operation: checks on its writes or on its command. */
function refusingRules(context: BoundedContext, entity: Entity, op: Operation) {
  const triggers: Trigger[] =
    op.action === 'command' && op.command
      ? [{ on: 'command', command: camel(op.command) }]
      : op.action === 'create'
        ? [{ on: 'write' }, { on: 'create' }]
        : op.action === 'update'
          ? [{ on: 'write' }, { on: 'update' }]
          : op.action === 'delete'
            ? [{ on: 'delete' }]
            : [];
  return planOf(context).enforced.filter(
    (rule) => rule.hook === entity.name && triggers.some((trigger) => runsOn(rule, trigger)),
  );
}

/** 403 for an operation some rule restricts to callers with a role. */
function forbidden(context: BoundedContext, entity: Entity, op: Operation): JsonSchema {
  return refusingRules(context, entity, op).some((rule) => rule.status === 403)
    ? { '403': response('Forbidden') }
    : {};
}

/** The refusals of an entity's create or update: 403 for roles, 409 for conflicts (unique values, rules), 422 for rules. */
function writeRefusals(context: BoundedContext, entity: Entity, op: Operation): JsonSchema {
  const rules = refusingRules(context, entity, op);
  const conflict = entity.attributes.some((a) => a.unique) || rules.some((rule) => rule.status === 409);
  return {
    ...forbidden(context, entity, op),
    ...(conflict ? { '409': response('Conflict') } : {}),
    ...(rules.some((rule) => rule.status === 422) ? { '422': response('UnprocessableContent') } : {}),
  };
}

function entityOperation(context: BoundedContext, entity: Entity, op: Operation): JsonSchema {
  const label = words(entity.name).toLowerCase();
  const base = { operationId: op.operationId, tags: [entity.plural] };
  const body = (schema: string) => ({ required: true, content: { [json]: { schema: ref(schema) } } });
  const ok = (schema: string, description: string) => ({
    description,
    content: { [json]: { schema: ref(schema) } },
  });
  switch (op.action) {
    case 'list':
      return {
        ...base,
        summary: `List ${words(entity.plural).toLowerCase()}`,
        parameters: [{ $ref: '#/components/parameters/Limit' }, { $ref: '#/components/parameters/Offset' }],
        responses: {
          '200': ok(`${entity.name}Page`, `A page of ${words(entity.plural).toLowerCase()}.`),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
        },
      };
    case 'create':
      return {
        ...base,
        summary: `Create a ${label}`,
        requestBody: body(`${entity.name}Create`),
        responses: {
          '201': {
            ...ok(entity.name, `The ${label} was created.`),
            headers: {
              Location: {
                description: `The URL of the new ${label}.`,
                schema: { type: 'string', format: 'uri-reference' },
              },
            },
          },
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          ...writeRefusals(context, entity, op),
          '413': response('PayloadTooLarge'),
          '415': response('UnsupportedMediaType'),
        },
      };
    case 'get':
      return {
        ...base,
        summary: `Get a ${label}`,
        responses: {
          '200': ok(entity.name, `The ${label}.`),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '404': response('NotFound'),
        },
      };
    case 'update':
      return {
        ...base,
        summary: `Update a ${label}`,
        requestBody: body(`${entity.name}Update`),
        responses: {
          '200': ok(entity.name, `The updated ${label}.`),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '404': response('NotFound'),
          ...writeRefusals(context, entity, op),
          '413': response('PayloadTooLarge'),
          '415': response('UnsupportedMediaType'),
        },
      };
    case 'delete':
      return {
        ...base,
        summary: `Delete a ${label}`,
        responses: {
          '204': { description: `The ${label} was deleted.` },
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          ...forbidden(context, entity, op),
          '404': response('NotFound'),
        },
      };
    case 'command': {
      const command = context.commands.find((c) => c.name === op.command);
      if (!command) throw new Error(`operation ${op.operationId} names unknown command ${op.command}`);
      const allowed = command.allowedFrom?.length
        ? ` Allowed only when the ${label} is ${command.allowedFrom.join(' or ')}.`
        : '';
      const moves = command.transitionTo ? ` Moves it to '${command.transitionTo}'.` : '';
      return {
        ...base,
        summary: `${words(command.name)} (by ${command.actor})`,
        description: `${command.description}${allowed}${moves} Emits ${command.emits}.`,
        'x-actor': command.actor,
        'x-emits': command.emits,
        responses: {
          '200': ok(entity.name, `The ${label} after the command.`),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          ...forbidden(context, entity, op),
          '404': response('NotFound'),
          '409': response('Conflict'),
        },
      };
    }
  }
}

/**
 * The OpenAPI 3.1 document of one bounded context, following `apiConventions` (paths, operation ids) and the
 * shared HTTP semantics (pagination, problem+json errors, status codes).
 */
export function buildOpenApi(
  model: DomainModel,
  context: BoundedContext,
  options: OpenApiOptions = defaultOpenApiOptions,
): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {
    [healthPath]: {
      get: {
        operationId: 'getHealth',
        summary: 'Liveness and readiness',
        tags: ['Health'],
        security: [],
        responses: {
          '200': {
            description: 'The service is up.',
            content: {
              [json]: {
                schema: {
                  type: 'object',
                  properties: { status: { type: 'string', const: 'ok' } },
                  required: ['status'],
                },
              },
            },
          },
        },
      },
    },
  };
  const schemas: Record<string, JsonSchema> = {};
  for (const entity of context.entities) {
    Object.assign(schemas, entitySchemas(context, entity));
    const idParameter = [{ $ref: '#/components/parameters/Id' }];
    paths[collectionPath(entity)] = {};
    paths[itemPath(entity)] = { parameters: idParameter };
    for (const op of contextOperations(context).filter((o) => o.entity === entity.name)) {
      paths[op.path] ??= { parameters: idParameter };
      paths[op.path][op.method] = operationObject(context, entity, op);
    }
  }
  schemas.Problem = {
    type: 'object',
    description: 'An RFC 9457 problem details object.',
    properties: {
      type: { type: 'string', format: 'uri-reference', description: 'Identifies the problem type.' },
      title: { type: 'string' },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: { type: 'string' },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          properties: { field: { type: 'string' }, message: { type: 'string' } },
          required: ['field', 'message'],
        },
      },
      rule: { type: 'string', description: 'The id of the business rule the request breaks.' },
    },
    required: ['type', 'title', 'status'],
  };
  const responses = Object.fromEntries(
    Object.entries(problemResponses).map(([name, r]) => [
      name,
      { description: r.description, content: { [problemJson]: { schema: ref('Problem') } } },
    ]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: `${model.product.name} ${words(context.name)} API`,
      version: options.version,
      description: `${context.description} Every path carries the major version (/${apiVersion}); errors are RFC 9457 problem details.`,
    },
    servers: [
      {
        url: `https://{host}`,
        description: `The ${words(context.name).toLowerCase()} service.`,
        variables: { host: { default: `${context.slug}.${model.product.slug}.example.com` } },
      },
    ],
    security: [{ bearerAuth: [] }],
    tags: [
      ...context.entities.map((e) => ({ name: e.plural, description: e.description })),
      { name: 'Health', description: 'Service health.' },
    ],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A Microsoft Entra ID access token.',
        },
      },
      parameters: {
        Id: {
          name: 'id',
          in: 'path',
          required: true,
          description: 'The record id.',
          schema: { type: 'string', format: 'uuid' },
        },
        Limit: {
          name: 'limit',
          in: 'query',
          required: false,
          description: 'Page size.',
          schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        },
        Offset: {
          name: 'offset',
          in: 'query',
          required: false,
          description: 'How many records to skip.',
          schema: { type: 'integer', minimum: 0, default: 0 },
        },
      },
      responses,
      schemas,
    },
  };
}

export function openApiPath(context: BoundedContext): string {
  return `api/${context.slug}.openapi.json`;
}
