/* eslint-disable @typescript-eslint/no-explicit-any -- rhea's frames and messages are loosely typed */
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Server } from 'node:net';
// The module object is itself a container; its methods live on the prototype, so no namespace import.
const rhea = require('rhea') as any;

/**
 * A small AMQP 1.0 broker that `@azure/service-bus` 7.x accepts (there is no Service Bus emulator on these
 * machines). It covers what the factory uses: queues and topics with subscriptions, batched sends, peek-lock
 * receive with complete / abandon / dead-letter, max delivery count, lock expiry, duplicate detection by
 * message id and drain. Not covered: sessions, scheduling, deferral, transactions, management operations
 * other than lock renewal.
 */

export interface SubscriptionOptions {
  /**
   * Either a predicate or a SQL-like filter over application properties and `sys.` properties:
   * `type = 'factory.PhaseCompleted' AND phase IN ('development', 'testing')`, `<>` and `IN` supported.
   */
  filter?: string | ((message: BrokerMessage) => boolean);
}

export interface BrokerOptions {
  queues?: string[];
  topics?: Record<string, { subscriptions: Record<string, SubscriptionOptions> }>;
  /** Deliveries before a message is dead-lettered (Service Bus default 10). */
  maxDeliveryCount?: number;
  lockDurationMs?: number;
  duplicateDetectionWindowMs?: number;
  /** Create a queue when a client names an unknown entity (default true). */
  autoCreateQueues?: boolean;
}

/** A stored message: the AMQP message as decoded by rhea plus broker state. */
export interface BrokerMessage {
  message: any;
  sequenceNumber: number;
  enqueuedAt: number;
  deliveryCount: number;
}

interface Entity {
  /** Lower-case path: `queue`, `topic/subscriptions/sub`, `.../$deadletterqueue`. */
  path: string;
  ready: BrokerMessage[];
  /** Locked messages by lock token (hex of the delivery tag). */
  locked: Map<string, { item: BrokerMessage; lockedUntil: number; sender: any }>;
  deadLetter?: Entity;
  filter?: (message: BrokerMessage) => boolean;
}

export interface ServiceBusBroker {
  /** `Endpoint=sb://127.0.0.1:PORT;...;UseDevelopmentEmulator=true` (plain TCP). */
  connectionString: string;
  port: number;
  /** Messages waiting (not locked) in an entity, e.g. `factory-commands/$deadletterqueue`. */
  peek(entityPath: string): BrokerMessage[];
  stop(): Promise<void>;
}

const deadLetterSuffix = '/$deadletterqueue';

export async function startServiceBusBroker(options: BrokerOptions = {}): Promise<ServiceBusBroker> {
  const maxDeliveryCount = options.maxDeliveryCount ?? 10;
  const lockDurationMs = options.lockDurationMs ?? 60_000;
  const duplicateWindowMs = options.duplicateDetectionWindowMs ?? 10 * 60_000;
  const autoCreate = options.autoCreateQueues ?? true;
  const entities = new Map<string, Entity>();
  /** Sending to a topic fans out to these entities; sending to a queue targets the queue alone. */
  const topics = new Map<string, Entity[]>();
  const seenIds = new Map<string, Map<string, number>>();
  const senders = new Set<any>();
  let sequence = 0;

  function makeEntity(path: string, filter?: SubscriptionOptions['filter']): Entity {
    const key = path.toLowerCase();
    const deadLetter: Entity = { path: key + deadLetterSuffix, ready: [], locked: new Map() };
    const entity: Entity = {
      path: key,
      ready: [],
      locked: new Map(),
      deadLetter,
      filter: compileFilter(filter),
    };
    entities.set(key, entity);
    entities.set(deadLetter.path, deadLetter);
    return entity;
  }
  for (const queue of options.queues ?? []) makeEntity(queue);
  for (const [topic, { subscriptions }] of Object.entries(options.topics ?? {})) {
    topics.set(
      topic.toLowerCase(),
      Object.entries(subscriptions).map(([name, sub]) =>
        makeEntity(`${topic}/subscriptions/${name}`, sub.filter),
      ),
    );
  }

  function resolve(address: string | undefined): Entity | undefined {
    if (!address) return undefined;
    const key = address.replace(/^sb:\/\/[^/]+\//i, '').toLowerCase();
    const found = entities.get(key);
    if (found || !autoCreate || key.includes('/') || topics.has(key) || key.startsWith('$')) return found;
    return makeEntity(key);
  }

  function accept(address: string, message: any): void {
    const key = address.replace(/^sb:\/\/[^/]+\//i, '').toLowerCase();
    const targets = topics.get(key) ?? [resolve(key)].filter((e): e is Entity => e !== undefined);
    if (targets.length === 0) throw new Error(`entity ${address} not found`);
    message.message_id ??= randomUUID().replace(/-/g, '');
    const now = Date.now();
    const seen = seenIds.get(key) ?? new Map<string, number>();
    seenIds.set(key, seen);
    const id = String(message.message_id);
    const seenAt = seen.get(id);
    if (seenAt !== undefined && now - seenAt < duplicateWindowMs) return;
    seen.set(id, now);
    for (const target of targets) {
      const item: BrokerMessage = {
        message: { ...message, message_annotations: { ...(message.message_annotations ?? {}) } },
        sequenceNumber: ++sequence,
        enqueuedAt: now,
        deliveryCount: 0,
      };
      if (target.filter && !target.filter(item)) continue;
      target.ready.push(item);
      pumpEntity(target);
    }
  }

  function deadLetter(entity: Entity, item: BrokerMessage, reason: string, description?: string): void {
    const target = entity.deadLetter;
    if (!target) return;
    item.message.application_properties = {
      ...(item.message.application_properties ?? {}),
      DeadLetterReason: reason,
      ...(description !== undefined ? { DeadLetterErrorDescription: description } : {}),
    };
    target.ready.push(item);
    pumpEntity(target);
  }

  function requeue(entity: Entity, item: BrokerMessage, failed: boolean): void {
    if (failed) item.deliveryCount += 1;
    if (failed && item.deliveryCount >= maxDeliveryCount) {
      deadLetter(
        entity,
        item,
        'MaxDeliveryCountExceeded',
        `Message could not be consumed after ${maxDeliveryCount} delivery attempts.`,
      );
      return;
    }
    entity.ready.push(item);
    entity.ready.sort((a, b) => a.sequenceNumber - b.sequenceNumber);
    pumpEntity(entity);
  }

  function expireLocks(): void {
    const now = Date.now();
    for (const entity of new Set(entities.values())) {
      for (const [token, lock] of entity.locked) {
        if (lock.lockedUntil <= now) {
          entity.locked.delete(token);
          requeue(entity, lock.item, true);
        }
      }
    }
  }

  function pumpEntity(entity: Entity): void {
    for (const sender of senders) if (sender.entity === entity) pump(sender);
  }

  function pump(sender: any): void {
    const entity: Entity = sender.entity;
    const receiveAndDelete = sender.local.attach.snd_settle_mode === 1;
    while (sender.is_open() && sender.sendable() && entity.ready.length > 0) {
      const item = entity.ready.shift()!;
      const tag = Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
      const lockedUntil = Date.now() + lockDurationMs;
      const outgoing = {
        ...item.message,
        delivery_count: item.deliveryCount,
        message_annotations: {
          ...item.message.message_annotations,
          'x-opt-sequence-number': rhea.types.wrap_long(item.sequenceNumber),
          'x-opt-enqueued-time': new Date(item.enqueuedAt),
          ...(receiveAndDelete ? {} : { 'x-opt-locked-until': new Date(lockedUntil) }),
        },
      };
      const delivery = sender.send(outgoing, tag);
      if (receiveAndDelete) continue;
      delivery.lockToken = tag.toString('hex');
      entity.locked.set(delivery.lockToken, { item, lockedUntil, sender });
    }
    if (sender._draining && entity.ready.length === 0) sender.set_drained(true);
  }

  /** Applies a receiver's outcome once, then settles the delivery. */
  function settle(context: any, outcome: 'accepted' | 'released' | 'modified' | 'rejected'): void {
    const delivery = context.delivery;
    const entity: Entity | undefined = context.sender?.entity;
    const lock = entity && delivery.lockToken ? entity.locked.get(delivery.lockToken) : undefined;
    if (entity && lock) {
      entity.locked.delete(delivery.lockToken);
      const state = delivery.remote_state ?? {};
      if (outcome === 'released') requeue(entity, lock.item, false);
      else if (outcome === 'modified') {
        if (state.message_annotations)
          Object.assign(lock.item.message.message_annotations, state.message_annotations);
        requeue(entity, lock.item, state.delivery_failed !== false);
      } else if (outcome === 'rejected') {
        const error = state.error ?? {};
        const info = error.info ?? {};
        if (String(error.condition) === 'com.microsoft:dead-letter') {
          const { DeadLetterReason, DeadLetterErrorDescription, ...rest } = info;
          Object.assign(
            lock.item.message.application_properties ?? (lock.item.message.application_properties = {}),
            rest,
          );
          deadLetter(
            entity,
            lock.item,
            DeadLetterReason ?? 'DeadLetteredByReceiver',
            DeadLetterErrorDescription,
          );
        } else deadLetter(entity, lock.item, String(error.condition ?? 'Rejected'), error.description);
      }
    }
    // Settle once, echoing the outcome (a settled disposition without a state confuses the client).
    if (!delivery.settled) delivery.update(true, rhea.message[outcome]().described());
  }

  /** `$cbs` and `$management` requests: answer on the link the request names in reply_to. */
  function reply(
    context: any,
    request: any,
    applicationProperties: Record<string, unknown>,
    body?: unknown,
  ): void {
    const connection = context.connection;
    let target: any;
    for (const session of connection.local_channel_map ? Object.values(connection.local_channel_map) : []) {
      for (const link of Object.values((session as any).links ?? {})) {
        const l = link as any;
        if (
          l.is_sender() &&
          (l.name === request.reply_to || l.remote.attach?.source?.address === request.reply_to)
        )
          target = l;
      }
    }
    target?.send({
      correlation_id: request.message_id,
      to: request.reply_to,
      application_properties: applicationProperties,
      body,
    });
  }

  function handleManagement(context: any, request: any): void {
    const op = request.application_properties?.operation;
    const address = context.receiver.remote.attach.target?.address ?? '';
    if (op === 'com.microsoft:renew-lock') {
      const entity = resolve(address.replace(/\/\$management$/i, ''));
      const tokens: any[] = request.body?.['lock-tokens'] ?? [];
      const expirations = tokens.map((token) => {
        const hex = Buffer.isBuffer(token) ? token.toString('hex') : String(token).replace(/-/g, '');
        const lock = entity?.locked.get(hex);
        const until = Date.now() + lockDurationMs;
        if (lock) lock.lockedUntil = until;
        return new Date(until);
      });
      reply(context, request, { statusCode: 200, 'status-code': 200 }, { expirations });
      return;
    }
    reply(context, request, {
      statusCode: 501,
      'status-code': 501,
      'status-description': `${op} is not supported`,
    });
  }

  const container = rhea.create_container({
    id: 'service-bus-test-broker',
    autoaccept: false,
    treat_modified_as_released: false,
  });
  container.sasl_server_mechanisms.enable_anonymous();
  container.sasl_server_mechanisms.enable_plain(() => true);

  container.on('connection_open', (context: any) => {
    context.connection.local.open.properties = context.connection.remote.open?.properties;
  });

  container.on('sender_open', (context: any) => {
    const sender = context.sender;
    const remote = sender.remote.attach;
    sender.set_source(remote.source);
    sender.set_target(remote.target);
    sender.local.attach.properties = remote.properties;
    sender.local.attach.snd_settle_mode = remote.snd_settle_mode;
    sender.local.attach.rcv_settle_mode = remote.rcv_settle_mode;
    const address: string = remote.source?.address ?? '';
    if (address.startsWith('$') || address.endsWith('/$management')) return;
    const entity = resolve(address);
    if (!entity) {
      sender.close({
        condition: 'amqp:not-found',
        description: `The messaging entity '${address}' could not be found.`,
      });
      return;
    }
    sender.entity = entity;
    sender.set_drained?.(false);
    senders.add(sender);
  });

  container.on('receiver_open', (context: any) => {
    const receiver = context.receiver;
    const remote = receiver.remote.attach;
    receiver.set_source(remote.source);
    receiver.set_target(remote.target);
    receiver.local.attach.properties = remote.properties;
    receiver.local.attach.max_message_size = 1024 * 1024;
    const address: string = remote.target?.address ?? '';
    if (
      !address.startsWith('$') &&
      !address.endsWith('/$management') &&
      !topics.has(address.toLowerCase()) &&
      !resolve(address)
    ) {
      receiver.close({
        condition: 'amqp:not-found',
        description: `The messaging entity '${address}' could not be found.`,
      });
    }
  });

  container.on('sendable', (context: any) => {
    if (context.sender.entity) pump(context.sender);
  });
  container.on('sender_draining', (context: any) => {
    if (context.sender.entity) pump(context.sender);
    else context.sender.set_drained(true);
  });

  container.on('message', (context: any) => {
    const receiver = context.receiver;
    const address: string = receiver.remote.attach.target?.address ?? '';
    const request = context.message;
    try {
      if (address === '$cbs') {
        reply(context, request, { 'status-code': 200, 'status-description': 'OK' });
      } else if (address.endsWith('$management')) {
        handleManagement(context, request);
      } else if (context.delivery.format === 0x80013700) {
        // A batch arrives undecoded: one message whose data sections are each an encoded message.
        const body = rhea.message.decode(request).body;
        const sections: Buffer[] = body?.multiple ? body.content : [body?.content ?? body];
        for (const section of sections) accept(address, rhea.message.decode(section));
      } else {
        accept(address, request);
      }
      context.delivery.accept();
    } catch (error) {
      context.delivery.reject({ condition: 'amqp:not-found', description: (error as Error).message });
    }
  });

  for (const outcome of ['accepted', 'released', 'modified', 'rejected'] as const) {
    container.on(outcome, (context: any) => {
      if (context.sender?.entity) settle(context, outcome);
    });
  }

  /** A receiver that goes away loses its locks; the messages become available again. */
  function dropSender(sender: any): void {
    if (!senders.delete(sender)) return;
    const entity: Entity = sender.entity;
    for (const [token, lock] of entity.locked) {
      if (lock.sender === sender) {
        entity.locked.delete(token);
        requeue(entity, lock.item, true);
      }
    }
  }
  container.on('sender_close', (context: any) => dropSender(context.sender));
  container.on('disconnected', (context: any) => {
    for (const sender of [...senders]) if (sender.connection === context.connection) dropSender(sender);
  });
  container.on('connection_close', (context: any) => {
    for (const sender of [...senders]) if (sender.connection === context.connection) dropSender(sender);
  });
  container.on('error', () => undefined);

  const server: Server = container.listen({ port: 0, host: '127.0.0.1' } as any) as unknown as Server;
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolveListening, reject) => {
    if (server.listening) resolveListening();
    server.once('listening', () => resolveListening());
    server.once('error', reject);
  });
  const lockTimer = setInterval(expireLocks, Math.min(1000, lockDurationMs / 2));
  lockTimer.unref();
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    connectionString: `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=x;SharedAccessKey=y;UseDevelopmentEmulator=true`,
    peek(entityPath: string) {
      return [...(entities.get(entityPath.toLowerCase())?.ready ?? [])];
    },
    async stop() {
      clearInterval(lockTimer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** Compiles `a = 'x' AND b IN ('y', 'z') AND c <> 'w'` over application and system properties. */
function compileFilter(
  filter: SubscriptionOptions['filter'],
): ((message: BrokerMessage) => boolean) | undefined {
  if (filter === undefined || typeof filter === 'function') return filter;
  const clauses = filter.split(/\s+AND\s+/i).map((clause) => {
    const match = /^\s*([\w.$-]+)\s*(=|<>|!=|IN)\s*(.+?)\s*$/i.exec(clause);
    if (!match) throw new Error(`unsupported subscription filter clause: ${clause}`);
    const [, name, op, rawValue] = match;
    const values =
      op.toUpperCase() === 'IN'
        ? rawValue
            .replace(/^\(|\)$/g, '')
            .split(',')
            .map(literal)
        : [literal(rawValue)];
    return { name, negate: op === '<>' || op === '!=', values };
  });
  return (item) =>
    clauses.every(({ name, negate, values }) => {
      const actual = propertyOf(item.message, name);
      const hit = values.some((value) => value === actual);
      return negate ? !hit : hit;
    });
}

function literal(raw: string): unknown {
  const text = raw.trim();
  if (/^'.*'$/.test(text)) return text.slice(1, -1).replace(/''/g, "'");
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  throw new Error(`unsupported filter literal ${text}`);
}

function propertyOf(message: any, name: string): unknown {
  const system: Record<string, string> = {
    'sys.label': 'subject',
    'sys.subject': 'subject',
    'sys.messageid': 'message_id',
    'sys.correlationid': 'correlation_id',
    'sys.contenttype': 'content_type',
    'sys.to': 'to',
    'sys.replyto': 'reply_to',
  };
  const systemName = system[name.toLowerCase()];
  if (systemName) return message[systemName];
  const key = name.replace(/^user\./i, '');
  return message.application_properties?.[key];
}
