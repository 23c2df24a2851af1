import { resolve } from 'node:path';
import { createPorts, type Ports } from './config';

/** Where local state lives: `FACTORY_HOME`, by default `./.factory`. */
export function factoryHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.FACTORY_HOME ?? '.factory');
}

let current: Ports | undefined;

/** The process's adapters, chosen once from settings on first use. */
export function ports(): Ports {
  current ??= createPorts(process.env, factoryHome());
  return current;
}

/** Replaces the adapters (the embedded host and tests choose theirs explicitly). */
export function usePorts(chosen: Ports | undefined): void {
  current = chosen;
}
