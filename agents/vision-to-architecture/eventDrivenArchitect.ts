import { z } from 'zod';
import type { AgentDefinition, ArtifactFile } from '../../core/agent';
import { adrFiles, adrSchema, feedbackNotes } from '../../toolchain/architecture/adr';
import {
  buildAsyncApi,
  buildEventSchema,
  eventSchemaPath,
  type EventOptions,
} from '../blueprint/architecture/asyncapi';
import { eventDecisions } from '../blueprint/architecture/decisions';
import { feedbackMentioning, jsonInput } from '../blueprint/architecture/inputs';
import { domainModelSchema } from '../../toolchain/schemas/domainModel';
import { moneyPattern } from '../../toolchain/money';

const asyncApiDocumentSchema = z.looseObject({
  asyncapi: z.literal('3.0.0'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  servers: z.record(z.string(), z.unknown()),
  channels: z.record(z.string(), z.unknown()),
  operations: z.record(z.string(), z.unknown()),
});

export const eventDesignSchema = z.object({
  payload: z.enum(['thin', 'state']),
  asyncapi: asyncApiDocumentSchema,
  eventSchemas: z.array(
    z.object({
      event: z.string(),
      context: z.string(),
      path: z.string().regex(/^events\/[A-Z][A-Za-z0-9]*\.schema\.json$/),
      schema: z.looseObject({
        $schema: z.literal('https://json-schema.org/draft/2020-12/schema'),
        type: z.literal('object'),
      }),
    }),
  ),
  adrs: z.array(adrSchema).min(1),
  feedbackAddressed: z.array(z.object({ feedback: z.string(), outcome: z.string() })),
});

export type EventDesign = z.infer<typeof eventDesignSchema>;

const statePhrases = [
  'full state',
  'event-carried state',
  'all attributes',
  'all fields',
  'fat event',
  'whole entity',
];

/** The choice a reviewer can steer: event-carried state over thin events. */
function eventOptions(feedback: string[]): EventOptions {
  return { payload: feedbackMentioning(feedback, ...statePhrases).length > 0 ? 'state' : 'thin' };
}

export const eventDrivenArchitect: AgentDefinition<EventDesign> = {
  name: 'eventDrivenArchitect',
  role: 'Event-Driven Architect',
  phase: 'vision-to-architecture',
  purpose:
    'Designs the domain-event contracts: an AsyncAPI 3.0 document for Service Bus and a JSON Schema per event.',
  uses: 'model',
  deployment: 'simple',
  reads: ['domain-model'],
  writes: ['asyncapi', 'event-schema', 'adr'],
  output: eventDesignSchema,
  prompt: {
    version: '1.1.0',
    system: [
      'You are the Event-Driven Architect of a software factory. From a domain model you design how bounded contexts',
      'integrate asynchronously on Azure Service Bus. Write one AsyncAPI 3.0.0 document: a server for the Service Bus',
      'namespace (AMQP 1.0), one channel per bounded context whose address is its topic <product>.<context>.events, a send',
      'operation per publishing context and a receive operation per subscribing context (downstream contexts, and contexts',
      'whose entity ids an event carries), one message per domain event with contentType application/cloudevents+json.',
      'For every domain event also write a standalone JSON Schema (draft 2020-12) of its CloudEvents 1.0 envelope',
      '(specversion, id, source, type <product>.<context>.<Event>, subject, time, datacontenttype, data) whose data object',
      'requires <entity>Id (uuid), types every payload attribute from the model and sets additionalProperties: false.',
      'Money is always a string (never a number) with pattern',
      `${moneyPattern({})} (${moneyPattern({ minimum: 0 })} when its minimum is 0 or more) and a description stating the format.`,
      'Record the decision as a MADR ADR. Apply every review finding you are given.',
    ].join(' '),
    user: [
      'Domain model (JSON):',
      '{{domain-model}}',
      '',
      'Review feedback to address (may be empty):',
      '{{feedback}}',
      '',
      'Return JSON: { payload: "thin" | "state", asyncapi, eventSchemas: [{ event, context, path:',
      '"events/<EventName>.schema.json", schema }], adrs: [...], feedbackAddressed: [{ feedback, outcome }] }.',
    ].join('\n'),
  },
  async blueprint(ctx) {
    const model = await jsonInput(ctx, 'domain-model', domainModelSchema);
    const options = eventOptions(ctx.feedback);
    const feedbackAddressed = ctx.feedback.map((feedback) => ({
      feedback,
      outcome:
        eventOptions([feedback]).payload === 'state'
          ? 'Events now carry the full state of their entity.'
          : 'Recorded. The contracts are regenerated from the current domain model.',
    }));
    const applied = feedbackAddressed.filter((f) => !f.outcome.startsWith('Recorded')).map((f) => f.outcome);
    return {
      payload: options.payload,
      asyncapi: buildAsyncApi(model, options) as z.infer<typeof asyncApiDocumentSchema>,
      eventSchemas: model.contexts.flatMap((context) =>
        context.events.map((event) => ({
          event: event.name,
          context: context.name,
          path: eventSchemaPath(event),
          schema: buildEventSchema(
            model,
            context,
            event,
            options,
          ) as EventDesign['eventSchemas'][number]['schema'],
        })),
      ),
      adrs: eventDecisions(model, options.payload, feedbackNotes(ctx.feedback, applied)),
      feedbackAddressed,
    };
  },
  artifacts(output) {
    return [
      {
        path: 'events/asyncapi.json',
        kind: 'asyncapi',
        contentType: 'application/json',
        content: `${JSON.stringify(output.asyncapi, null, 2)}\n`,
      },
      ...output.eventSchemas.map((e): ArtifactFile => ({
        path: e.path,
        kind: 'event-schema',
        contentType: 'application/json',
        content: `${JSON.stringify(e.schema, null, 2)}\n`,
      })),
      ...adrFiles(output.adrs),
    ];
  },
};
