import { context, trace, TraceFlags } from '@opentelemetry/api';
import { formatTraceparent, parseTraceparent } from './traceContext';

/**
 * The trace a request continues, as a `traceparent`. Inside the Functions worker the instrumentation makes the
 * invocation's trace context current: the host's span for the request, itself a child of the caller's
 * `traceparent` header. Elsewhere (the embedded host) the request's own header is read. An invalid header is
 * ignored, as W3C trace context asks: the work then starts a trace of its own.
 */
export function incomingTraceparent(header: string | null | undefined): string | undefined {
  const current = trace.getSpanContext(context.active());
  if (current && trace.isSpanContextValid(current)) {
    return formatTraceparent({
      traceId: current.traceId,
      spanId: current.spanId,
      sampled: (current.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
    });
  }
  if (!header) return undefined;
  try {
    return formatTraceparent(parseTraceparent(header));
  } catch {
    return undefined;
  }
}
