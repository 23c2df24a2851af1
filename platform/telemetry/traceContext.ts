import { createHash, randomBytes } from 'node:crypto';

/** A W3C trace context: which trace a piece of work belongs to and which span it hangs under. */
export interface SpanContext {
  traceId: string;
  spanId: string;
  /** The span this one is a child of; absent for a trace's root. */
  parentSpanId?: string;
  sampled: boolean;
}

const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const zeroTrace = '0'.repeat(32);
const zeroSpan = '0'.repeat(16);

export class InvalidTraceparentError extends Error {
  override name = 'InvalidTraceparentError';
}

/**
 * Parses a `traceparent` header value (version 00, lowercase hex). Throws on anything else, so a caller can
 * answer a bad header with a clear message instead of silently starting an unrelated trace.
 */
export function parseTraceparent(value: string): { traceId: string; spanId: string; sampled: boolean } {
  const match = traceparentPattern.exec(value.trim());
  if (!match)
    throw new InvalidTraceparentError(
      `traceparent '${value.slice(0, 80)}' is not a W3C trace context (00-<32 hex>-<16 hex>-<2 hex>)`,
    );
  const [, version, traceId, spanId, flags] = match;
  if (version === 'ff') throw new InvalidTraceparentError('traceparent version ff is invalid');
  if (traceId === zeroTrace) throw new InvalidTraceparentError('traceparent has an all-zero trace id');
  if (spanId === zeroSpan) throw new InvalidTraceparentError('traceparent has an all-zero parent id');
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent(context: Pick<SpanContext, 'traceId' | 'spanId' | 'sampled'>): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? '01' : '00'}`;
}

const digest = (parts: Array<string | number>) => createHash('sha256').update(parts.join('\n')).digest('hex');

/**
 * A span id that every process computes the same way from the same key: activities can run anywhere, any
 * number of times, and still agree on the id of the phase or run span they belong to.
 */
export function deterministicSpanId(...key: Array<string | number>): string {
  const id = digest(['span', ...key]).slice(0, 16);
  return id === zeroSpan ? '0000000000000001' : id;
}

export function randomSpanId(): string {
  let id = randomBytes(8).toString('hex');
  while (id === zeroSpan) id = randomBytes(8).toString('hex');
  return id;
}

export function randomTraceparent(): string {
  return formatTraceparent({
    traceId: randomBytes(16).toString('hex'),
    spanId: randomSpanId(),
    sampled: true,
  });
}

/**
 * The spans of one run, keyed by the run's durable instance id (unique across tenants, unlike the run id). The
 * trace id is the starter's (`RunInput.traceparent`) when it gave one; otherwise it is derived from the key, so
 * a run started without trace context is still exactly one trace. Every structural span (run, phase) has a
 * deterministic id.
 */
export class RunTrace {
  readonly traceId: string;
  /** The starter's span, the parent of the run span (absent when the run started its own trace). */
  readonly callerSpanId?: string;
  readonly sampled: boolean;

  constructor(
    readonly instanceId: string,
    traceparent?: string,
  ) {
    let parsed: ReturnType<typeof parseTraceparent> | undefined;
    if (traceparent) {
      try {
        parsed = parseTraceparent(traceparent);
      } catch {
        // A malformed value inside a durable input cannot be answered with an error any more; start fresh.
        parsed = undefined;
      }
    }
    this.traceId = parsed?.traceId ?? digest(['trace', instanceId]).slice(0, 32);
    this.callerSpanId = parsed?.spanId;
    this.sampled = parsed?.sampled ?? true;
  }

  /** The run itself: an Application Insights request lasting from start to end. */
  run(): SpanContext {
    return {
      traceId: this.traceId,
      spanId: deterministicSpanId(this.instanceId, 'run'),
      parentSpanId: this.callerSpanId,
      sampled: this.sampled,
    };
  }

  /** One attempt of one phase in one iteration. */
  phase(phase: string, iteration: number, attempt: number): SpanContext {
    return {
      traceId: this.traceId,
      spanId: deterministicSpanId(this.instanceId, 'phase', phase, iteration, attempt),
      parentSpanId: this.run().spanId,
      sampled: this.sampled,
    };
  }

  /** A new child span under `parent`: random when the work is a leaf that may run more than once. */
  child(parent: SpanContext, spanId = randomSpanId()): SpanContext {
    return { traceId: parent.traceId, spanId, parentSpanId: parent.spanId, sampled: parent.sampled };
  }
}
