import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * One deployed service's database when no PostgreSQL server is configured: PGlite (PostgreSQL compiled to
 * WebAssembly) keeping its files in DATA_DIR, served over the PostgreSQL protocol on loopback by pglite-socket.
 * The local target runs it under the service supervisor, which restarts it on the same port after a crash;
 * the data stays in DATA_DIR across restarts and versions.
 *
 * Usage: node embeddedPostgres.js DATA_DIR (PORT: the port, 0 for any free one)
 */
const [dataDir] = process.argv.slice(2);

/**
 * PGlite runs one statement at a time; pglite-socket queues the connections' queries and, while one of them is
 * in a transaction, runs only that connection's, so transactions stay isolated.
 */
const maxConnections = 32;

async function serve(): Promise<void> {
  if (!dataDir) {
    process.stderr.write('usage: node embeddedPostgres.js DATA_DIR\n');
    process.exit(2);
  }
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: Number(process.env.PORT ?? 0),
    maxConnections,
  });
  await server.start();
  const port = server.getServerConn().split(':').pop();
  process.stdout.write(`embedded PostgreSQL (PGlite) on ${dataDir} listening on port ${port}\n`);
  const stop = async () => {
    await server.stop();
    await db.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

serve().catch((error: unknown) => {
  process.stderr.write(`embedded PostgreSQL failed: ${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
