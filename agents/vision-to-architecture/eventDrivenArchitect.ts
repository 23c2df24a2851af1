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
  uses: 'compiler',
  reads: ['domain-model'],
  writes: ['asyncapi', 'event-schema', 'adr'],
  output: eventDesignSchema,
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
