import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { countTokens, decode, encode } from 'gpt-tokenizer';

/** One request the fake received, as the real service would see it. */
export interface FakeRequest {
  deployment: string;
  apiVersion: string | null;
  headers: IncomingMessage['headers'];
  body: {
    model?: string;
    messages: Array<{ role: string; content: string }>;
    response_format?: {
      type: string;
      json_schema?: { name: string; strict?: boolean; schema: Record<string, unknown> };
    };
    max_completion_tokens?: number;
    [key: string]: unknown;
  };
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Milliseconds to wait before answering (to observe concurrency). */
  delayMs?: number;
  /** Reset the connection instead of answering, as a failing network or front end does. */
  disconnect?: boolean;
}

export type FakeHandler = (request: FakeRequest, index: number) => FakeReply | Promise<FakeReply>;

const plain = { disallowedSpecial: new Set<string>() };

/**
 * A chat completion body in Azure OpenAI's shape, held to the request's `max_completion_tokens`. Token counts default to what the tokenizer counts for the
 * request's messages and the answer, so accounting tests see realistic numbers.
 */
export function completion(
  request: FakeRequest,
  content: unknown,
  options: {
    finishReason?: string;
    refusal?: string;
    promptTokens?: number;
    completionTokens?: number;
    cachedTokens?: number;
  } = {},
): FakeReply {
  const whole = content === null ? null : typeof content === 'string' ? content : JSON.stringify(content);
  // Like the service, an answer longer than max_completion_tokens stops there, cut mid-JSON, with reason `length`.
  const limit = request.body.max_completion_tokens;
  const tokens = whole === null ? [] : encode(whole, plain);
  const cut = limit !== undefined && tokens.length > limit;
  const text = cut ? decode(tokens.slice(0, limit)) : whole;
  const promptTokens =
    options.promptTokens ??
    request.body.messages.reduce((sum, m) => sum + 4 + countTokens(m.content ?? '', plain), 3);
  const completionTokens = options.completionTokens ?? (text ? countTokens(text, plain) : 0);
  return {
    body: {
      id: `chatcmpl-fake-${Math.random().toString(36).slice(2)}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.deployment,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: options.refusal ? null : text,
            refusal: options.refusal ?? null,
          },
          finish_reason: options.finishReason ?? (cut ? 'length' : 'stop'),
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        prompt_tokens_details: { cached_tokens: options.cachedTokens ?? 0 },
      },
    },
  };
}

/** An Azure OpenAI error body, e.g. `failure(429, 'rate limited', { 'retry-after': '1' })`. */
export function failure(
  status: number,
  message: string,
  headers: Record<string, string> = {},
  code?: string,
): FakeReply {
  return { status, headers, body: { error: { code: code ?? String(status), message } } };
}

/**
 * A local stand-in for Azure OpenAI: plain HTTP on 127.0.0.1 serving
 * `POST /openai/deployments/{deployment}/chat/completions?api-version=...`. Scripted replies are used first,
 * one per call, then the handler. Every request is recorded; requests without an `api-key` or bearer token
 * or without `api-version` are refused as the service would.
 */
export class FakeAzureOpenAi {
  readonly requests: FakeRequest[] = [];
  private readonly scripted: Array<FakeReply | FakeHandler> = [];
  private inFlight = 0;
  maxInFlight = 0;

  private constructor(
    private readonly server: Server,
    private handler: FakeHandler,
  ) {}

  static async start(
    handler: FakeHandler = () => failure(500, 'no reply scripted'),
  ): Promise<FakeAzureOpenAi> {
    const holder: { fake?: FakeAzureOpenAi } = {};
    const server = createServer((req, res) => void holder.fake!.serve(req, res));
    const fake = (holder.fake = new FakeAzureOpenAi(server, handler));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  /** Replies for the next calls, in order (a function computes one from the request). */
  script(...replies: Array<FakeReply | FakeHandler>): this {
    this.scripted.push(...replies);
    return this;
  }

  handle(handler: FakeHandler): this {
    this.handler = handler;
    return this;
  }

  reset(): void {
    this.requests.length = 0;
    this.scripted.length = 0;
    this.maxInFlight = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(url.pathname);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (reply: FakeReply) => {
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    };
    if (req.method !== 'POST' || !match) return send(failure(404, `no route ${req.method} ${url.pathname}`));
    if (!req.headers['api-key'] && !req.headers.authorization)
      return send(failure(401, 'missing api-key or bearer token'));
    if (!url.searchParams.get('api-version')) return send(failure(400, 'missing api-version'));
    let body: FakeRequest['body'];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeRequest['body'];
    } catch {
      return send(failure(400, 'body is not JSON'));
    }
    const request: FakeRequest = {
      deployment: decodeURIComponent(match[1]),
      apiVersion: url.searchParams.get('api-version'),
      headers: req.headers,
      body,
    };
    const index = this.requests.push(request) - 1;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const next = this.scripted.shift() ?? this.handler;
      const reply = typeof next === 'function' ? await next(request, index) : next;
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      if (reply.disconnect) res.destroy();
      else send(reply);
    } catch (error) {
      send(failure(500, `fake handler failed: ${(error as Error).message}`));
    } finally {
      this.inFlight--;
    }
  }
}
