import type { DomainModel } from '../../../toolchain/schemas/domainModel';
import { apiVersion, collectionPath } from '../../../toolchain/apiConventions';
import { adrNumbers, type Adr, type AdrKey } from '../../../toolchain/architecture/adr';
import { topicName } from './asyncapi';
import { allEntities } from '../../../toolchain/architecture/model';
import { moneyDecimals, moneyIntegerDigits } from '../../../toolchain/money';
import { type SolutionArchitecture } from './solution';

const list = (items: string[]) => (items.length ? items.join(', ') : 'none');

function record(
  key: AdrKey,
  fields: Omit<Adr, 'number' | 'slug' | 'status' | 'moreInformation'>,
  notes: string[] = [],
): Adr {
  return { number: adrNumbers[key], slug: key, status: 'accepted', moreInformation: notes, ...fields };
}

/** The Enterprise Architect's decisions: how the domain is cut and how the parts talk and store data. */
export function enterpriseDecisions(model: DomainModel, notes: string[] = []): Adr[] {
  const contexts = model.contexts.map((c) => `${c.name} (${c.entities.map((e) => e.name).join(', ')})`);
  const eventCount = model.contexts.reduce((n, c) => n + c.events.length, 0);
  const dependencies = model.contexts.flatMap((c) => c.dependsOn.map((u) => `${u} → ${c.name}`));
  return [
    record(
      'bounded-contexts',
      {
        title: `Split ${model.product.name} into ${model.contexts.length} bounded contexts`,
        context: `The domain has ${allEntities(model).length} entities and ${model.actors.length} actors (${list(model.actors.map((a) => a.name))}). One model for all of it would mix vocabularies and lifecycles that change for different reasons.`,
        drivers: [
          'Entities that change together stay together',
          'Each team can own a context end to end',
          'Few, explicit dependencies between contexts',
        ],
        options: [
          {
            name: `${model.contexts.length} bounded contexts: ${contexts.join('; ')}`,
            pros: [
              'cohesive models, each with one vocabulary',
              'dependencies are explicit in the context map',
            ],
            cons: ['cross-context queries need events or API calls'],
          },
          {
            name: 'One shared model',
            pros: ['simplest to start'],
            cons: ['every change touches everything', 'lifecycles and rules of unrelated entities tangle'],
          },
        ],
        chosen: `${model.contexts.length} bounded contexts: ${contexts.join('; ')}`,
        because: `entities were grouped by the commands and relations that link them; the upstream/downstream relations are ${list(dependencies)}.`,
        consequences: {
          good: [
            'each context has a small model that its service can enforce fully',
            'the context map shows every dependency',
          ],
          bad: ['references across contexts are ids only, kept consistent through events'],
        },
      },
      notes,
    ),
    record('service-per-bounded-context', {
      title: 'One deployable service per bounded context',
      context: `Each of ${list(model.contexts.map((c) => c.name))} needs its own API and data; the factory generates, tests and deploys them.`,
      drivers: ['Independent deployment', 'Failure isolation', 'Generated code stays small per unit'],
      options: [
        {
          name: 'One service per bounded context',
          pros: ['deploys and scales per context', 'ownership matches the domain'],
          cons: ['more deployables to operate'],
        },
        {
          name: 'A modular monolith',
          pros: ['one deployable'],
          cons: ['one failure or release affects every context'],
        },
        {
          name: 'A service per entity',
          pros: ['very small units'],
          cons: ['chatty calls inside one consistency boundary'],
        },
      ],
      chosen: 'One service per bounded context',
      because:
        'the context is the consistency boundary: every invariant can be checked inside one service and one database.',
      consequences: {
        good: ['a context ships without coordinating with the others'],
        bad: ['local development runs several processes'],
      },
    }),
    record('postgresql-database-per-service', {
      title: 'A PostgreSQL database per service',
      context: `Entities need relational integrity inside a context (e.g. ${list(
        allEntities(model)
          .filter((r) => r.entity.relations.some((rel) => rel.kind === 'belongsTo'))
          .map((r) => r.entity.name)
          .slice(0, 4),
      )} reference other records) and constraints for unique values and lifecycle states.`,
      drivers: [
        'Transactions and constraints inside a context',
        'No shared tables between services',
        'Managed service on Azure with Entra ID logins',
      ],
      options: [
        {
          name: 'PostgreSQL, one database per service',
          pros: [
            'foreign keys, checks and unique constraints inside a context',
            'Azure Database for PostgreSQL Flexible Server with Entra ID auth',
          ],
          cons: ['no joins across contexts'],
        },
        {
          name: 'One shared database',
          pros: ['easy joins'],
          cons: ['couples every service to every schema'],
        },
        {
          name: 'A document store per service',
          pros: ['flexible schema'],
          cons: ['invariants and uniqueness move into code'],
        },
      ],
      chosen: 'PostgreSQL, one database per service',
      because:
        'the domain is relational and each service must enforce its own invariants in one transaction.',
      consequences: {
        good: ['schema migrations are per service', 'constraints back the domain rules'],
        bad: ['reporting across contexts needs an event-fed read model'],
      },
    }),
    record('event-driven-integration', {
      title: 'Integrate contexts through domain events',
      context: `${eventCount} domain event(s) record what happens in the contexts; downstream contexts (${list(model.contexts.filter((c) => c.dependsOn.length).map((c) => c.name))}) must react to upstream changes without being unavailable when an upstream service is.`,
      drivers: [
        'Temporal decoupling',
        'Upstream contexts do not know their consumers',
        'An audit trail of business facts',
      ],
      options: [
        {
          name: 'Publish domain events on a message broker (Azure Service Bus topics)',
          pros: ['consumers are added without changing the publisher', 'retries and dead-lettering for free'],
          cons: ['eventual consistency between contexts'],
        },
        {
          name: 'Synchronous HTTP calls between services',
          pros: ['immediate consistency'],
          cons: ['a chain of calls fails when one service is down'],
        },
      ],
      chosen: 'Publish domain events on a message broker (Azure Service Bus topics)',
      because:
        'it keeps each context available on its own and matches the upstream/downstream relations of the context map.',
      consequences: {
        good: ['every command leaves an event that others can use'],
        bad: ['consumers must be idempotent and tolerate out-of-order delivery'],
      },
    }),
  ];
}

/** The Solution Architect's decisions: hosting, identity and secrets. */
export function solutionDecisions(
  model: DomainModel,
  solution: SolutionArchitecture,
  notes: string[] = [],
): Adr[] {
  const apps = solution.services.filter((s) => s.hosting === 'azure-container-apps').map((s) => s.name);
  const functions = solution.services.filter((s) => s.hosting === 'azure-functions').map((s) => s.name);
  return [
    record(
      'service-hosting',
      {
        title: 'Host services on Azure Container Apps, small reference-data services on Azure Functions',
        context: `${solution.services.length} Node.js/TypeScript services need HTTPS ingress, scaling and managed identities.`,
        drivers: [
          'Steady interactive traffic with a warm PostgreSQL pool',
          'Scale to zero where traffic is rare',
          'Same container image locally and in Azure',
        ],
        options: [
          {
            name: 'Azure Container Apps per service, Functions for command-free reference data',
            pros: ['right cost per workload', 'managed identities and ingress on both'],
            cons: ['two hosting models to know'],
          },
          {
            name: 'Azure Functions for everything',
            pros: ['one model'],
            cons: ['cold starts and connection churn on interactive APIs'],
          },
          {
            name: 'Azure Kubernetes Service',
            pros: ['full control'],
            cons: ['cluster operations the product does not need'],
          },
        ],
        chosen: 'Azure Container Apps per service, Functions for command-free reference data',
        because: `contexts with commands or lifecycles (${list(apps)}) serve steady traffic; ${functions.length ? list(functions) : 'no context'} qualifies for Functions.`,
        consequences: {
          good: ['each service scales on HTTP concurrency'],
          bad: ['container apps keep at least one replica warm, which costs money when idle'],
        },
      },
      notes,
    ),
    record('identity-and-secrets', {
      title: 'Microsoft Entra ID for users, managed identities for services, Key Vault for secrets',
      context: `Actors ${list(model.actors.map((a) => a.name))} have different rights; services talk to PostgreSQL, Service Bus and Key Vault.`,
      drivers: [
        'No passwords or keys in configuration',
        'Least privilege per actor and per service',
        'Tokens every service can verify on its own',
      ],
      options: [
        {
          name: 'Entra ID app roles + bearer JWT, user-assigned managed identities, Key Vault references',
          pros: ['keyless access to Azure resources', 'roles map to the actors'],
          cons: ['local development needs a developer login'],
        },
        {
          name: 'API keys and connection strings in app settings',
          pros: ['simple'],
          cons: ['secrets leak and rotate badly'],
        },
      ],
      chosen: 'Entra ID app roles + bearer JWT, user-assigned managed identities, Key Vault references',
      because:
        'it removes stored credentials and gives each actor an app role that the services check per command.',
      consequences: {
        good: [`app roles: ${list(solution.security.roles.map((r) => r.appRole))}`],
        bad: ['each service must validate tokens and map roles to commands'],
      },
    }),
  ];
}

/** The Event-Driven Architect's decision: contract and transport of the domain events. */
export function eventDecisions(model: DomainModel, payload: 'thin' | 'state', notes: string[] = []): Adr[] {
  const topics = model.contexts.filter((c) => c.events.length).map((c) => topicName(model, c));
  return [
    record(
      'domain-events-as-cloudevents-on-service-bus',
      {
        title: 'Domain events as CloudEvents on one Service Bus topic per context, described in AsyncAPI',
        context: `Events ${list(model.contexts.flatMap((c) => c.events.map((e) => e.name)))} must be understood by consumers written later and validated at both ends.`,
        drivers: [
          'A machine-readable contract per event',
          'Standard envelope with id, source, type, time',
          'Consumers subscribe per context',
        ],
        options: [
          {
            name: 'CloudEvents 1.0 (structured JSON) on a topic per context, AsyncAPI 3.0 + JSON Schema 2020-12 per event',
            pros: ['standard envelope and tooling', 'one subscription per consumer and context'],
            cons: ['one more document to keep in step with the model'],
          },
          {
            name: 'Ad-hoc JSON messages on one shared queue',
            pros: ['less ceremony'],
            cons: ['no contract; consumers compete for messages'],
          },
        ],
        chosen:
          'CloudEvents 1.0 (structured JSON) on a topic per context, AsyncAPI 3.0 + JSON Schema 2020-12 per event',
        because: `it gives every event a typed, closed data schema and keeps topics (${list(topics)}) aligned with the bounded contexts.`,
        consequences: {
          good: [
            payload === 'state'
              ? 'events carry the full state of the entity, so consumers keep local copies without calling back'
              : 'events carry the entity id and the fields the model names, keeping them small and stable',
          ],
          bad: ['schema changes need a new event type version or additive-only changes'],
        },
      },
      notes,
    ),
  ];
}

/** The API Designer's decisions: versioning and error format. */
export function apiDecisions(model: DomainModel, notes: string[] = []): Adr[] {
  const examples = allEntities(model)
    .slice(0, 3)
    .map((r) => `\`${collectionPath(r.entity)}\``);
  return [
    record(
      'api-versioning-in-the-path',
      {
        title: 'Version the APIs in the path',
        context: `Clients (web front end, tests, other services) call ${model.contexts.length} APIs; breaking changes must not break them silently.`,
        drivers: [
          'Visible version in every URL and log line',
          'Simple routing at the ingress',
          'Several major versions can run side by side',
        ],
        options: [
          {
            name: `Major version as the first path segment (/${apiVersion}/...)`,
            pros: ['obvious, cache- and proxy-friendly'],
            cons: ['URLs change on a major version'],
          },
          {
            name: 'Version in a header or media type',
            pros: ['stable URLs'],
            cons: ['invisible in logs and browsers; harder to route'],
          },
        ],
        chosen: `Major version as the first path segment (/${apiVersion}/...)`,
        because: `paths such as ${examples.join(', ')} are generated from the domain model by one convention shared with the services and clients.`,
        consequences: {
          good: ['additive changes bump info.version only'],
          bad: ['a breaking change means a /v2 path and a migration period'],
        },
      },
      notes,
    ),
    record('contract-first-openapi-with-problem-details', {
      title: 'Contract-first OpenAPI 3.1 per context with RFC 9457 problem details',
      context:
        'Services, clients and tests are generated separately and must agree on every path, status code and schema.',
      drivers: [
        'One source of truth for the HTTP contract',
        'Machine-validated documents',
        'Uniform, field-level errors',
      ],
      options: [
        {
          name: 'OpenAPI 3.1 document per context, errors as application/problem+json',
          pros: ['JSON Schema 2020-12 aligned schemas', 'standard error shape with per-field errors'],
          cons: ['documents must be regenerated when the model changes'],
        },
        {
          name: 'Code-first, documents generated from the services',
          pros: ['no drift from code'],
          cons: ['clients and tests wait for the code'],
        },
      ],
      chosen: 'OpenAPI 3.1 document per context, errors as application/problem+json',
      because: `it lets services, clients and tests be built in parallel from the same schemas; money is sent as a decimal string such as "19.99" (at most ${moneyIntegerDigits} integer digits and ${moneyDecimals} decimals, what a numeric(12,2) column stores), never a JSON number, because a binary float cannot hold most cent amounts and validators would refuse them against multipleOf 0.01.`,
      consequences: {
        good: ['400, 404, 409 and 415 look the same in every service'],
        bad: ['every service must produce problem+json for framework errors too'],
      },
    }),
  ];
}
