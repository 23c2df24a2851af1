import Module from 'node:module';
import { FunctionRegistry } from './registry';

/**
 * `@azure/functions` registers functions through the worker's core API module, `@azure/functions-core`, which
 * only exists inside the Functions worker. Outside it the package falls back to a "test mode" that drops every
 * registration. Providing that module makes `app.http`, `app.serviceBusQueue`, `df.app.orchestration`,
 * `df.app.activity`, ... land in the process-wide registry with their full binding metadata and wrapped
 * handlers, so the embedded host runs exactly what Azure runs, with no second registration list.
 */
export const registry = new FunctionRegistry();

/** Where registrations land: the process-wide registry, unless `registerInto` says otherwise. */
let target = registry;

/**
 * Runs `register` with every registration it makes through `@azure/functions` (`df.app.activity`, ...) landing
 * in `into`, e.g. a test's own registry made over the process-wide one, whose host alone then runs them.
 */
export function registerInto<T>(into: FunctionRegistry, register: () => T): T {
  const previous = target;
  target = into;
  try {
    return register();
  } finally {
    target = previous;
  }
}

export const coreApi = {
  version: '3.0.0',
  registerFunction(metadata: { name?: string; bindings?: never }, handler: (...args: unknown[]) => unknown) {
    target.register(metadata, handler);
    return { dispose: () => undefined };
  },
  setProgrammingModel: () => undefined,
  getProgrammingModel: () => undefined,
  registerHook: () => ({ dispose: () => undefined }),
  log: () => undefined,
};

const coreModuleName = '@azure/functions-core';
let installed = false;

/** Makes `require('@azure/functions-core')` resolve to this process's registry. Call before loading functions. */
export function installFunctionsCore(): FunctionRegistry {
  if (installed) return registry;
  installed = true;
  const internals = Module as unknown as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
  };
  const resolve = internals._resolveFilename;
  const target = require.resolve('./functionsCoreModule');
  internals._resolveFilename = function (request: string, ...rest: unknown[]) {
    return resolve.call(this, request === coreModuleName ? target : request, ...rest);
  };
  return registry;
}
