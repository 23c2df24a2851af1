import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * A minimal POSIX ustar writer and reader for release packages: regular files only, fixed owner, mode and
 * mtime, so the same files always give the same archive bytes (and the same sha256). Readable by `tar -xzf`.
 */
export interface TarEntry {
  path: string;
  content: Buffer;
}

const block = 512;
/** 2000-01-01T00:00:00Z: a fixed mtime keeps archives reproducible. */
const fixedMtime = 946684800;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function splitName(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  // ustar keeps longer paths as prefix (<=155) + '/' + name (<=100), split at a slash.
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name) return { name, prefix };
  }
  throw new Error(`path '${path}' is too long for a ustar archive`);
}

export function checkEntryPath(path: string): void {
  if (
    !path ||
    path.startsWith('/') ||
    path.split('/').some((p) => p === '..' || p === '' || p === '.') ||
    path.includes('\\')
  )
    throw new Error(
      `archive entry path '${path}' must be relative, '/'-separated, without '.', '..' or empty parts`,
    );
}

function header(path: string, size: number): Buffer {
  const { name, prefix } = splitName(path);
  const h = Buffer.alloc(block, 0);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(fixedMtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('factory', 265, 'ascii');
  h.write('factory', 297, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** Writes a gzip-compressed tar of the entries, in path order. */
export function writeTarGz(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  const seen = new Set<string>();
  for (const entry of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    checkEntryPath(entry.path);
    if (seen.has(entry.path)) throw new Error(`archive entry '${entry.path}' appears twice`);
    seen.add(entry.path);
    parts.push(header(entry.path, entry.content.length), entry.content);
    const pad = (block - (entry.content.length % block)) % block;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(block * 2, 0));
  // mtime 0 in the gzip header too: same input, same bytes.
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

function field(h: Buffer, start: number, length: number): string {
  const raw = h.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

/** Reads a gzip-compressed ustar archive written by `writeTarGz` (regular files; anything else is refused). */
export function readTarGz(archive: Buffer): TarEntry[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive);
  } catch (error) {
    throw new Error(`release package is not valid gzip: ${(error as Error).message}`);
  }
  const entries: TarEntry[] = [];
  let offset = 0;
  while (offset + block <= tar.length) {
    const h = tar.subarray(offset, offset + block);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < block; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    const recorded = parseInt(field(h, 148, 8).trim(), 8);
    if (recorded !== sum) throw new Error(`tar header checksum mismatch at offset ${offset}`);
    const type = field(h, 156, 1) || '0';
    const size = parseInt(field(h, 124, 12).trim() || '0', 8);
    const prefix = field(h, 345, 155);
    const name = field(h, 0, 100);
    const path = prefix ? `${prefix}/${name}` : name;
    offset += block;
    if (type !== '0')
      throw new Error(`tar entry '${path}' has type '${type}'; only regular files are accepted`);
    checkEntryPath(path);
    if (offset + size > tar.length) throw new Error(`tar entry '${path}' is truncated`);
    entries.push({ path, content: Buffer.from(tar.subarray(offset, offset + size)) });
    offset += Math.ceil(size / block) * block;
  }
  return entries;
}

export const sha256 = (content: Buffer | string): string =>
  createHash('sha256').update(content).digest('hex');
