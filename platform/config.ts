import { join, resolve } from 'node:path';
import type { TokenCredential } from '@azure/identity';
import type { ServiceBusClient } from '@azure/service-bus';
import { FilesystemArtifactStore } from './artifacts/filesystemArtifactStore';
import type { EmbeddedEventBus } from './events/embeddedEventBus';
import type { ArtifactStore } from '../core/ports/artifactStore';
import type { EventBus } from '../core/ports/eventBus';
import type { RunStore } from '../core/ports/runStore';

// Adapters and Azure SDKs are loaded only for the ports that use them: the CLI starts faster, and the
// native SQLite module is never loaded in Azure.
const load = {
  cosmos: () => require('@azure/cosmos') as typeof import('@azure/cosmos'),
  identity: () => require('@azure/identity') as typeof import('@azure/identity'),
  serviceBus: () => require('@azure/service-bus') as typeof import('@azure/service-bus'),
  blob: () => require('@azure/storage-blob') as typeof import('@azure/storage-blob'),
  blobStore: () => require('./artifacts/blobArtifactStore') as typeof import('./artifacts/blobArtifactStore'),
  cosmosStore: () => require('./runs/cosmosRunStore') as typeof import('./runs/cosmosRunStore'),
  sqliteStore: () => require('./runs/sqliteRunStore') as typeof import('./runs/sqliteRunStore'),
  embeddedBus: () => require('./events/embeddedEventBus') as typeof import('./events/embeddedEventBus'),
  serviceBusBus: () => require('./events/serviceBusEventBus') as typeof import('./events/serviceBusEventBus'),
};

/** How a port reaches its service: an identity-based endpoint, a connection string, or nothing (embedded). */
export type Connection =
  | { kind: 'identity'; endpoint: string; clientId?: string }
  | { kind: 'connectionString'; value: string; endpoint: string }
  | { kind: 'embedded' };

export interface Settings {
  cosmos: Connection & { database: string; container: 'runs' };
  storage: Connection & { container: string };
  serviceBus: Connection & { eventsTopic: string; commandsQueue: string };
  factoryHome: string;
}

/** Where commands (StartRun, ApproveGate, CancelRun) are queued. */
export type CommandQueue =
  | { adapter: 'service-bus'; queue: string; client: ServiceBusClient }
  | { adapter: 'embedded'; queue: string; bus: EmbeddedEventBus };

export interface Ports {
  artifacts: ArtifactStore;
  runs: RunStore;
  events: EventBus;
  commands: CommandQueue;
  settings: Settings;
  /** Port name → adapter and target, for start-up logs and `factory` output. Never contains secrets. */
  describe(): Record<'artifacts' | 'runs' | 'events' | 'commands', string>;
  /** Closes clients and files; the event bus last, as it may carry the command queue. */
  close(): Promise<void>;
}

/** A setting that cannot be used; names the setting so the fix is obvious. */
export class SettingsError extends Error {
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`setting ${setting}: ${problem}`);
    this.name = 'SettingsError';
  }
}

type Env = Record<string, string | undefined>;

/** Where local state lives: `FACTORY_HOME`, by default `./.factory`. */
export function factoryHome(env: Env = process.env): string {
  return resolve(env.FACTORY_HOME ?? '.factory');
}

/**
 * The choice of an adapter that keeps state on this machine's disk (a local git repository, products as local
 * processes), made for an unset `setting`. With identity-based connections the factory runs in Azure, where an
 * instance's disk is neither kept nor shared with the instance that runs the next activity: the setting must say
 * which remote adapter to use, or say `local` explicitly.
 */
export function localByDefault(env: Env, setting: string, remote: string): 'local' {
  const identityBased = [
    'CosmosConnection__accountEndpoint',
    'ArtifactStorage__blobServiceUri',
    'ServiceBusConnection__fullyQualifiedNamespace',
  ].some((name) => env[name]?.trim());
  if (identityBased)
    throw new SettingsError(
      setting,
      `is not set: with identity-based connections (Azure) it must name ${remote}; an instance's disk is not kept between activities (set it to local to keep state on this machine anyway)`,
    );
  return 'local';
}

/**
 * Reads and validates the settings of the three ports, following the Azure Functions convention for
 * identity-based connections: `<Name>__accountEndpoint` / `__blobServiceUri` / `__fullyQualifiedNamespace`
 * (with optional `<Name>__clientId` or `AZURE_CLIENT_ID` for a user-assigned identity), or `<Name>` holding a
 * connection string (emulators and local servers). Neither set means the embedded adapter.
 */
export function readSettings(env: Env, factoryHome: string): Settings {
  const cosmos = readConnection(env, 'CosmosConnection', 'accountEndpoint', (setting, value) => {
    const parts = parseConnectionString(setting, value, ['AccountEndpoint', 'AccountKey']);
    return checkUrl(setting, parts.AccountEndpoint, ['http:', 'https:'], 'AccountEndpoint');
  });
  if (cosmos.kind === 'identity') checkUrl('CosmosConnection__accountEndpoint', cosmos.endpoint, ['https:']);

  const storage = readConnection(env, 'ArtifactStorage', 'blobServiceUri', (setting, value) => {
    if (/^\s*UseDevelopmentStorage=true\s*;?\s*$/i.test(value))
      return 'http://127.0.0.1:10000/devstoreaccount1';
    const parts = parseConnectionString(setting, value, []);
    if (parts.BlobEndpoint) checkUrl(setting, parts.BlobEndpoint, ['http:', 'https:'], 'BlobEndpoint');
    if (!parts.SharedAccessSignature && !(parts.AccountName && parts.AccountKey)) {
      throw new SettingsError(
        setting,
        'a storage connection string needs AccountName and AccountKey (or BlobEndpoint and SharedAccessSignature)',
      );
    }
    if (!parts.BlobEndpoint && !parts.AccountName) {
      throw new SettingsError(
        setting,
        'a connection string with a SharedAccessSignature needs a BlobEndpoint',
      );
    }
    return (
      parts.BlobEndpoint ??
      `${(parts.DefaultEndpointsProtocol ?? 'https').toLowerCase()}://${parts.AccountName}.blob.${parts.EndpointSuffix ?? 'core.windows.net'}`
    );
  });
  if (storage.kind === 'identity') checkUrl('ArtifactStorage__blobServiceUri', storage.endpoint, ['https:']);

  const serviceBus = readConnection(
    env,
    'ServiceBusConnection',
    'fullyQualifiedNamespace',
    (setting, value) => {
      const parts = parseConnectionString(setting, value, ['Endpoint']);
      if (!parts.SharedAccessSignature && !(parts.SharedAccessKeyName && parts.SharedAccessKey)) {
        throw new SettingsError(
          setting,
          'a Service Bus connection string needs SharedAccessKeyName and SharedAccessKey (or SharedAccessSignature)',
        );
      }
      if (parts.EntityPath) {
        throw new SettingsError(
          setting,
          'use a namespace-level connection string (without EntityPath); entities are named by FACTORY_EVENTS_TOPIC and FACTORY_COMMANDS_QUEUE',
        );
      }
      return checkUrl(setting, parts.Endpoint, ['sb:'], 'Endpoint');
    },
  );
  if (serviceBus.kind === 'identity') {
    serviceBus.endpoint = serviceBus.endpoint.replace(/^sb:\/\//i, '').replace(/\/+$/, '');
    if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(serviceBus.endpoint)) {
      throw new SettingsError(
        'ServiceBusConnection__fullyQualifiedNamespace',
        `expected a host name such as my-namespace.servicebus.windows.net, got ${JSON.stringify(serviceBus.endpoint)}`,
      );
    }
  }

  return {
    cosmos: {
      ...cosmos,
      database: name(
        env,
        'COSMOS_DATABASE',
        'factory',
        /^[^/\\?#]{1,255}$/,
        'up to 255 characters without / \\ ? #',
      ),
      container: 'runs',
    },
    storage: {
      ...storage,
      container: name(
        env,
        'ARTIFACTS_CONTAINER',
        'artifacts',
        /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
        '3 to 63 lower-case letters, digits and single hyphens',
      ),
    },
    serviceBus: {
      ...serviceBus,
      eventsTopic: name(
        env,
        'FACTORY_EVENTS_TOPIC',
        'factory-events',
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/,
        'letters, digits, . _ - up to 260 characters',
      ),
      commandsQueue: name(
        env,
        'FACTORY_COMMANDS_QUEUE',
        'factory-commands',
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/,
        'letters, digits, . _ - up to 260 characters',
      ),
    },
    factoryHome,
  };
}

/** Builds the adapters once, synchronously; remote resources (containers, databases) are created on first use. */
export function createPorts(env: Env, factoryHome: string): Ports {
  const settings = readSettings(env, factoryHome);
  const credentials = new Map<string, TokenCredential>();
  const credential = (clientId?: string): TokenCredential => {
    const key = clientId ?? '';
    let found = credentials.get(key);
    if (!found) {
      found = new (load.identity().DefaultAzureCredential)(
        clientId ? { managedIdentityClientId: clientId } : {},
      );
      credentials.set(key, found);
    }
    return found;
  };
  const via = (connection: Connection): string =>
    connection.kind === 'identity'
      ? ' (managed identity)'
      : connection.kind === 'connectionString'
        ? ' (connection string)'
        : '';

  // Artifacts
  let artifacts: ArtifactStore;
  let artifactsTarget: string;
  const storage = settings.storage;
  if (storage.kind === 'embedded') {
    const root = join(factoryHome, 'artifacts');
    artifacts = new FilesystemArtifactStore(root);
    artifactsTarget = `filesystem ${root}`;
  } else {
    const { BlobServiceClient } = load.blob();
    const service =
      storage.kind === 'identity'
        ? new BlobServiceClient(storage.endpoint, credential(storage.clientId))
        : wrap('ArtifactStorage', () => BlobServiceClient.fromConnectionString(storage.value));
    const container = service.getContainerClient(storage.container);
    artifacts = new (load.blobStore().BlobArtifactStore)(container);
    artifactsTarget = `blob ${container.url}${via(storage)}`;
  }

  // Run state
  let runs: RunStore;
  let runsTarget: string;
  let closeRuns = async (): Promise<void> => undefined;
  const cosmos = settings.cosmos;
  if (cosmos.kind === 'embedded') {
    const file = join(factoryHome, 'state.db');
    const { SqliteRunStore } = load.sqliteStore();
    const store = new SqliteRunStore(file);
    runs = store;
    runsTarget = `sqlite ${file}`;
    closeRuns = async () => store.close();
  } else {
    const { CosmosClient } = load.cosmos();
    const client =
      cosmos.kind === 'identity'
        ? new CosmosClient({ endpoint: cosmos.endpoint, aadCredentials: credential(cosmos.clientId) })
        : wrap('CosmosConnection', () => {
            const parts = parseConnectionString('CosmosConnection', cosmos.value, [
              'AccountEndpoint',
              'AccountKey',
            ]);
            // Emulators and local servers advertise endpoints that are not reachable as such.
            return new CosmosClient({
              endpoint: parts.AccountEndpoint,
              key: parts.AccountKey,
              connectionPolicy: { enableEndpointDiscovery: false },
            });
          });
    const container = client.database(cosmos.database).container(cosmos.container);
    // With a key the app may create what is missing; with an identity, data-plane roles cannot, and
    // infrastructure (Bicep) provisions the database and container.
    const ensure =
      cosmos.kind === 'connectionString'
        ? async () => {
            const { database } = await client.databases.createIfNotExists({ id: cosmos.database });
            await database.containers.createIfNotExists({
              id: cosmos.container,
              partitionKey: { paths: ['/tenantId'] },
            });
          }
        : undefined;
    runs = new (load.cosmosStore().CosmosRunStore)(container, ensure);
    runsTarget = `cosmos ${cosmos.endpoint} ${cosmos.database}/${cosmos.container}${via(cosmos)}`;
    closeRuns = async () => client.dispose();
  }

  // Events and commands
  let events: EventBus;
  let commands: CommandQueue;
  let eventsTarget: string;
  let commandsTarget: string;
  const bus = settings.serviceBus;
  if (bus.kind === 'embedded') {
    const file = join(factoryHome, 'bus.db');
    const { EmbeddedEventBus } = load.embeddedBus();
    const embedded = new EmbeddedEventBus(file);
    events = embedded;
    commands = { adapter: 'embedded', queue: bus.commandsQueue, bus: embedded };
    eventsTarget = `embedded ${file}`;
    commandsTarget = `embedded ${file} queue ${bus.commandsQueue}`;
  } else {
    const { ServiceBusClient } = load.serviceBus();
    const client =
      bus.kind === 'identity'
        ? new ServiceBusClient(bus.endpoint, credential(bus.clientId))
        : wrap('ServiceBusConnection', () => new ServiceBusClient(bus.value));
    events = new (load.serviceBusBus().ServiceBusEventBus)(client, bus.eventsTopic);
    commands = { adapter: 'service-bus', queue: bus.commandsQueue, client };
    const namespace = bus.kind === 'identity' ? `sb://${bus.endpoint}/` : bus.endpoint.replace(/\/?$/, '/');
    eventsTarget = `service-bus ${namespace}${bus.eventsTopic}${via(bus)}`;
    commandsTarget = `service-bus ${namespace}${bus.commandsQueue}${via(bus)}`;
  }

  let closing: Promise<void> | undefined;
  return {
    artifacts,
    runs,
    events,
    commands,
    settings,
    describe: () => ({
      artifacts: artifactsTarget,
      runs: runsTarget,
      events: eventsTarget,
      commands: commandsTarget,
    }),
    close() {
      closing ??= (async () => {
        await closeRuns();
        await events.close();
      })();
      return closing;
    },
  };
}

function readConnection(
  env: Env,
  setting: string,
  identityProperty: string,
  parse: (setting: string, value: string) => string,
): Connection {
  const value = env[setting]?.trim();
  const endpoint = env[`${setting}__${identityProperty}`]?.trim();
  if (value && endpoint) {
    throw new SettingsError(
      setting,
      `set either ${setting} (a connection string) or ${setting}__${identityProperty} (managed identity), not both`,
    );
  }
  if (value) return { kind: 'connectionString', value, endpoint: parse(setting, value) };
  if (endpoint) {
    const credentialKind = env[`${setting}__credential`]?.trim();
    if (credentialKind && credentialKind.toLowerCase() !== 'managedidentity') {
      throw new SettingsError(
        `${setting}__credential`,
        `only "managedidentity" is supported, got ${JSON.stringify(credentialKind)}`,
      );
    }
    const clientId = env[`${setting}__clientId`]?.trim() || env.AZURE_CLIENT_ID?.trim() || undefined;
    return { kind: 'identity', endpoint, ...(clientId ? { clientId } : {}) };
  }
  return { kind: 'embedded' };
}

/** Parses `Key=Value;Key=Value` (values may contain `=`), requiring the given keys. Never echoes values. */
export function parseConnectionString(
  setting: string,
  value: string,
  required: string[],
): Record<string, string> {
  const parts: Record<string, string> = {};
  for (const piece of value.split(';')) {
    if (piece.trim() === '') continue;
    const at = piece.indexOf('=');
    if (at <= 0)
      throw new SettingsError(
        setting,
        'malformed connection string: expected Key=Value pairs separated by ;',
      );
    const key = piece.slice(0, at).trim();
    const known = Object.keys(parts).find((existing) => existing.toLowerCase() === key.toLowerCase());
    if (known) throw new SettingsError(setting, `malformed connection string: ${key} appears twice`);
    parts[key] = piece.slice(at + 1).trim();
  }
  // Services treat keys case-insensitively; normalize to the documented spelling.
  const normalized: Record<string, string> = {};
  const canonical = [
    'AccountEndpoint',
    'AccountKey',
    'AccountName',
    'BlobEndpoint',
    'DefaultEndpointsProtocol',
    'EndpointSuffix',
    'SharedAccessSignature',
    'Endpoint',
    'SharedAccessKeyName',
    'SharedAccessKey',
    'EntityPath',
    'UseDevelopmentEmulator',
  ];
  for (const [key, part] of Object.entries(parts)) {
    normalized[canonical.find((name) => name.toLowerCase() === key.toLowerCase()) ?? key] = part;
  }
  const missing = required.filter((key) => !normalized[key]);
  if (missing.length > 0) {
    throw new SettingsError(setting, `malformed connection string: missing ${missing.join(', ')}`);
  }
  return normalized;
}

function checkUrl(setting: string, value: string, protocols: string[], part?: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SettingsError(setting, `${part ? `${part} ` : ''}is not a URL`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new SettingsError(
      setting,
      `${part ? `${part} ` : ''}must use ${protocols.map((p) => p.replace(':', '')).join(' or ')}, got ${url.protocol.replace(':', '')}`,
    );
  }
  return value;
}

function name(env: Env, setting: string, fallback: string, pattern: RegExp, rule: string): string {
  const value = env[setting]?.trim() || fallback;
  if (!pattern.test(value))
    throw new SettingsError(setting, `${JSON.stringify(value)} is not valid: ${rule}`);
  return value;
}

/** SDK constructors throw bare errors for bad strings; name the setting without echoing its secret. */
function wrap<T>(setting: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof SettingsError) throw error;
    throw new SettingsError(
      setting,
      `rejected by the client library: ${(error as Error).message.replace(/(Key|Signature)=[^;]*/gi, '$1=***')}`,
    );
  }
}
