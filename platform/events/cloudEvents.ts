import type { CloudEvent } from '../../core/ports/eventBus';

/** Service Bus Standard's message size limit; the embedded bus keeps the same limit so local runs catch it. */
export const maxEventBytes = 256 * 1024;

/** Checks the envelope before it leaves the process; returns the serialized event. */
export function serializeCloudEvent(event: CloudEvent): string {
  const problems: string[] = [];
  if (!event || typeof event !== 'object') throw new Error('invalid CloudEvent: expected an object');
  if (event.specversion !== '1.0') problems.push('specversion must be "1.0"');
  for (const field of ['id', 'source', 'type', 'subject', 'time', 'tenantid'] as const) {
    const value = event[field];
    if (typeof value !== 'string' || value.length === 0) problems.push(`${field} must be a non-empty string`);
  }
  if (typeof event.id === 'string' && event.id.length > 128)
    problems.push('id must be at most 128 characters');
  if (typeof event.type === 'string' && !/^factory\.[A-Za-z][A-Za-z0-9.]*$/.test(event.type)) {
    problems.push(`type ${JSON.stringify(event.type)} must look like factory.<Name>`);
  }
  if (typeof event.time === 'string' && Number.isNaN(Date.parse(event.time)))
    problems.push('time must be a timestamp');
  if (
    event.traceparent !== undefined &&
    !/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(event.traceparent)
  ) {
    problems.push('traceparent must be a W3C trace context');
  }
  if (problems.length > 0) throw new Error(`invalid CloudEvent ${String(event.id)}: ${problems.join('; ')}`);
  const json = JSON.stringify(event);
  if (Buffer.byteLength(json) > maxEventBytes) {
    throw new Error(
      `CloudEvent ${event.id} is larger than ${maxEventBytes} bytes; events carry references, not documents`,
    );
  }
  return json;
}
