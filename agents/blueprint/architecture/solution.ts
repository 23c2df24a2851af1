import { z } from 'zod';
import type { Attribute, BoundedContext, DomainModel, Entity } from '../../../toolchain/schemas/domainModel';
import { camel, contextOperations } from '../../../toolchain/apiConventions';
import { consumersOf, eventsFor, topicName } from './asyncapi';
import { findEntity, snake } from '../../../toolchain/architecture/model';
import { openApiPath } from './openapi';
import { markdownText } from '../../../toolchain/escaping/markdownText';

export const hostingOptions = ['azure-container-apps', 'azure-functions'] as const;
export type Hosting = (typeof hostingOptions)[number];

const columnSchema = z.object({
  name: z.string(),
  type: z.string(),
  nullable: z.boolean(),
  unique: z.boolean(),
  check: z.string().optional(),
  references: z.string().optional(),
});

export const solutionArchitectureSchema = z.object({
  product: z.object({ name: z.string(), slug: z.string() }),
  services: z
    .array(
      z.object({
        name: z.string(),
        context: z.string(),
        runtime: z.string(),
        hosting: z.enum(hostingOptions),
        hostingReason: z.string(),
        api: z.string(),
        basePaths: z.array(z.string()),
        database: z.string(),
        publishes: z.array(z.string()),
        subscribesTo: z.array(z.string()),
      }),
    )
    .min(1),
  data: z.object({
    engine: z.string(),
    databases: z.array(
      z.object({
        name: z.string(),
        service: z.string(),
        tables: z.array(
          z.object({
            name: z.string(),
            entity: z.string(),
            primaryKey: z.literal('id'),
            columns: z.array(columnSchema).min(1),
            crossServiceReferences: z.array(z.string()),
          }),
        ),
      }),
    ),
  }),
  security: z.object({
    authentication: z.string(),
    roles: z.array(
      z.object({
        name: z.string(),
        appRole: z.string(),
        description: z.string(),
        operations: z.array(z.string()),
      }),
    ),
    managedIdentities: z.array(z.object({ service: z.string(), grants: z.array(z.string()) })),
    transport: z.string(),
    secrets: z.string(),
  }),
  integration: z.object({
    broker: z.string(),
    format: z.string(),
    topics: z.array(
      z.object({
        name: z.string(),
        publisher: z.string(),
        events: z.array(z.string()),
        subscriptions: z.array(z.object({ name: z.string(), consumer: z.string() })),
      }),
    ),
  }),
  feedbackAddressed: z.array(z.object({ feedback: z.string(), outcome: z.string() })),
});

export type SolutionArchitecture = z.infer<typeof solutionArchitectureSchema>;

export function serviceName(model: DomainModel, context: BoundedContext): string {
  return `${model.product.slug}-${context.slug}-service`;
}

export function databaseName(context: BoundedContext): string {
  return `${snake(context.slug)}_db`;
}

/** PostgreSQL column type of an attribute. */
export function sqlType(attribute: Attribute): string {
  switch (attribute.type) {
    case 'string':
    case 'email':
      return attribute.maxLength ? `varchar(${attribute.maxLength})` : 'text';
    case 'text':
    case 'enum':
      return 'text';
    case 'integer':
      return 'integer';
    case 'number':
      return 'double precision';
    case 'money':
      return 'numeric(12,2)';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'datetime':
      return 'timestamptz';
  }
}

/**
 * The hosting rule: a context with a lifecycle or several entities serves steady interactive traffic and keeps a
 * PostgreSQL connection pool warm, so it runs as a container app; a small reference-data context with no
 * commands gets by on Functions and scales to zero.
 */
export function chooseHosting(context: BoundedContext): { hosting: Hosting; reason: string } {
  const lifecycle = context.entities.some((e) => (e.states ?? []).length > 0);
  if (lifecycle || context.commands.length > 0 || context.entities.length >= 3) {
    return {
      hosting: 'azure-container-apps',
      reason: `${context.entities.length} entit${context.entities.length === 1 ? 'y' : 'ies'} and ${context.commands.length} command(s): steady interactive traffic and a warm connection pool.`,
    };
  }
  return {
    hosting: 'azure-functions',
    reason: 'Reference data with no commands: bursty, low traffic, scales to zero.',
  };
}

function tableOf(model: DomainModel, context: BoundedContext, entity: Entity) {
  const columns: z.infer<typeof columnSchema>[] = [
    { name: 'id', type: 'uuid', nullable: false, unique: true },
  ];
  const crossService: string[] = [];
  const foreignKeys = new Map(
    entity.relations.filter((r) => r.kind === 'belongsTo').map((r) => [r.via, r.target]),
  );
  const referenceColumn = (via: string, target: string) => {
    const owner = findEntity(model, target);
    if (owner && owner.context === context) return `${snake(owner.entity.plural)}(id)`;
    // Another service owns the target: its id is stored, but no foreign key can cross databases.
    crossService.push(`${snake(via)} -> ${target} (${owner ? owner.context.name : 'unknown context'})`);
    return undefined;
  };
  for (const attribute of entity.attributes) {
    const target = foreignKeys.get(attribute.name);
    const column: z.infer<typeof columnSchema> = {
      name: snake(attribute.name),
      type: target ? 'uuid' : sqlType(attribute),
      nullable: !attribute.required,
      unique: attribute.unique ?? false,
    };
    if (attribute.type === 'enum' && attribute.enumValues?.length) {
      column.check = `${column.name} in (${attribute.enumValues.map((v) => `'${v}'`).join(', ')})`;
    }
    if (target) {
      const references = referenceColumn(attribute.name, target);
      if (references) column.references = references;
    }
    columns.push(column);
  }
  for (const [via, target] of foreignKeys) {
    if (entity.attributes.some((a) => a.name === via)) continue;
    const column: z.infer<typeof columnSchema> = {
      name: snake(via),
      type: 'uuid',
      nullable: false,
      unique: false,
    };
    const references = referenceColumn(via, target);
    if (references) column.references = references;
    columns.push(column);
  }
  if (entity.states?.length) {
    columns.push({
      name: 'status',
      type: 'text',
      nullable: false,
      unique: false,
      check: `status in (${entity.states.map((s) => `'${s}'`).join(', ')})`,
    });
  }
  columns.push(
    { name: 'created_by', type: 'text', nullable: false, unique: false },
    { name: 'created_at', type: 'timestamptz', nullable: false, unique: false },
    { name: 'updated_at', type: 'timestamptz', nullable: false, unique: false },
  );
  return {
    name: snake(entity.plural),
    entity: entity.name,
    primaryKey: 'id' as const,
    columns,
    crossServiceReferences: crossService,
  };
}

export interface SolutionOptions {
  /** Hosting chosen by a reviewer for a context (by context name), over the rule. */
  hostingOverrides: Record<string, Hosting>;
  feedbackAddressed: Array<{ feedback: string; outcome: string }>;
}

/**
 * The data section follows from the domain model (a database per context, a table per entity, a column per
 * attribute), as the migrations do: compiled, never asked of a model.
 */
export function dataArchitecture(model: DomainModel): SolutionArchitecture['data'] {
  return {
    engine: 'PostgreSQL 16 on Azure Database for PostgreSQL Flexible Server, one database per service',
    databases: model.contexts.map((context) => ({
      name: databaseName(context),
      service: serviceName(model, context),
      tables: context.entities.map((entity) => tableOf(model, context, entity)),
    })),
  };
}

export function buildSolutionArchitecture(
  model: DomainModel,
  options: SolutionOptions = { hostingOverrides: {}, feedbackAddressed: [] },
): SolutionArchitecture {
  const services = model.contexts.map((context) => {
    const rule = chooseHosting(context);
    const override = options.hostingOverrides[context.name];
    return {
      name: serviceName(model, context),
      context: context.name,
      runtime: 'Node.js 20 LTS, TypeScript (strict), HTTP JSON API',
      hosting: override ?? rule.hosting,
      hostingReason: override ? 'Chosen in review.' : rule.reason,
      api: openApiPath(context),
      basePaths: [
        ...new Set(contextOperations(context).map((op) => op.path.split('/').slice(0, 3).join('/'))),
      ],
      database: databaseName(context),
      publishes: context.events.map((e) => e.name),
      subscribesTo: model.contexts.flatMap((producer) =>
        eventsFor(model, producer, context).map((e) => e.name),
      ),
    };
  });
  const actorOperations = (actor: string) =>
    model.contexts.flatMap((context) =>
      context.commands.filter((c) => c.actor === actor).map((c) => camel(c.name)),
    );
  return {
    product: { ...model.product },
    services,
    data: dataArchitecture(model),
    security: {
      authentication:
        'Microsoft Entra ID: users sign in with OpenID Connect; every API call carries an Entra ID access token (bearer JWT) that each service validates (issuer, audience, signature, expiry) and authorises by app role.',
      roles: model.actors.map((actor) => ({
        name: actor.name,
        appRole: `${model.product.slug}.${snake(pascalOf(actor.name))}`,
        description: actor.description,
        // Every signed-in role may read and maintain records; commands are limited to the actors that issue them.
        operations: actorOperations(actor.name),
      })),
      managedIdentities: services.map((service) => ({
        service: service.name,
        grants: [
          `PostgreSQL: Entra ID login to ${service.database} only`,
          ...(service.publishes.length
            ? ['Service Bus: Azure Service Bus Data Sender on its own topic']
            : []),
          ...(service.subscribesTo.length
            ? ['Service Bus: Azure Service Bus Data Receiver on its subscriptions']
            : []),
          'Key Vault: Key Vault Secrets User',
          'Application Insights: telemetry through the connection string (no key)',
        ],
      })),
      transport:
        'TLS 1.2 or later on every hop: HTTPS ingress only, PostgreSQL with sslmode=require, AMQP over TLS to Service Bus.',
      secrets:
        'Azure Key Vault holds the few secrets that remain (third-party keys); services read them through Key Vault references with their managed identity; no secret in code, images or app settings.',
    },
    integration: {
      broker:
        'Azure Service Bus (Standard), one topic per bounded context, one subscription per consuming service',
      format: 'CloudEvents 1.0, structured JSON mode (application/cloudevents+json)',
      topics: model.contexts
        .filter((context) => context.events.length > 0)
        .map((context) => ({
          name: topicName(model, context),
          publisher: serviceName(model, context),
          events: context.events.map((e) => e.name),
          subscriptions: consumersOf(model, context).map((consumer) => ({
            name: consumer.slug,
            consumer: serviceName(model, consumer),
          })),
        })),
    },
    feedbackAddressed: options.feedbackAddressed,
  };
}

function pascalOf(name: string): string {
  return name.replace(/\s+(.)/g, (_m, c: string) => c.toUpperCase());
}

export function renderSolutionArchitecture(model: DomainModel, solution: SolutionArchitecture): string {
  const lines: string[] = [
    `# ${markdownText(model.product.name)}: solution architecture`,
    '',
    '## Services',
    '',
  ];
  lines.push(
    '| Service | Bounded context | Hosting | Runtime | API | Database |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const s of solution.services) {
    lines.push(
      `| ${s.name} | ${s.context} | ${s.hosting} | ${s.runtime} | \`${s.api}\` | \`${s.database}\` |`,
    );
  }
  lines.push('');
  for (const s of solution.services) {
    lines.push(
      `- **${s.name}**: ${s.hostingReason} Publishes ${s.publishes.join(', ') || 'no events'}; subscribes to ${s.subscribesTo.join(', ') || 'no events'}.`,
    );
  }
  lines.push(
    '',
    '## Data architecture',
    '',
    `${solution.data.engine}. Each service owns its database; no service reads another's tables.`,
    '',
  );
  for (const db of solution.data.databases) {
    lines.push(`### ${db.name} (${db.service})`, '');
    for (const table of db.tables) {
      lines.push(
        `#### ${table.name} (${table.entity})`,
        '',
        '| Column | Type | Null | Unique | Constraint |',
        '| --- | --- | --- | --- | --- |',
      );
      for (const c of table.columns) {
        const constraint = [
          c.name === 'id' ? 'primary key' : '',
          c.references ? `references ${c.references}` : '',
          c.check ? `check (${c.check})` : '',
        ]
          .filter(Boolean)
          .join('; ');
        lines.push(
          `| ${c.name} | ${c.type} | ${c.nullable ? 'yes' : 'no'} | ${c.unique ? 'yes' : 'no'} | ${constraint} |`,
        );
      }
      if (table.crossServiceReferences.length) {
        lines.push(
          '',
          `Ids owned by other services (no database constraint, checked through events): ${table.crossServiceReferences.join(', ')}.`,
        );
      }
      lines.push('');
    }
  }
  lines.push(
    '## Security architecture',
    '',
    `- Authentication: ${solution.security.authentication}`,
    `- Transport: ${solution.security.transport}`,
    `- Secrets: ${solution.security.secrets}`,
    '',
    '### Roles (Entra ID app roles)',
    '',
  );
  lines.push('| Role | App role | Commands it may issue |', '| --- | --- | --- |');
  for (const role of solution.security.roles) {
    lines.push(
      `| ${role.name} | \`${role.appRole}\` | ${role.operations.map((o) => `\`${o}\``).join(', ') || 'read and maintain records'} |`,
    );
  }
  lines.push('', '### Managed identities', '');
  for (const identity of solution.security.managedIdentities)
    lines.push(`- ${identity.service}: ${identity.grants.join('; ')}`);
  lines.push(
    '',
    '## Integration',
    '',
    `${solution.integration.broker}; messages are ${solution.integration.format}.`,
    '',
  );
  for (const topic of solution.integration.topics) {
    const subs = topic.subscriptions.map((s) => `${s.name} (${s.consumer})`).join(', ') || 'none yet';
    lines.push(
      `- Topic \`${topic.name}\` from ${topic.publisher}: ${topic.events.join(', ')}. Subscriptions: ${subs}.`,
    );
  }
  if (solution.integration.topics.length === 0) lines.push('- No context publishes domain events.');
  if (solution.feedbackAddressed.length) {
    lines.push('', '## Review feedback addressed', '');
    for (const item of solution.feedbackAddressed)
      lines.push(`- ${markdownText(item.feedback)}: ${markdownText(item.outcome)}`);
  }
  return `${lines.join('\n')}\n`;
}
