import { request as httpRequest } from 'node:http';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text: string;
}

export function call(
  port: number,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<Reply> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers:
          payload === undefined
            ? {}
            : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = undefined;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export function field(value: unknown, name: string): unknown {
  return (value as Record<string, unknown>)[name];
}

/**
 * The environment a test starts the service with: the PostgreSQL database TEST_DATABASE_URL names (its
 * migrations applied), or else the in-memory test double.
 */
export function serviceEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const database = process.env.TEST_DATABASE_URL;
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    ...(database ? { DATABASE_URL: database } : { REPOSITORY: 'memory' }),
    ...extra,
  };
}

/**
 * For each collection, the fields that name another record of the service, a body to create such a record with,
 * and the fields of that body to vary so that no record is refused as a duplicate.
 */
export type References = Record<
  string,
  Array<{ field: string; collectionPath: string; body: Record<string, unknown>; unique: string[] }>
>;

/** The record made for a sample id, per service (port) and collection: the same id always names the same one. */
const madeFor = new Map<string, string>();
let created = 0;
/** Sets apart the records of test processes that share a database. */
const runTag = Math.random().toString(36).slice(2, 6);

/**
 * A create body whose references name existing records: a reference to an id the service does not know gets a
 * record created for it first, as a client creates the room before it books it. The database keeps references
 * with foreign keys; the in-memory test double does not check them, so the tests create them either way.
 */
export async function withReferences(
  port: number,
  path: string,
  body: unknown,
  references: References,
  depth = 0,
): Promise<unknown> {
  const fields = references[path];
  if (!fields || typeof body !== 'object' || body === null || depth > 3) return body;
  const filled: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const ref of fields) {
    const value = filled[ref.field];
    if (typeof value !== 'string') continue;
    const key = port + ' ' + ref.collectionPath + ' ' + value;
    const known = madeFor.get(key);
    if (known !== undefined) {
      filled[ref.field] = known;
      continue;
    }
    if ((await call(port, 'GET', ref.collectionPath + '/' + value)).status === 200) continue;
    created++;
    const parent = { ...ref.body };
    for (const name of ref.unique) parent[name] = 'r' + runTag + created + '.' + String(parent[name]);
    const made = await call(
      port,
      'POST',
      ref.collectionPath,
      await withReferences(port, ref.collectionPath, parent, references, depth + 1),
    );
    if (made.status !== 201)
      throw new Error('creating the record ' + ref.field + ' names failed: ' + made.text);
    const id = String(field(made.body, 'id'));
    madeFor.set(key, id);
    filled[ref.field] = id;
  }
  return filled;
}
