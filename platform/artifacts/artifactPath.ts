import { createHash } from 'node:crypto';

/** Artifact paths are relative, `/`-separated and cannot climb out of their run. */
export function validateArtifactPath(path: string): string {
  if (typeof path !== 'string' || path.length === 0 || path.length > 1024) {
    throw new Error(`invalid artifact path: must be 1 to 1024 characters`);
  }
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path) || path.includes('\\') || path.includes('\0')) {
    throw new Error(`invalid artifact path ${JSON.stringify(path)}: must be relative and use /`);
  }
  if (path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new Error(`invalid artifact path ${JSON.stringify(path)}: empty, . or .. segments are not allowed`);
  }
  return path;
}

/** Tenant and run ids become path segments and blob name prefixes. */
export function validateSegment(name: string, value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(value) || value.includes('..')) {
    throw new Error(`invalid ${name} ${JSON.stringify(value)}`);
  }
  return value;
}

export function sha256(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}
