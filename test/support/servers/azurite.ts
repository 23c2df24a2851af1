import type { AddressInfo } from 'node:net';
import type { LoopbackCertificate } from './loopbackTls';

/** Azurite's well-known development account. */
export const devAccountName = 'devstoreaccount1';
export const devAccountKey =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteServer {
  /** Connection string for `@azure/storage-blob` (`ArtifactStorage`). */
  connectionString: string;
  blobEndpoint: string;
  stop(): Promise<void>;
}

/**
 * Azurite's Blob service in-process on a random loopback port, in memory. `require('azurite')` pulls in
 * `vscode`, so the server class is loaded from its dist path. The API version check is skipped because
 * `@azure/storage-blob` is newer than the Azurite release. With a certificate it serves HTTPS and accepts Entra ID
 * bearer tokens (Azurite's `--oauth basic`: audience, issuer and lifetime are checked, not the signature), as
 * Blob Storage does for managed identities.
 */
export async function startAzurite(options: { tls?: LoopbackCertificate } = {}): Promise<AzuriteServer> {
  /* eslint-disable @typescript-eslint/no-explicit-any */
  const BlobServer = require('azurite/dist/src/blob/BlobServer').default as any;
  const BlobConfiguration = require('azurite/dist/src/blob/BlobConfiguration').default as any;
  const { MemoryExtentChunkStore } = require('azurite/dist/src/common/persistence/MemoryExtentStore') as any;
  /* eslint-enable @typescript-eslint/no-explicit-any */
  const config = new BlobConfiguration(
    '127.0.0.1',
    0,
    undefined, // keepAliveTimeout
    'azurite-blob-metadata', // metadataDBPath (unused in memory)
    'azurite-blob-extents', // extentDBPath (unused in memory)
    [],
    false, // enableAccessLog
    undefined,
    false, // enableDebugLog
    undefined,
    true, // loose
    true, // skipApiVersionCheck
    options.tls?.certFile ?? '',
    options.tls?.keyFile ?? '',
    '',
    options.tls ? 'basic' : undefined, // oauth
    false, // disableProductStyleUrl
    true, // isMemoryPersistence
    new MemoryExtentChunkStore(256 * 1024 * 1024), // own store, so servers do not share blobs
  );
  const server = new BlobServer(config);
  await server.start();
  const { port } = server.httpServer.address() as AddressInfo;
  const protocol = options.tls ? 'https' : 'http';
  const blobEndpoint = `${protocol}://127.0.0.1:${port}/${devAccountName}`;
  const connectionString =
    `DefaultEndpointsProtocol=${protocol};AccountName=${devAccountName};AccountKey=${devAccountKey};` +
    `BlobEndpoint=${blobEndpoint};`;
  let stopped = false;
  return {
    connectionString,
    blobEndpoint,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Keep-alive sockets of SDK clients would otherwise hold the close open.
      server.httpServer.closeAllConnections?.();
      await server.close();
      await server.clean();
    },
  };
}
