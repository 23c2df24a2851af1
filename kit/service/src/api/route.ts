/** What a handler sees of a request: path parameters, the URL and the JSON body (read once, on demand). */
export interface RouteRequest {
  params: Record<string, string>;
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
  handler(request: RouteRequest): Promise<RouteResponse>;
}
