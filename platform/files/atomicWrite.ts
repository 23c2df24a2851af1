import { randomBytes } from 'node:crypto';
import { promises as nodeFs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The file operations an atomic write uses; tests pass one that fails to see what is left on disk. */
export interface AtomicWriteFs {
  open(path: string, flags: string): Promise<FileHandle>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
}

/**
 * Replaces `file` with `body` so that a reader, a crash or a power loss sees either the old content or the new,
 * never an empty or half-written file: the body goes to a temp file beside it, which is flushed to disk before
 * the rename, and the folder is flushed after it so the rename itself survives. When a step fails (a full disk),
 * the temp file is removed and the error is thrown; `file` keeps its old content.
 */
export async function writeFileAtomic(
  file: string,
  body: Buffer | string,
  fs: AtomicWriteFs = nodeFs,
): Promise<void> {
  // Unique per write: two writers of one file (two processes, or two calls in one) never share a temp file.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await fs.open(temp, 'wx');
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } catch (error) {
    // The write's own error is the one to report; a temp file that cannot be removed either is left as it is.
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncFolder(fs, dirname(file));
}

async function syncFolder(fs: AtomicWriteFs, folder: string): Promise<void> {
  // Windows cannot open a folder for flushing; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const handle = await fs.open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
