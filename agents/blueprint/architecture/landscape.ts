import type { DomainModel } from '../../../toolchain/schemas/domainModel';
import { collectionPath } from '../../../toolchain/apiConventions';
import { eventsFor, topicName } from './asyncapi';
import { allEntities, words } from '../../../toolchain/architecture/model';
import { openApiPath } from './openapi';
import { markdownText } from '../../../toolchain/escaping/markdownText';

/** Mermaid node ids must be plain identifiers. */
const node = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');
/** Mermaid labels inside quotes must not contain quotes. */
const label = (text: string) => text.replace(/"/g, "'");

/**
 * The context map (Mermaid): each bounded context with its entities, and an arrow from every upstream context
 * to the contexts that depend on it, labelled with how they integrate (the events that flow, or id references).
 */
export function renderContextMap(model: DomainModel): string {
  const lines = ['flowchart LR'];
  for (const context of model.contexts) {
    const entities = context.entities.map((e) => e.name).join(', ');
    lines.push(
      `  ${node(context.name)}["${label(`${words(context.name)} context`)}<br/>${label(entities)}"]`,
    );
  }
  for (const downstream of model.contexts) {
    for (const upstreamName of downstream.dependsOn) {
      const upstream = model.contexts.find((c) => c.name === upstreamName);
      if (!upstream) continue;
      const references = downstream.entities
        .flatMap((e) =>
          e.relations.filter(
            (r) => r.kind === 'belongsTo' && upstream.entities.some((u) => u.name === r.target),
          ),
        )
        .map((r) => r.via);
      const parts = [
        'U/D',
        upstream.events.length ? `events: ${upstream.events.map((e) => e.name).join(', ')}` : '',
        references.length ? `ids: ${[...new Set(references)].join(', ')}` : '',
      ].filter(Boolean);
      lines.push(`  ${node(upstream.name)} -->|"${label(parts.join('; '))}"| ${node(downstream.name)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export interface QualityAttribute {
  name: string;
  scenario: string;
  tactic: string;
}

/** Quality attributes every product of the factory gets, plus one per stated success metric. */
export function qualityAttributes(
  model: DomainModel,
  metrics: Array<{ name: string; target: string }>,
): QualityAttribute[] {
  const list: QualityAttribute[] = [
    {
      name: 'Availability',
      scenario: 'A service instance fails during business hours; users keep working.',
      tactic: 'At least two replicas per container app; stateless services; health probes on /health.',
    },
    {
      name: 'Performance',
      scenario: 'A list or get request under normal load answers within 300 ms at the 95th percentile.',
      tactic: 'Paged lists (limit at most 100), indexes on foreign keys, a connection pool per service.',
    },
    {
      name: 'Security',
      scenario: 'An anonymous or wrongly-scoped caller tries to read or change data and is refused.',
      tactic:
        'Entra ID bearer tokens validated by every service, app roles per actor, managed identities, TLS only.',
    },
    {
      name: 'Modifiability',
      scenario: `A new attribute on one entity of ${model.product.name} ships by changing one service.`,
      tactic:
        'One service and one database per bounded context; contracts in OpenAPI and AsyncAPI; versioned paths.',
    },
    {
      name: 'Observability',
      scenario: 'An operator traces a failed request across services within minutes.',
      tactic: 'OpenTelemetry to Application Insights; CloudEvents carry traceparent; problem+json errors.',
    },
  ];
  for (const metric of metrics) {
    list.push({
      name: 'Success metric',
      scenario: `${metric.name} (target: ${metric.target}).`,
      tactic:
        'The domain events that measure it are published and counted in Application Insights dashboards.',
    });
  }
  return list;
}

export interface BlueprintInput {
  model: DomainModel;
  title: string;
  summary: string;
  metrics: Array<{ name: string; target: string }>;
  feedback: Array<{ feedback: string; outcome: string }>;
}

/** The architecture blueprint (Markdown): landscape, contexts, integration style, quality attributes. */
export function renderArchitectureBlueprint(input: BlueprintInput): string {
  const { model } = input;
  const lines: string[] = [
    `# ${markdownText(input.title)}: architecture blueprint`,
    '',
    markdownText(input.summary),
    '',
    '## System landscape',
    '',
    '```mermaid',
    'flowchart TB',
  ];
  for (const actor of model.actors) lines.push(`  actor_${node(actor.name)}(["${label(actor.name)}"])`);
  lines.push('  web["Web front end"]');
  for (const actor of model.actors) lines.push(`  actor_${node(actor.name)} --> web`);
  lines.push('  entra["Microsoft Entra ID"]', '  bus[("Azure Service Bus")]', '  web -. sign-in .-> entra');
  for (const context of model.contexts) {
    const id = node(context.name);
    lines.push(
      `  svc_${id}["${label(`${words(context.name)} service`)}"]`,
      `  db_${id}[("${label(`${context.slug} database`)}")]`,
    );
    lines.push(`  web -->|HTTPS /v1| svc_${id}`, `  svc_${id} --> db_${id}`);
    if (context.events.length) lines.push(`  svc_${id} -->|publishes| bus`);
    if (model.contexts.some((producer) => eventsFor(model, producer, context).length > 0))
      lines.push(`  bus -->|delivers| svc_${id}`);
  }
  lines.push(
    '```',
    '',
    '## Bounded contexts',
    '',
    '| Context | Responsibility | Entities | Commands | Events | Upstream |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const c of model.contexts) {
    lines.push(
      `| ${c.name} | ${markdownText(c.description)} | ${c.entities.map((e) => e.name).join(', ')} | ${c.commands.map((x) => x.name).join(', ') || '-'} | ${c.events.map((e) => e.name).join(', ') || '-'} | ${c.dependsOn.join(', ') || '-'} |`,
    );
  }
  lines.push('', '### Entities', '');
  for (const { context, entity } of allEntities(model)) {
    const attrs = entity.attributes
      .map((a) => `${a.name} (${a.type}${a.required ? ', required' : ''})`)
      .join(', ');
    lines.push(
      `- **${entity.name}** (${context.name}, \`${collectionPath(entity)}\`): ${markdownText(entity.description)} Attributes: ${attrs}.`,
    );
    if (entity.states?.length) lines.push(`  Lifecycle: ${entity.states.join(' → ')}.`);
    for (const invariant of entity.invariants) lines.push(`  Rule: ${markdownText(invariant)}`);
  }
  lines.push(
    '',
    '## Integration style',
    '',
    '- Synchronous: each context exposes a REST API over HTTPS, JSON bodies, versioned in the path (`/v1`), described in OpenAPI 3.1; the web front end calls them with an Entra ID bearer token.',
    '- Asynchronous: contexts never call each other to react to a change; they publish domain events as CloudEvents on their own Service Bus topic (described in AsyncAPI 3.0) and downstream contexts subscribe.',
    "- Data: each context owns a PostgreSQL database; ids of other contexts' entities are kept as plain references.",
    '',
  );
  for (const context of model.contexts) {
    lines.push(
      `- ${context.name}: API \`${openApiPath(context)}\`${context.events.length ? `, topic \`${topicName(model, context)}\`` : ''}.`,
    );
  }
  lines.push('', '## Quality attributes', '', '| Attribute | Scenario | Tactic |', '| --- | --- | --- |');
  for (const q of qualityAttributes(model, input.metrics))
    lines.push(`| ${q.name} | ${markdownText(q.scenario)} | ${q.tactic} |`);
  if (input.feedback.length) {
    lines.push('', '## Review feedback addressed', '');
    for (const item of input.feedback)
      lines.push(`- ${markdownText(item.feedback)}: ${markdownText(item.outcome)}`);
  }
  return `${lines.join('\n')}\n`;
}
