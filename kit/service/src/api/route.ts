import type { Actor } from '../application/ports';
import { AuthenticationError } from './authentication';

/**
 * What a handler sees of a request: path parameters, the URL, the JSON body (read once, on demand) and the actor
 * its bearer token names (anonymous routes have none).
 */
export interface RouteRequest {
  params: Record<string, string>;
  actor?: Actor;
  url: URL;
  body(): Promise<unknown>;
}

export interface RouteResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One operation of the service's OpenAPI document, by method and path template (`/v1/loans/{id}`). */
export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  operationId: string;
  /** Answered without a token (the health check only). */
  anonymous?: boolean;
  handler(request: RouteRequest): Promise<RouteResponse>;
}

/** The caller of an operation that needs a token (the server has checked it before the handler runs). */
export function signedIn(request: RouteRequest): Actor {
  if (!request.actor) throw new AuthenticationError('this operation needs a bearer token');
  return request.actor;
}
