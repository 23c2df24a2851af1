import { RandomIdGenerator, type IdGenerator } from '@opentelemetry/sdk-trace-base';

/**
 * Span and trace ids chosen by the caller. Structural spans (a run, a phase attempt, a published event) have ids
 * computed from the run id, so any process can name them as parents before they are recorded; an OpenTelemetry
 * tracer takes ids only from its provider's id generator, so this generator hands over the chosen ones.
 */
export class ChosenIds implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  private chosen: { traceId: string; spanId: string } | undefined;

  /** Runs `start`, which starts one span synchronously, so that span gets these ids. */
  use<T>(ids: { traceId: string; spanId: string }, start: () => T): T {
    this.chosen = ids;
    try {
      return start();
    } finally {
      this.chosen = undefined;
    }
  }

  generateTraceId(): string {
    return this.chosen?.traceId ?? this.random.generateTraceId();
  }

  generateSpanId(): string {
    return this.chosen?.spanId ?? this.random.generateSpanId();
  }
}
