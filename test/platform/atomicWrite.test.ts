import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemArtifactStore } from '../../platform/artifacts/filesystemArtifactStore';
import * as atomicWrite from '../../platform/files/atomicWrite';
import { writeFileAtomic, type AtomicWriteFs } from '../../platform/files/atomicWrite';
import { writeReportFile } from '../../runs/report';

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

/** The real file system, with every call recorded and one step made to fail on demand. */
function recordingFs(fail?: 'write' | 'sync' | 'rename'): { fs: AtomicWriteFs; calls: string[] } {
  const calls: string[] = [];
  const wrap = (handle: FileHandle, path: string): FileHandle =>
    Object.assign(Object.create(handle) as FileHandle, {
      writeFile: async (body: Buffer | string) => {
        calls.push(`write ${path}`);
        if (fail === 'write') {
          // A full disk: part of the body reaches the file, then the write fails.
          await handle.writeFile(String(body).slice(0, 3));
          throw enospc();
        }
        await handle.writeFile(body);
      },
      sync: async () => {
        calls.push(`sync ${path}`);
        if (fail === 'sync') throw enospc();
        await handle.sync();
      },
      close: async () => {
        calls.push(`close ${path}`);
        await handle.close();
      },
    });
  return {
    calls,
    fs: {
      open: async (path, flags) => {
        calls.push(`open ${path}`);
        return wrap(await fs.open(path, flags), path);
      },
      rename: async (from, to) => {
        calls.push(`rename ${from} ${to}`);
        if (fail === 'rename') throw enospc();
        await fs.rename(from, to);
      },
      rm: async (path, options) => {
        calls.push(`rm ${path}`);
        await fs.rm(path, options);
      },
    },
  };
}

describe('atomic file replacement', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'atomic-write-'));
    file = join(dir, 'manifest.json');
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('flushes the temp file before the rename and the folder after it', async () => {
    writeFileSync(file, 'old');
    const { fs: recording, calls } = recordingFs();
    await writeFileAtomic(file, 'new content', recording);
    expect(readFileSync(file, 'utf8')).toBe('new content');
    expect(readdirSync(dir)).toEqual(['manifest.json']);
    const temp = calls[0].replace(/^open /, '');
    expect(temp).toMatch(/manifest\.json\.\d+\.[0-9a-f]{8}\.tmp$/);
    expect(calls).toEqual([
      `open ${temp}`,
      `write ${temp}`,
      `sync ${temp}`,
      `close ${temp}`,
      `rename ${temp} ${file}`,
      `open ${dir}`,
      `sync ${dir}`,
      `close ${dir}`,
    ]);
  });

  it.each(['write', 'sync', 'rename'] as const)(
    'removes the temp file and keeps the old content when the %s fails (disk full)',
    async (step) => {
      writeFileSync(file, 'old');
      const { fs: failing, calls } = recordingFs(step);
      await expect(writeFileAtomic(file, 'new content', failing)).rejects.toMatchObject({
        code: 'ENOSPC',
      });
      expect(readFileSync(file, 'utf8')).toBe('old');
      expect(readdirSync(dir)).toEqual(['manifest.json']);
      expect(calls.some((c) => c.startsWith('rm '))).toBe(true);
    },
  );

  it('creates a file that did not exist', async () => {
    await writeFileAtomic(file, Buffer.from('{}'));
    expect(readFileSync(file, 'utf8')).toBe('{}');
    expect(readdirSync(dir)).toEqual(['manifest.json']);
  });

  it('is what the artifact store and the report file write with', async () => {
    const spy = jest.spyOn(atomicWrite, 'writeFileAtomic');
    const store = new FilesystemArtifactStore(dir);
    await store.put('t', 'r', 'a/b.txt', 'body', {
      kind: 'vision-text',
      phase: 'input',
      agent: 'test',
      contentType: 'text/plain',
    });
    const report = await writeReportFile(dir, 't', 'run-1', '<html></html>');
    expect(spy.mock.calls.map(([path]) => path)).toEqual([
      join(dir, 't/r/a/b.txt'),
      join(dir, 't/r/.manifest.json'),
      report,
    ]);
  });

  it('leaves the manifest as it was and no temp file when the disk fills while the store records an artifact', async () => {
    const store = new FilesystemArtifactStore(dir);
    const meta = { kind: 'vision-text', phase: 'input', agent: 'test', contentType: 'text/plain' } as const;
    await store.put('t', 'r', 'first.txt', 'one', meta);
    const manifest = readFileSync(join(dir, 't/r/.manifest.json'), 'utf8');
    const real = atomicWrite.writeFileAtomic;
    jest
      .spyOn(atomicWrite, 'writeFileAtomic')
      .mockImplementation((path, body) =>
        real(path, body, path.endsWith('.manifest.json') ? recordingFs('write').fs : undefined),
      );
    await expect(store.put('t', 'r', 'second.txt', 'two', meta)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(readFileSync(join(dir, 't/r/.manifest.json'), 'utf8')).toBe(manifest);
    expect(readdirSync(join(dir, 't/r')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect((await store.list('t', 'r')).map((a) => a.path)).toEqual(['first.txt']);
    jest.restoreAllMocks();
    // Space again: the same put succeeds.
    await store.put('t', 'r', 'second.txt', 'two', meta);
    expect((await store.list('t', 'r')).map((a) => a.path)).toEqual(['first.txt', 'second.txt']);
  });
});
