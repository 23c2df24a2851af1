import { generateKeyPairSync, randomUUID, type JsonWebKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { link, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { importJWK, SignJWT } from 'jose';

import type { TokenCaller } from '../../core/ports/deploymentTarget';

/** The settings a product's services check tokens with (read by the service kit's bearer authentication). */
export interface IssuerSettings {
  AUTH_ISSUER: string;
  AUTH_AUDIENCE: string;
  AUTH_JWKS: string;
}

const keyId = 'deployment';

interface StoredIssuer {
  issuer: string;
  audience: string;
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
}
/** Tokens for people trying the product last a working day; the factory's own checks ask for short ones. */
export const defaultTokenSeconds = 8 * 3600;

/**
 * The token issuer of one locally deployed product: an ES256 key pair made on its first deployment and kept in the
 * deployment's folder, so every version of the product trusts the same issuer and a token keeps working across
 * blue/green switches. Services get the public key only. What keeps them from the private key is where it lies:
 * outside every service's folder, which Node's permission model (and, with namespaces, the sandbox's own user and
 * mounts) confine them to; the file's owner-only mode guards it from other users of the machine.
 */
export class ProductIssuer {
  private readonly file: string;

  /** `base`: the run's deployments folder. */
  constructor(private readonly base: string) {
    this.file = join(base, 'issuer', 'signing-key.json');
  }

  private key(): StoredIssuer {
    if (existsSync(this.file)) return JSON.parse(readFileSync(this.file, 'utf8')) as StoredIssuer;
    throw new Error('this product has no token issuer: it was never deployed here');
  }

  /**
   * Makes the key pair once; later deployments of the same run keep it. Two deployments racing (a retried
   * activity) agree on one key: each writes its own file, readable by the owner only from the start, and only the
   * first one is linked into place.
   */
  async ensure(tenantId: string, runId: string): Promise<void> {
    if (existsSync(this.file)) return;
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    mkdirSync(join(this.base, 'issuer'), { recursive: true, mode: 0o700 });
    const keys: StoredIssuer = {
      issuer: `urn:software-factory:${tenantId}:${runId}`,
      audience: `urn:software-factory:${tenantId}:${runId}:api`,
      privateJwk: pair.privateKey.export({ format: 'jwk' }),
      publicJwk: pair.publicKey.export({ format: 'jwk' }),
    };
    const temp = `${this.file}.${process.pid}.${randomUUID()}.tmp`;
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(keys) + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await rm(temp, { force: true });
    }
  }

  settings(): IssuerSettings {
    const { issuer, audience, publicJwk } = this.key();
    return {
      AUTH_ISSUER: issuer,
      AUTH_AUDIENCE: audience,
      AUTH_JWKS: JSON.stringify({ keys: [{ ...publicJwk, kid: keyId, alg: 'ES256', use: 'sig' }] }),
    };
  }

  /** A signed bearer token for the caller, valid for `seconds`. */
  async token(caller: TokenCaller, seconds = defaultTokenSeconds): Promise<string> {
    const { issuer, audience, privateJwk } = this.key();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ roles: caller.roles })
      .setProtectedHeader({ alg: 'ES256', kid: keyId, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(caller.subject)
      .setIssuedAt(now)
      .setJti(randomUUID())
      .setExpirationTime(now + seconds)
      .sign(await importJWK({ ...privateJwk, alg: 'ES256' } as Parameters<typeof importJWK>[0], 'ES256'));
  }
}
