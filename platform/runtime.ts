import { resolve } from 'node:path';
import { createPorts, type Ports } from './config';
import type { ActivityTrace } from '../core/ports/activityTrace';

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

let trace: ActivityTrace | undefined;

/** The activity trace of the host that runs this process's activities, if it keeps one. */
export function activityTrace(): ActivityTrace | undefined {
  return trace;
}

/** Set by a host that keeps an activity trace (the embedded durable host), cleared when it stops. */
export function useActivityTrace(chosen: ActivityTrace | undefined): void {
  trace = chosen;
}
