import type { IngestionSettings } from './connectionString';

/** One Application Insights telemetry item as the ingestion ("Breeze") endpoint accepts it. */
export interface Envelope {
  name: string;
  time: string;
  iKey: string;
  sampleRate?: number;
  tags: Record<string, string>;
  data: {
    baseType:
      'RequestData' | 'RemoteDependencyData' | 'EventData' | 'MetricData' | 'MessageData' | 'ExceptionData';
    baseData: Record<string, unknown>;
  };
}

/** Gets a bearer token for ingestion; undefined when ingestion uses the instrumentation key alone. */
export type TokenSource = () => Promise<string>;

export interface ExporterOptions {
  /** Items per request; a full batch is sent at once. */
  maxBatch?: number;
  /** How long an item may wait for its batch. */
  flushIntervalMs?: number;
  /** Items kept while ingestion is unreachable; the oldest are dropped beyond it. */
  maxQueue?: number;
  timeoutMs?: number;
  tokenSource?: TokenSource;
  /** Where the exporter reports its own trouble (never thrown at the code being observed). */
  onError?: (message: string) => void;
  fetch?: typeof fetch;
}

// Statuses after which the same items may succeed later (the ingestion service's documented retry set).
const retriable = new Set([206, 408, 429, 439, 500, 502, 503, 504]);

/** Entra ID tokens for ingestion, from `@azure/identity`, loaded only when AAD is configured. */
export function aadTokenSource(clientId?: string): TokenSource {
  const { DefaultAzureCredential } = require('@azure/identity') as typeof import('@azure/identity');
  const credential = new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
  return async () => {
    const token = await credential.getToken('https://monitor.azure.com/.default');
    if (!token) throw new Error('no Entra ID token for https://monitor.azure.com/.default');
    return token.token;
  };
}

/**
 * Sends envelopes to `<IngestionEndpoint>/v2.1/track` in batches. Failures never reach the caller: an
 * unreachable endpoint keeps items (bounded) for the next flush; rejected items are reported and dropped;
 * items the service asks to retry are sent again once.
 */
export class BreezeExporter {
  private queue: Array<{ envelope: Envelope; retried: boolean }> = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly maxBatch: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueue: number;
  private readonly timeoutMs: number;
  private readonly onError: (message: string) => void;
  private readonly fetchImpl: typeof fetch;
  /** Counts, for diagnostics and tests. */
  readonly stats = { sent: 0, rejected: 0, dropped: 0, failedRequests: 0 };

  constructor(
    readonly settings: IngestionSettings,
    private readonly options: ExporterOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 250;
    this.flushIntervalMs = options.flushIntervalMs ?? 5000;
    this.maxQueue = options.maxQueue ?? 10000;
    this.timeoutMs = options.timeoutMs ?? 10000;
    this.onError = options.onError ?? ((message) => process.stderr.write(`[telemetry] ${message}\n`));
    this.fetchImpl = options.fetch ?? fetch;
  }

  get url(): string {
    return `${this.settings.ingestionEndpoint}/v2.1/track`;
  }

  export(envelope: Envelope): void {
    this.queue.push({ envelope, retried: false });
    if (this.queue.length > this.maxQueue) {
      const over = this.queue.length - this.maxQueue;
      this.queue.splice(0, over);
      this.stats.dropped += over;
    }
    if (this.queue.length >= this.maxBatch) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.flushIntervalMs);
      // A pending batch must not keep a CLI process alive; `flush()` at exit sends it.
      this.timer.unref();
    }
  }

  /** Sends everything queued so far; resolves when the requests have been answered (or failed). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // Flushes are chained so batches go out in order and a second flush waits for the first.
    this.inFlight = this.inFlight.then(() => this.drain());
    return this.inFlight;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      const sent = await this.send(batch);
      if (!sent) return;
    }
  }

  /** False when the endpoint could not be reached: the batch is back in the queue for a later flush. */
  private async send(batch: Array<{ envelope: Envelope; retried: boolean }>): Promise<boolean> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    try {
      if (this.options.tokenSource) headers.authorization = `Bearer ${await this.options.tokenSource()}`;
    } catch (error) {
      this.stats.failedRequests++;
      this.onError(`cannot get an Entra ID token for ingestion: ${(error as Error).message}`);
      this.requeue(batch);
      return false;
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(batch.map((item) => item.envelope)),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      this.stats.failedRequests++;
      this.onError(
        `ingestion endpoint ${this.settings.ingestionEndpoint} unreachable: ${(error as Error).message}`,
      );
      this.requeue(batch);
      return false;
    }
    const text = await response.text().catch(() => '');
    if (response.status === 200) {
      this.stats.sent += batch.length;
      return true;
    }
    if (response.status === 206) {
      // Partial success: the body lists the failed items by index with their own status.
      let errors: Array<{ index: number; statusCode: number; message?: string }> = [];
      try {
        errors = (JSON.parse(text) as { errors?: typeof errors }).errors ?? [];
      } catch {
        errors = [];
      }
      const failed = new Set(errors.map((e) => e.index));
      this.stats.sent += batch.length - failed.size;
      const again = errors
        .filter((e) => retriable.has(e.statusCode))
        .map((e) => batch[e.index])
        .filter(Boolean);
      this.stats.rejected += failed.size - again.length;
      if (failed.size > again.length)
        this.onError(`ingestion rejected ${failed.size - again.length} item(s): ${errors[0]?.message ?? ''}`);
      this.retryOnce(again);
      return true;
    }
    this.stats.failedRequests++;
    if (retriable.has(response.status)) {
      this.onError(`ingestion answered ${response.status}; items will be sent again`);
      this.retryOnce(batch);
      return true;
    }
    this.stats.rejected += batch.length;
    this.onError(`ingestion answered ${response.status}: ${text.slice(0, 300)}`);
    return true;
  }

  private requeue(batch: Array<{ envelope: Envelope; retried: boolean }>): void {
    this.queue.unshift(...batch);
    if (this.queue.length > this.maxQueue) {
      const over = this.queue.length - this.maxQueue;
      this.queue.splice(this.maxQueue, over);
      this.stats.dropped += over;
    }
  }

  private retryOnce(items: Array<{ envelope: Envelope; retried: boolean }>): void {
    const fresh = items.filter((item) => !item.retried);
    this.stats.dropped += items.length - fresh.length;
    this.queue.push(...fresh.map((item) => ({ envelope: item.envelope, retried: true })));
  }
}
