import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body the local servers read. */
export const maxRequestBytes = 1024 * 1024;

/** What a refused client may still send before the connection is cut, and for how long. */
const drainBytes = 16 * 1024 * 1024;
const drainMs = 5000;

const continued = new WeakSet<IncomingMessage>();
const expectsContinue = (req: IncomingMessage) => /^100-continue$/i.test(req.headers.expect ?? '');
const awaitingContinue = (req: IncomingMessage) => expectsContinue(req) && !continued.has(req);

/**
 * Lets a client that sent `Expect: 100-continue` send its body. Servers that handle `checkContinue` call this once
 * the request's headers passed their checks, so a refused client never sends its body at all.
 */
export function continueRequest(req: IncomingMessage, res: ServerResponse): void {
  if (!awaitingContinue(req)) return;
  continued.add(req);
  res.writeContinue();
}

/** An RFC 9457 problem; `type` defaults to about:blank. */
export interface Problem {
  status: number;
  title: string;
  detail: string;
  type?: string;
}

/**
 * Answers with a problem before the request body is read, then reads and discards what the client is still
 * sending (up to a bound) before closing. Closing with unread bytes makes the kernel reset the connection, and the
 * client would see a reset instead of the answer.
 */
export function refuseRequest(
  req: IncomingMessage,
  res: ServerResponse,
  problem: Problem,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ type: 'about:blank', ...problem });
  res.writeHead(problem.status, {
    'content-type': 'application/problem+json',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    connection: 'close',
    ...headers,
  });
  res.write(body);
  // A client waiting for 100 Continue sends no body when refused: there is nothing to drain.
  if (awaitingContinue(req)) return void res.end();
  let drained = 0;
  const finish = () => {
    clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  const cut = () => {
    finish();
    req.destroy();
  };
  const timer = setTimeout(cut, drainMs);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > drainBytes) cut();
  });
  req.once('end', finish);
  req.once('error', finish);
  if (req.readableEnded) finish();
  req.resume();
}

const tooLarge = (req: IncomingMessage, res: ServerResponse, limit: number) =>
  refuseRequest(req, res, {
    status: 413,
    title: 'Payload Too Large',
    detail: `the request body is over ${limit} bytes`,
  });

/**
 * The request body, or undefined when it was over `limit` and a 413 problem has been sent. A declared
 * Content-Length over the limit is refused before anything is read (and before 100 Continue).
 */
export function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit = maxRequestBytes,
): Promise<Buffer | undefined> {
  const declared = req.headers['content-length'];
  if (declared && /^\d+$/.test(declared) && Number(declared) > limit) {
    tooLarge(req, res, limit);
    return Promise.resolve(undefined);
  }
  continueRequest(req, res);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.off('end', onEnd);
      tooLarge(req, res, limit);
      resolve(undefined);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData);
    req.on('end', onEnd);
    req.once('error', reject);
  });
}
