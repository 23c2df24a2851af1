import type { ProviderFactory } from '../../agents/runtime/modelProviders';
import { agentPortsFromSettings, composeFromSettings } from '../../functions/compositionRoot';
import { factoryHome, type Ports } from '../../platform/config';
import { flushTelemetry } from '../../platform/telemetry';
import { EmbeddedFactory } from '../embeddedFactory';

export interface Session {
  factory: EmbeddedFactory;
  ports: Ports;
  tenantId: string;
  home: string;
  close(): Promise<void>;
}

/** The tenant local commands act for. */
export const localTenant = (): string => process.env.FACTORY_TENANT ?? 'local';

/**
 * Opens FACTORY_HOME: the adapters chosen from settings and the embedded host. `process: false` for commands
 * that only read or signal, so they can run beside a `factory run` or `factory serve` that does the work.
 */
export async function openSession(options: {
  process: boolean;
  verbose?: boolean;
  /** Model providers offered besides the built-in ones. */
  models?: Record<string, ProviderFactory>;
}): Promise<Session> {
  const home = factoryHome();
  const agents = agentPortsFromSettings(process.env, home);
  // A processing host runs generated code: refuse at once, saying why, when it could not be confined as asked.
  if (options.process) agents.sandbox();
  const composition = composeFromSettings(process.env, home, { agents, models: options.models });
  const { ports } = composition;
  const factory = await EmbeddedFactory.start({
    composition,
    process: options.process,
    log: (level, message) => {
      if (options.verbose || process.env.FACTORY_VERBOSE) process.stderr.write(`[${level}] ${message}\n`);
    },
  });
  return {
    factory,
    ports,
    tenantId: localTenant(),
    home,
    async close() {
      await factory.stop();
      await ports.close();
      // Telemetry recorded by this process is sent before it exits.
      await flushTelemetry();
    },
  };
}
