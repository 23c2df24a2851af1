import {
  contextOperations,
  collectionPath,
  commandPath,
  itemPath,
  camel,
} from '../../../toolchain/apiConventions';
import { adrFiles, missingMadrSections } from '../../../toolchain/architecture/adr';
import { buildAsyncApi, buildEventSchema, topicName } from '../../../agents/blueprint/architecture/asyncapi';
import {
  apiDecisions,
  enterpriseDecisions,
  eventDecisions,
  solutionDecisions,
} from '../../../agents/blueprint/architecture/decisions';
import {
  renderArchitectureBlueprint,
  renderContextMap,
} from '../../../agents/blueprint/architecture/landscape';
import { buildOpenApi } from '../../../agents/blueprint/architecture/openapi';
import { moneyPattern } from '../../../toolchain/money';
import {
  buildSolutionArchitecture,
  renderSolutionArchitecture,
  solutionArchitectureSchema,
} from '../../../agents/blueprint/architecture/solution';
import {
  asyncApiProblems,
  jsonSchemaProblems,
  openApiProblems,
} from '../../../toolchain/architecture/validation';
import { domainModelSchema, type DomainModel } from '../../../toolchain/schemas/domainModel';
import { fixtures } from './fixtures';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const models = Object.entries(fixtures) as Array<[string, DomainModel]>;

describe.each(models)('architecture generators on the %s domain', (_name, model) => {
  it('starts from a valid domain model', () => {
    expect(domainModelSchema.safeParse(model).success).toBe(true);
  });

  it('writes one valid OpenAPI 3.1 document per context that follows the API conventions', async () => {
    for (const context of model.contexts) {
      const doc = buildOpenApi(model, context) as Doc;
      expect(await openApiProblems(doc)).toEqual([]);
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.info.version).toBe('1.0.0');
      expect(doc.components.securitySchemes.bearerAuth).toMatchObject({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
      });
      expect(doc.paths['/health'].get.security).toEqual([]);
      const expected = contextOperations(context);
      const actual = Object.entries(doc.paths as Record<string, Doc>).flatMap(([path, item]) =>
        ['get', 'post', 'patch', 'delete']
          .filter((m) => item[m])
          .map((m) => `${m.toUpperCase()} ${path} ${item[m].operationId}`),
      );
      expect(actual.sort()).toEqual(
        [
          ...expected.map((op) => `${op.method.toUpperCase()} ${op.path} ${op.operationId}`),
          'GET /health getHealth',
        ].sort(),
      );
      for (const entity of context.entities) {
        const list = doc.paths[collectionPath(entity)].get;
        expect(list.parameters.map((p: Doc) => p.$ref)).toEqual([
          '#/components/parameters/Limit',
          '#/components/parameters/Offset',
        ]);
        expect(doc.components.parameters.Limit.schema).toEqual({
          type: 'integer',
          minimum: 1,
          maximum: 100,
          default: 20,
        });
        expect(list.responses['200'].content['application/json'].schema.$ref).toBe(
          `#/components/schemas/${entity.name}Page`,
        );
        const create = doc.paths[collectionPath(entity)].post;
        expect(create.responses['201'].headers.Location).toBeDefined();
        expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '415']));
        expect(Object.keys(doc.paths[itemPath(entity)].delete.responses)).toEqual(
          expect.arrayContaining(['204', '404']),
        );
        expect(doc.paths[itemPath(entity)].patch.requestBody.content['application/json'].schema.$ref).toBe(
          `#/components/schemas/${entity.name}Update`,
        );
        const schemas = doc.components.schemas;
        expect(schemas[entity.name].required).toEqual(
          expect.arrayContaining(['id', 'createdAt', 'updatedAt']),
        );
        expect(schemas[entity.name].properties.id).toMatchObject({
          type: 'string',
          format: 'uuid',
          readOnly: true,
        });
        expect(schemas[`${entity.name}Create`].required).toEqual(
          expect.arrayContaining(entity.attributes.filter((a) => a.required).map((a) => a.name)),
        );
        expect(schemas[`${entity.name}Update`].required).toBeUndefined();
        expect(schemas[`${entity.name}Page`].required).toEqual(['items', 'total']);
        if (entity.states?.length) expect(schemas[entity.name].properties.status.enum).toEqual(entity.states);
        for (const attribute of entity.attributes) {
          const property = schemas[`${entity.name}Create`].properties[attribute.name];
          const typeChecks: Record<string, Doc> = {
            money: { type: 'string', pattern: moneyPattern(attribute) },
            date: { type: 'string', format: 'date' },
            datetime: { type: 'string', format: 'date-time' },
            email: { type: 'string', format: 'email' },
            integer: { type: 'integer' },
            boolean: { type: 'boolean' },
            enum: { type: 'string', enum: attribute.enumValues },
          };
          if (typeChecks[attribute.type]) expect(property).toMatchObject(typeChecks[attribute.type]);
          if (attribute.type === 'integer' && attribute.minimum !== undefined)
            expect(property.minimum).toBe(attribute.minimum);
          if (attribute.type === 'integer' && attribute.maximum !== undefined)
            expect(property.maximum).toBe(attribute.maximum);
        }
      }
      for (const command of context.commands) {
        const entity = context.entities.find((e) => e.name === command.entity)!;
        const op = doc.paths[commandPath(entity, command)].post;
        expect(op.operationId).toBe(camel(command.name));
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '404', '409']));
      }
      expect(doc.components.responses.NotFound.content['application/problem+json'].schema.$ref).toBe(
        '#/components/schemas/Problem',
      );
      expect(doc.components.schemas.Problem.required).toEqual(['type', 'title', 'status']);
    }
  });

  it('writes an AsyncAPI 3.0 document that parses without errors, a channel per publishing context', async () => {
    const doc = buildAsyncApi(model) as Doc;
    expect(await asyncApiProblems(doc)).toEqual([]);
    expect(doc.asyncapi).toBe('3.0.0');
    const publishing = model.contexts.filter((c) => c.events.length > 0);
    expect(Object.values(doc.channels).map((c) => (c as Doc).address)).toEqual(
      publishing.map((c) => topicName(model, c)),
    );
    const events = publishing.flatMap((c) => c.events.map((e) => e.name));
    expect(Object.keys(doc.components.messages)).toEqual(events);
    const actions = Object.values(doc.operations).map((o) => (o as Doc).action);
    expect(actions).toContain('send');
    expect(actions).toContain('receive');
  });

  it('writes a compiling JSON Schema 2020-12 per domain event with a closed, typed data object', () => {
    for (const context of model.contexts) {
      for (const event of context.events) {
        const schema = buildEventSchema(model, context, event) as Doc;
        expect(jsonSchemaProblems(schema)).toEqual([]);
        expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
        const data = schema.properties.data;
        expect(data.additionalProperties).toBe(false);
        expect(data.required[0]).toBe(`${camel(event.entity)}Id`);
        expect(Object.keys(data.properties)).toEqual(expect.arrayContaining(event.payload));
      }
    }
  });

  it('writes a solution architecture with a service and a database per context and roles from the actors', () => {
    const solution = buildSolutionArchitecture(model);
    expect(solutionArchitectureSchema.safeParse(solution).success).toBe(true);
    expect(solution.services.map((s) => s.context)).toEqual(model.contexts.map((c) => c.name));
    expect(solution.data.databases.map((d) => d.tables.map((t) => t.entity))).toEqual(
      model.contexts.map((c) => c.entities.map((e) => e.name)),
    );
    expect(solution.security.roles.map((r) => r.name)).toEqual(model.actors.map((a) => a.name));
    const markdown = renderSolutionArchitecture(model, solution);
    for (const heading of [
      '## Services',
      '## Data architecture',
      '## Security architecture',
      '## Integration',
    ])
      expect(markdown).toContain(heading);
  });

  it('writes a context map naming every context and MADR records with every required section', () => {
    const map = renderContextMap(model);
    expect(map.startsWith('flowchart LR')).toBe(true);
    for (const context of model.contexts) expect(map).toContain(context.name);
    const dependencies = model.contexts.reduce((n, c) => n + c.dependsOn.length, 0);
    expect(map.split('\n').filter((l) => l.includes('-->')).length).toBe(dependencies);
    const solution = buildSolutionArchitecture(model);
    const adrs = [
      ...enterpriseDecisions(model),
      ...solutionDecisions(model, solution),
      ...eventDecisions(model, 'thin'),
      ...apiDecisions(model),
    ];
    const files = adrFiles(adrs);
    expect(new Set(files.map((f) => f.path)).size).toBe(files.length);
    for (const file of files) {
      expect(file.path).toMatch(/^architecture\/adr\/\d{4}-[a-z0-9-]+\.md$/);
      expect(missingMadrSections(String(file.content))).toEqual([]);
    }
    const blueprint = renderArchitectureBlueprint({
      model,
      title: model.product.name,
      summary: 'x',
      metrics: [{ name: 'Reach 1,000 members', target: '1,000' }],
      feedback: [],
    });
    expect(blueprint).toContain('## Quality attributes');
    expect(blueprint).toContain('1,000');
  });
});

describe('generators across domains', () => {
  it('produce different documents for different domains and identical ones for the same domain', () => {
    const render = (model: DomainModel) =>
      JSON.stringify([
        model.contexts.map((c) => buildOpenApi(model, c)),
        buildAsyncApi(model),
        buildSolutionArchitecture(model),
        renderContextMap(model),
      ]);
    const outputs = models.map(([, model]) => render(model));
    expect(new Set(outputs).size).toBe(models.length);
    expect(models.map(([, model]) => render(structuredClone(model)))).toEqual(outputs);
  });

  it('chooses hosting by workload: command-free reference data on Functions, lifecycles on Container Apps', () => {
    const solution = buildSolutionArchitecture(fixtures.volunteerShifts);
    expect(solution.services.find((s) => s.context === 'Sites')?.hosting).toBe('azure-functions');
    expect(solution.services.find((s) => s.context === 'Rostering')?.hosting).toBe('azure-container-apps');
  });

  it('keeps foreign keys inside a database and records references that cross services', () => {
    const solution = buildSolutionArchitecture(fixtures.toolLibrary);
    const lending = solution.data.databases.find((d) => d.name === 'lending_db')!;
    const loans = lending.tables.find((t) => t.entity === 'Loan')!;
    expect(loans.columns.find((c) => c.name === 'tool_id')?.references).toBe('tools(id)');
    expect(loans.columns.find((c) => c.name === 'member_id')).toMatchObject({
      type: 'uuid',
      nullable: false,
    });
    expect(loans.columns.find((c) => c.name === 'member_id')?.references).toBeUndefined();
    expect(loans.crossServiceReferences).toEqual(['member_id -> Member (Membership)']);
    expect(loans.columns.find((c) => c.name === 'status')?.check).toBe(
      "status in ('requested', 'approved', 'returned', 'cancelled')",
    );
  });

  it('sends money as a decimal string in APIs and events, and events as full state when asked', () => {
    const { clinic } = fixtures;
    const scheduling = clinic.contexts[1];
    const doc = buildOpenApi(clinic, scheduling) as Doc;
    const fee = {
      type: 'string',
      pattern: '^(?:0|[1-9][0-9]{0,9})(?:\\.[0-9]{1,2})?$',
      description: expect.stringContaining('decimal string'),
    };
    expect(doc.components.schemas.AppointmentCreate.properties.fee).toMatchObject(fee);
    expect(doc.components.schemas.AppointmentCreate.properties.fee.multipleOf).toBeUndefined();
    const event = scheduling.events[1];
    const thin = buildEventSchema(clinic, scheduling, event) as Doc;
    const state = buildEventSchema(clinic, scheduling, event, { payload: 'state' }) as Doc;
    expect(Object.keys(thin.properties.data.properties)).toEqual(['appointmentId', 'status']);
    expect(Object.keys(state.properties.data.properties)).toEqual(
      expect.arrayContaining(['startsAt', 'fee', 'patientId', 'status', 'updatedAt']),
    );
    expect(state.properties.data.properties.fee).toMatchObject(fee);
    expect(jsonSchemaProblems(state)).toEqual([]);
  });
});
