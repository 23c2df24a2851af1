import { createPorts, type Ports } from '../../platform/config';
import { factoryHome, usePorts } from '../../platform/runtime';
import { getSandbox } from '../../platform/sandbox';
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
export async function openSession(options: { process: boolean; verbose?: boolean }): Promise<Session> {
  const home = factoryHome();
  // A processing host runs generated code: refuse at once, saying why, when it could not be confined as asked.
  if (options.process) getSandbox();
  const ports = createPorts(process.env, home);
  usePorts(ports);
  const factory = await EmbeddedFactory.start({
    factoryHome: home,
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
