import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { LoopbackCertificate } from '../support/servers/loopbackTls';

export interface ProductAppsFront {
  port: number;
  close(): Promise<void>;
}

/**
 * The product's Container Apps ingress as the factory reaches it, `https://<app>---<label>.<domain>/...`: answers
 * for every host of the domain (the certificate's wildcard) by asking the fake Resource Manager's app server,
 * which knows which revision each name serves.
 */
export async function startProductAppsFront(
  appsUrl: string,
  certificate: LoopbackCertificate,
): Promise<ProductAppsFront> {
  const server = createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
    const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    new Promise((done) => req.on('end', done))
      .then(() =>
        fetch(`${appsUrl}/${host}${req.url ?? '/'}`, {
          method: req.method,
          // The ingress passes the caller's token on to the app, which checks it.
          headers: {
            ...(req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {}),
            ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
          },
          body: ['GET', 'HEAD'].includes(req.method ?? 'GET') ? undefined : Buffer.concat(chunks),
        }),
      )
      .then(async (answer) => {
        const challenge = answer.headers.get('www-authenticate');
        res.writeHead(answer.status, {
          'content-type': answer.headers.get('content-type') ?? 'text/plain',
          ...(challenge ? { 'www-authenticate': challenge } : {}),
        });
        res.end(Buffer.from(await answer.arrayBuffer()));
      })
      .catch((error: Error) => res.writeHead(502).end(error.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
