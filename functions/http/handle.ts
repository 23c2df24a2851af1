import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { randomUUID } from 'node:crypto';
import { ZodError } from 'zod';
import { factoryHome, SettingsError } from '../../platform/config';
import { ArtifactCorruptError, ArtifactNotFoundError } from '../../core/ports/artifactStore';
import { publicOrigin } from '../../platform/publicOrigin';
import {
  AuthConfigurationError,
  AuthenticationError,
  bearerChallenge,
  hasRole,
  resolvePrincipal,
  type ApiRole,
  type Principal,
} from '../../platform/auth';
import { GateNotWaitingError, RunNotFoundError } from '../../runs/runCommands';
import { InvalidRunRequestError, RunConflictError } from '../../runs/startRun';
import {
  problemResponse,
  ProblemError,
  serverConfigurationDetail,
  validationProblem,
  zodErrors,
  type ProblemSlug,
} from './problem';

/** One API request as a handler sees it: already authenticated and authorized. */
export interface ApiCall {
  request: HttpRequest;
  context: InvocationContext;
  /** Echoed as `x-correlation-id` and in every problem; logged with unexpected errors. */
  correlationId: string;
  /** Scheme, host and port of the URLs in responses: FACTORY_PUBLIC_ORIGIN, else the host's request URL. */
  origin: string;
  /** The caller (throws on anonymous endpoints, which have none). */
  readonly principal: Principal;
  /** The durable client of the function's `durableClient` input. */
  client(): df.DurableClient;
}

export type ApiHandler = (call: ApiCall) => Promise<HttpResponseInit>;

const correlationIdPattern = /^[A-Za-z0-9._:-]{8,64}$/;

/** A caller-supplied correlation id is kept when it is safe to log and echo; otherwise a new one is made. */
function correlationIdOf(request: HttpRequest): string {
  const given = request.headers.get('x-correlation-id');
  return given && correlationIdPattern.test(given) ? given : randomUUID();
}

function problemInstance(request: HttpRequest): string {
  try {
    return new URL(request.url).pathname;
  } catch {
    return '/';
  }
}

const knownErrors: Array<[new (...args: never[]) => Error, ProblemSlug]> = [
  [RunNotFoundError, 'not-found'],
  [ArtifactNotFoundError, 'not-found'],
  [GateNotWaitingError, 'gate-not-waiting'],
  [RunConflictError, 'conflict'],
];

/**
 * Wraps every API handler once: correlation id, authentication and the role check, and the translation of
 * every error into RFC 9457 problem+json. Unexpected errors are logged with the correlation id and answered
 * with a 500 that carries the id but no details, so no input can make a response leak a stack trace.
 */
export function handle(access: ApiRole | 'anonymous', handler: ApiHandler) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const correlationId = correlationIdOf(request);
    const instance = problemInstance(request);
    try {
      // A browser says where a request comes from: a page of another site must not make a signed-in person's
      // browser change anything here (App Service Authentication signs browsers in with a cookie).
      const site = request.headers.get('sec-fetch-site');
      if (!['GET', 'HEAD'].includes(request.method) && (site === 'cross-site' || site === 'same-site'))
        throw new ProblemError('forbidden', 'requests from pages of other sites are refused');
      let principal: Principal | undefined;
      if (access !== 'anonymous') {
        principal = resolvePrincipal(request.headers, process.env, factoryHome());
        if (!hasRole(principal, access)) {
          throw new ProblemError('forbidden', `this operation needs the app role ${access}`);
        }
      }
      let client: df.DurableClient | undefined;
      const call: ApiCall = {
        request,
        context,
        correlationId,
        origin: publicOrigin(process.env) ?? new URL(request.url).origin,
        get principal(): Principal {
          if (!principal) throw new Error('an anonymous endpoint has no principal');
          return principal;
        },
        client: () => (client ??= df.getClient(context)),
      };
      const response = await handler(call);
      return {
        ...response,
        headers: {
          'x-correlation-id': correlationId,
          ...(response.headers as Record<string, string> | undefined),
        },
      };
    } catch (error) {
      const meta = { instance, correlationId };
      if (error instanceof ProblemError)
        return problemResponse(error.slug, error.message, { ...meta, ...error.extra });
      if (error instanceof AuthenticationError) {
        return problemResponse('unauthenticated', error.message, {
          ...meta,
          headers: { 'www-authenticate': bearerChallenge(error) },
        });
      }
      if (error instanceof ZodError) {
        const problem = validationProblem(zodErrors(error));
        return problemResponse('validation', problem.message, { ...meta, errors: problem.extra.errors });
      }
      if (error instanceof InvalidRunRequestError) {
        return problemResponse('validation', error.message, {
          ...meta,
          errors: error.errors ?? [{ field: '(body)', message: error.message }],
        });
      }
      for (const [type, slug] of knownErrors) {
        if (error instanceof type) return problemResponse(slug, error.message, meta);
      }
      context.error(`[${correlationId}] ${request.method} ${instance} failed:`, error);
      if (error instanceof AuthConfigurationError || error instanceof SettingsError) {
        return problemResponse('server-configuration', serverConfigurationDetail, meta);
      }
      if (error instanceof ArtifactCorruptError) {
        return problemResponse(
          'artifact-corrupt',
          'the stored artifact does not match its recorded sha256 and was not served',
          meta,
        );
      }
      return problemResponse(
        'internal',
        `an unexpected error occurred; quote correlation id ${correlationId}`,
        meta,
      );
    }
  };
}
