import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';

export interface LoopbackCertificate {
  /** PEM file of the certificate authority; a process trusts it through NODE_EXTRA_CA_CERTS. */
  caFile: string;
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  remove(): void;
}

/**
 * A certificate authority and a server certificate for 127.0.0.1, localhost and `names` (host names a loopback
 * server answers for, wildcards allowed), made with Debian's openssl. Azure endpoints are HTTPS and the SDKs send
 * bearer tokens over TLS only, so servers that play Azure services present this certificate and the processes
 * under test trust its authority.
 */
export function makeLoopbackCertificate(names: string[] = []): LoopbackCertificate {
  for (const name of names)
    if (!/^(\*\.)?[a-z0-9.-]+$/i.test(name)) throw new Error(`not a host name: ${JSON.stringify(name)}`);
  const dir = mkdtempSync(join(tmpdir(), 'loopback-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=Loopback test CA',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
  );
  const altNames = ['IP:127.0.0.1', 'DNS:localhost', ...names.map((name) => `DNS:${name}`)];
  writeFileSync(file('server.ext'), `subjectAltName=${altNames.join(',')}\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
    '-out',
    file('server.pem'),
  );
  return {
    caFile: file('ca.pem'),
    cert: readFileSync(file('server.pem'), 'utf8'),
    key: readFileSync(file('server.key'), 'utf8'),
    certFile: file('server.pem'),
    keyFile: file('server.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TlsFront {
  port: number;
  close(): Promise<void>;
}

/** Terminates TLS on a loopback port and passes the bytes to a plain TCP port (HTTP or AMQP alike). */
export async function startTlsFront(targetPort: number, certificate: LoopbackCertificate): Promise<TlsFront> {
  const open = new Set<Socket>();
  const server = createTlsServer({ cert: certificate.cert, key: certificate.key }, (secure) => {
    const plain = connect(targetPort, '127.0.0.1');
    open.add(secure).add(plain);
    secure.on('close', () => open.delete(secure));
    plain.on('close', () => open.delete(plain));
    secure.pipe(plain).pipe(secure);
    const end = () => {
      secure.destroy();
      plain.destroy();
    };
    secure.on('error', end);
    plain.on('error', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}
