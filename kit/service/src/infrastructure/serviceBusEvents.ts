import { ServiceBusClient } from '@azure/service-bus';
import type { DomainEventRecord } from '../application/ports';
import { managedIdentityCredential } from './managedIdentity';

/** Where the outbox relays events to: `seq` is the event's place in the outbox, unique in the service. */
export interface EventChannel {
  send(event: DomainEventRecord, seq: number): Promise<void>;
  close(): Promise<void>;
}

/** Offline, and wherever no broker is configured: one `event {...}` line per event in the service's log. */
export const logEvents: EventChannel = {
  send: async (event) => {
    process.stdout.write('event ' + JSON.stringify(event) + '\n');
  },
  close: async () => undefined,
};

/**
 * In Azure: the product's Service Bus topic, signed in with the app's managed identity, as the product template
 * configures it (ServiceBusConnection__fullyQualifiedNamespace, DOMAIN_EVENTS_TOPIC). The message id names the
 * event in its service, so a relay that sends an event again after a crash is caught by duplicate detection.
 */
export function serviceBusEvents(env: NodeJS.ProcessEnv): EventChannel | undefined {
  const namespace = env.ServiceBusConnection__fullyQualifiedNamespace;
  const topic = env.DOMAIN_EVENTS_TOPIC;
  if (!namespace || !topic) return undefined;
  const client = new ServiceBusClient(namespace, managedIdentityCredential(env));
  const sender = client.createSender(topic);
  return {
    send: (event, seq) =>
      sender.sendMessages({
        body: event,
        contentType: 'application/json',
        subject: event.name,
        messageId: `${event.name}:${event.entityId}:${seq}`,
      }),
    close: async () => {
      await sender.close();
      await client.close();
    },
  };
}
