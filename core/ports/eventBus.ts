/** A CloudEvents 1.0 envelope (JSON format). `type` is `factory.<Name>`, `subject` the run id. */
export interface CloudEvent<T = Record<string, unknown>> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  /** Extension attributes. */
  tenantid: string;
  phase?: string;
  traceparent?: string;
  data: T;
}

/**
 * Phase events out (Service Bus topic `factory-events` in Azure, the embedded bus locally). Publishing is
 * at-least-once; the event id is the Service Bus `messageId`, so duplicate detection drops repeats.
 */
export interface EventBus {
  readonly adapter: string;
  publish(event: CloudEvent): Promise<void>;
  close(): Promise<void>;
}
