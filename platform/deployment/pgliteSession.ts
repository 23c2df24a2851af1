import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';

/**
 * Extended-query messages (Parse, Bind, Describe, Execute, Close, Flush): the unnamed statement and portal they
 * create live in the session until the client's Sync, so nobody else may use the session in between.
 */
const extendedQuery = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));

interface Job {
  connection: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
}

/**
 * The one PGlite session shared by every client connection, scheduled message by message. pglite-socket's own
 * queue gives a connection the session only while it is inside a transaction, so two clients' Parse/Bind/Execute
 * sequences could interleave: one client bound another's statement and got an error (SQLSTATE 26000) or, with
 * compatible parameters, the other's rows. Here a connection keeps the session from its first extended-query
 * message to its Sync, and for as long as it holds a transaction; a failed message fails only its own caller.
 * The object has the shape pglite-socket's connection handler expects of its queue.
 */
export class PgliteSession {
  private readonly queue: Job[] = [];
  /** The connection that holds the session (mid extended query or in a transaction), if any. */
  private owner: number | undefined;
  private draining = false;
  /** Connections that closed while one of their messages ran. */
  private readonly gone = new Set<number>();

  constructor(private readonly db: PGlite) {}

  enqueue(connection: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ connection, message, onData, resolve, reject });
      void this.drain();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(connection: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].connection !== connection) continue;
      this.queue.splice(i, 1)[0].reject(new Error('the connection closed'));
    }
  }

  /** A connection that went away gives the session back, rolling back what it left open. */
  async clearTransactionIfNeeded(connection: number): Promise<void> {
    if (this.owner !== connection) return;
    // A message of the connection is running: the drain releases the session when it ends.
    if (this.draining) this.gone.add(connection);
    else await this.release();
  }

  private async release(): Promise<void> {
    // An extended query cut short leaves the backend skipping messages until a Sync; a Sync inside a transaction
    // block ends neither, so the rollback follows.
    await this.db
      .runExclusive(() => this.db.execProtocolRaw(new Uint8Array([0x53, 0, 0, 0, 4])))
      .catch(() => undefined);
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK').catch(() => undefined);
    if (this.owner !== undefined) this.gone.delete(this.owner);
    this.owner = undefined;
    void this.drain();
  }

  private next(): Job | undefined {
    const index = this.owner === undefined ? 0 : this.queue.findIndex((job) => job.connection === this.owner);
    return index < 0 ? undefined : this.queue.splice(index, 1)[0];
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let job = this.next(); job; job = this.next()) {
        let bytes = 0;
        const current = job;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(current.message, {
              onRawData: (data) => {
                bytes += data.length;
                current.onData(data);
              },
            }),
          );
          current.resolve(bytes);
        } catch (error) {
          current.reject(error);
        }
        const holds = extendedQuery.has(current.message[0]) || this.db.isInTransaction();
        this.owner = holds ? current.connection : undefined;
      }
    } finally {
      this.draining = false;
    }
    if (this.owner !== undefined && this.gone.has(this.owner)) await this.release();
  }
}

/** PostgreSQL's ErrorResponse for a refused connection (SQLSTATE 53300 too_many_connections). */
function tooManyConnections(): Buffer {
  const fields = Buffer.from('SFATAL\0C53300\0Mtoo many connections to the embedded database\0\0', 'latin1');
  const header = Buffer.alloc(5);
  header.write('E', 0, 'latin1');
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

/**
 * A PostgreSQL-protocol server on loopback for one PGlite database: pglite-socket's connection handler reads and
 * writes the wire; the session above decides whose message runs.
 */
export async function servePglite(
  db: PGlite,
  options: { port: number; maxConnections: number },
): Promise<{ port: number; close: () => Promise<void> }> {
  await db.waitReady;
  const session = new PgliteSession(db);
  const handlers = new Set<PGLiteSocketHandler>();
  const connect = async (socket: Socket) => {
    if (handlers.size >= options.maxConnections) {
      socket.end(tooManyConnections());
      return;
    }
    const handler = new PGLiteSocketHandler({ queryQueue: session as never, closeOnDetach: true });
    handlers.add(handler);
    const forget = () => handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    await handler.attach(socket).catch(() => {
      forget();
      socket.destroy();
    });
  };
  const server: Server = createServer((socket) => void connect(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  return {
    port: address.port,
    close: async () => {
      await Promise.all([...handlers].map((handler) => handler.detach(true)));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
