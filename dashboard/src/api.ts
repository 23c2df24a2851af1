/** The factory's HTTP API, called with the signed-in person's bearer token. */

const tokenKey = 'factory.token';

export interface Me {
  subject: string;
  tenantId: string;
  roles: string[];
}

/** An answer that is not 2xx: the API's problem+json, kept whole so that each failing field can be shown. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { title?: string; detail?: string; errors?: Array<{ field: string; message: string }> },
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

export const token = {
  get: () => sessionStorage.getItem(tokenKey) ?? '',
  set: (value: string) => sessionStorage.setItem(tokenKey, value),
  clear: () => sessionStorage.removeItem(tokenKey),
};

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const bearer = token.get();
  return { accept: 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...extra };
}

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  const response = await fetch(`/api${path}`, {
    method,
    headers: headers({
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...extraHeaders,
    }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) throw new ApiError(response.status, (json ?? {}) as ApiError['problem']);
  return json as T;
}

/** One message of a Server-Sent Events stream. */
export interface StreamMessage {
  event: string;
  id?: string;
  data: string;
}

/**
 * Follows `path` as Server-Sent Events until `stop` is called. The stream is read with fetch, not EventSource,
 * because EventSource cannot send the Authorization header; it reconnects after each response ends, sending
 * Last-Event-ID so that nothing is received twice, until the server says `end`.
 */
export function follow(
  path: string,
  onMessage: (message: StreamMessage) => void,
  onProblem: (error: Error) => void,
): () => void {
  const controller = new AbortController();
  let lastEventId = '';
  let retryMs = 2000;
  let ended = false;
  const run = async () => {
    while (!controller.signal.aborted && !ended) {
      try {
        const response = await fetch(`/api${path}`, {
          headers: headers({
            accept: 'text/event-stream',
            ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
          }),
          signal: controller.signal,
        });
        if (!response.ok || !response.body) {
          const problem = (await response.json().catch(() => ({}))) as ApiError['problem'];
          throw new ApiError(response.status, problem);
        }
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          // The SSE format allows CRLF and CR line ends as well as LF; a CR at the end of a chunk waits for the
          // next one, which may start with its LF.
          const raw = buffer + value;
          const carry = raw.endsWith('\r') ? '\r' : '';
          buffer = raw.slice(0, raw.length - carry.length).replace(/\r\n?/g, '\n');
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const message: StreamMessage = { event: 'message', data: '' };
            const data: string[] = [];
            for (const line of block.split('\n')) {
              const colon = line.indexOf(':');
              if (colon === 0) continue;
              const field = colon < 0 ? line : line.slice(0, colon);
              const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (field === 'event') message.event = value;
              else if (field === 'data') data.push(value);
              else if (field === 'id') message.id = lastEventId = value;
              else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value);
            }
            if (!data.length) continue;
            message.data = data.join('\n');
            if (message.event === 'end') ended = true;
            // A message the page cannot show is reported, and the stream goes on.
            try {
              onMessage(message);
            } catch (error) {
              onProblem(error as Error);
            }
          }
          buffer += carry;
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        onProblem(error as Error);
        if (error instanceof ApiError && error.status < 500) return;
      }
      if (!ended) await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  };
  void run();
  return () => controller.abort();
}

/** Words the API defines (run statuses, approval gates), read from its OpenAPI document so they cannot drift. */
export interface Vocabulary {
  statuses: string[];
  gates: string[];
}

let vocabulary: Promise<Vocabulary> | undefined;
export function apiVocabulary(): Promise<Vocabulary> {
  interface Document {
    components: {
      schemas: {
        RunStatus: { enum: string[] };
        StartRunRequest: {
          properties: { options: { properties: { approvals: { items: { enum: string[] } } } } };
        };
      };
    };
  }
  vocabulary ??= api<Document>('GET', '/openapi.json').then(({ components: { schemas } }) => ({
    statuses: schemas.RunStatus.enum,
    gates: schemas.StartRunRequest.properties.options.properties.approvals.items.enum,
  }));
  return vocabulary;
}
