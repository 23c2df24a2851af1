import type { IncomingMessage } from 'node:http';
import { problemTypes, problemTypeUri, serverConfigurationDetail } from '../functions/http/problem';
import { factoryHome, SettingsError } from '../platform/config';
import {
  AuthConfigurationError,
  AuthenticationError,
  bearerChallenge,
  resolvePrincipal,
  type Principal,
} from '../platform/auth';
import type { Problem } from './requestBody';

/** The caller of a raw request, by the same rules as the API's (`resolvePrincipal`). */
export function requestPrincipal(req: IncomingMessage): Principal {
  return resolvePrincipal(
    {
      get: (name) => {
        const value = req.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    process.env,
    factoryHome(),
  );
}

/**
 * The problem that answers a failed authentication, as the API's own handlers answer it; undefined for errors
 * that are not about authentication. Configuration errors say where to look, never what is wrong.
 */
export function authenticationProblem(
  error: unknown,
): { problem: Problem; headers: Record<string, string> } | undefined {
  if (error instanceof AuthenticationError) {
    return {
      problem: {
        type: problemTypeUri('unauthenticated'),
        title: problemTypes.unauthenticated.title,
        status: problemTypes.unauthenticated.status,
        detail: error.message,
      },
      headers: { 'www-authenticate': bearerChallenge(error) },
    };
  }
  if (error instanceof AuthConfigurationError || error instanceof SettingsError) {
    return {
      problem: {
        type: problemTypeUri('server-configuration'),
        title: problemTypes['server-configuration'].title,
        status: problemTypes['server-configuration'].status,
        detail: serverConfigurationDetail,
      },
      headers: {},
    };
  }
  return undefined;
}
