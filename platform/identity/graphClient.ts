import type { TokenCredential } from '@azure/identity';

/** A Microsoft Graph error response (`{ error: { code, message } }`), with the HTTP status. */
export class GraphError extends Error {
  override name = 'GraphError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly request: string,
  ) {
    super(`${request}: ${status} ${code}: ${message}`);
  }
}

export interface GraphClientOptions {
  credential: TokenCredential;
  /** `https://graph.microsoft.com` unless another cloud (or a local fake) is meant. */
  endpoint?: string;
  /** Waits before retrying a write that meets a replication delay (404 right after a create). */
  retryDelaysMs?: number[];
}

type Json = Record<string, unknown>;

/**
 * The few Microsoft Graph v1.0 calls the API registration needs, over fetch with a bearer token from the
 * credential (scope `https://graph.microsoft.com/.default`). Microsoft's Graph SDK is not a dependency of the
 * factory; these are plain documented REST calls.
 */
export class GraphClient {
  private readonly endpoint: string;
  private readonly retryDelaysMs: number[];

  constructor(private readonly options: GraphClientOptions) {
    const endpoint = new URL(options.endpoint ?? 'https://graph.microsoft.com');
    if (endpoint.protocol !== 'https:' && endpoint.hostname !== '127.0.0.1') {
      throw new Error(`the Graph endpoint must be https (got ${endpoint.href})`);
    }
    this.endpoint = endpoint.origin;
    this.retryDelaysMs = options.retryDelaysMs ?? [2_000, 4_000, 8_000, 16_000];
  }

  /** The resource, or undefined on 404. */
  async find<T = Json>(path: string): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', path);
    } catch (error) {
      if (error instanceof GraphError && error.status === 404) return undefined;
      throw error;
    }
  }

  get<T = Json>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  /** Every item of a collection, following `@odata.nextLink`. */
  async list<T = Json>(path: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const page: { value?: T[]; '@odata.nextLink'?: string } = await this.request('GET', next);
      items.push(...(page.value ?? []));
      next = page['@odata.nextLink'];
    }
    return items;
  }

  /**
   * A write. Entra ID replicates new objects with a delay, so a 404 (the object just created is not visible
   * yet) is retried a few times before it counts.
   */
  async write<T = Json>(
    method: 'POST' | 'PATCH',
    path: string,
    body: Json,
    headers: Record<string, string> = {},
  ): Promise<T | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.request<T>(method, path, body, headers);
      } catch (error) {
        const delay = this.retryDelaysMs[attempt];
        if (!(error instanceof GraphError && error.status === 404) || delay === undefined) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async request<T>(method: string, path: string, body?: Json, headers: Record<string, string> = {}) {
    const url =
      path.startsWith('https://') || path.startsWith('http://') ? path : `${this.endpoint}/v1.0${path}`;
    const token = await this.options.credential.getToken(`${this.endpoint}/.default`);
    if (!token)
      throw new Error('no access token for Microsoft Graph: sign in with `azd auth login` or `az login`');
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token.token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as Json) : undefined;
    if (!response.ok) {
      const error = (parsed?.error ?? {}) as { code?: string; message?: string };
      throw new GraphError(
        response.status,
        error.code ?? 'unknown',
        error.message ?? text,
        `${method} ${path}`,
      );
    }
    return parsed as T;
  }
}
