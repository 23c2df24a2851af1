import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ArtifactKind } from '../../core/artifactKinds';
import {
  ArtifactConflictError,
  ArtifactCorruptError,
  ArtifactNotFoundError,
  type ArtifactMeta,
  type ArtifactStore,
} from '../../core/ports/artifactStore';

export interface ArtifactStoreFixture {
  store: ArtifactStore;
  /** Replaces the stored bytes behind the store's back, keeping its recorded hash. */
  corrupt(tenantId: string, runId: string, path: string, content: Buffer): Promise<void>;
  /** Where the store keeps `<tenantId>/<runId>/<path>`, to check the naming scheme. */
  locate(tenantId: string, runId: string, path: string): Promise<boolean>;
}

const meta: ArtifactMeta = {
  kind: 'solution-architecture',
  phase: 'vision-to-architecture',
  agent: 'solution-architect',
  contentType: 'text/markdown',
};

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** The behaviour every `ArtifactStore` adapter promises; run once per adapter. */
export function artifactStoreContract(
  name: string,
  setup: () => Promise<ArtifactStoreFixture>,
  teardown?: () => Promise<void>,
): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    let fixture: ArtifactStoreFixture;
    let run = 0;
    let runId: string;
    const tenantId = 'tenant-a';

    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      await teardown?.();
    });
    beforeEach(() => {
      runId = `run-${++run}-${Date.now()}`;
    });

    it('stores content with its hash, size, content type and metadata', async () => {
      const entry = await fixture.store.put(
        tenantId,
        runId,
        'architecture/overview.md',
        '# Overview\n',
        meta,
      );
      expect(entry).toEqual({
        path: 'architecture/overview.md',
        bytes: 11,
        sha256: createHash('sha256').update('# Overview\n').digest('hex'),
        ...meta,
      });
      expect(await fixture.store.head(tenantId, runId, 'architecture/overview.md')).toEqual(entry);
      expect((await fixture.store.get(tenantId, runId, 'architecture/overview.md')).toString()).toBe(
        '# Overview\n',
      );
      const { entry: streamed, body } = await fixture.store.stream(
        tenantId,
        runId,
        'architecture/overview.md',
      );
      expect(streamed).toEqual(entry);
      expect((await readAll(body)).toString()).toBe('# Overview\n');
      expect(await fixture.locate(tenantId, runId, 'architecture/overview.md')).toBe(true);
    });

    it('keeps binary content and unusual metadata intact', async () => {
      const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
      const odd = {
        ...meta,
        // Not a kind the factory writes: the store keeps any string, and this one needs encoding.
        kind: 'build log' as ArtifactKind,
        agent: 'qa/tester é',
        contentType: 'application/octet-stream',
      };
      const entry = await fixture.store.put(tenantId, runId, 'bin/data.bin', bytes, odd);
      expect(await fixture.store.head(tenantId, runId, 'bin/data.bin')).toEqual(entry);
      expect(entry).toMatchObject({ kind: 'build log', agent: 'qa/tester é', bytes: 7 });
      expect(await fixture.store.get(tenantId, runId, 'bin/data.bin')).toEqual(bytes);
    });

    it('is idempotent for the same content, also when written concurrently', async () => {
      const results = await Promise.all(
        Array.from({ length: 5 }, () => fixture.store.put(tenantId, runId, 'plan.json', '{"a":1}', meta)),
      );
      for (const result of results) expect(result).toEqual(results[0]);
      expect(await fixture.store.list(tenantId, runId)).toHaveLength(1);
    });

    it('refuses different content under an existing path', async () => {
      await fixture.store.put(tenantId, runId, 'plan.json', '{"a":1}', meta);
      await expect(fixture.store.put(tenantId, runId, 'plan.json', '{"a":2}', meta)).rejects.toBeInstanceOf(
        ArtifactConflictError,
      );
      expect((await fixture.store.get(tenantId, runId, 'plan.json')).toString()).toBe('{"a":1}');
    });

    it('lists a run in path order, and nothing of other runs or tenants', async () => {
      await fixture.store.put(tenantId, runId, 'src/b.ts', 'b', meta);
      await fixture.store.put(tenantId, runId, 'src/a.ts', 'a', meta);
      await fixture.store.put(tenantId, runId, 'README.md', 'r', meta);
      await fixture.store.put(tenantId, `${runId}-other`, 'src/c.ts', 'c', meta);
      await fixture.store.put('tenant-b', runId, 'src/d.ts', 'd', meta);
      const paths = (await fixture.store.list(tenantId, runId)).map((entry) => entry.path);
      expect(paths).toEqual(['README.md', 'src/a.ts', 'src/b.ts']);
      expect(await fixture.store.list(tenantId, 'never-written')).toEqual([]);
      expect(await fixture.store.head('tenant-b', runId, 'src/a.ts')).toBeUndefined();
    });

    it('treats names of Object.prototype members as ordinary artifact paths', async () => {
      const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'docs/__proto__'];
      // Before anything is stored, none of them exists.
      for (const path of names) {
        expect([path, await fixture.store.head(tenantId, runId, path)]).toEqual([path, undefined]);
        await expect(fixture.store.get(tenantId, runId, path)).rejects.toThrow(ArtifactNotFoundError);
      }
      for (const path of names) await fixture.store.put(tenantId, runId, path, `content of ${path}`, meta);
      await fixture.store.put(tenantId, runId, 'plain.md', 'plain', meta);
      expect((await fixture.store.list(tenantId, runId)).map((a) => a.path)).toEqual(
        [...names, 'plain.md'].sort((a, b) => a.localeCompare(b)),
      );
      for (const path of names) {
        expect((await fixture.store.get(tenantId, runId, path)).toString()).toBe(`content of ${path}`);
        expect(await fixture.store.head(tenantId, runId, path)).toMatchObject({ path, kind: meta.kind });
      }
      // Writing them again is idempotent, and different content is a conflict, as for any path.
      await fixture.store.put(tenantId, runId, '__proto__', 'content of __proto__', meta);
      await expect(fixture.store.put(tenantId, runId, 'constructor', 'other', meta)).rejects.toThrow(
        ArtifactConflictError,
      );
    });

    it('reports missing artifacts', async () => {
      expect(await fixture.store.head(tenantId, runId, 'missing.md')).toBeUndefined();
      await expect(fixture.store.get(tenantId, runId, 'missing.md')).rejects.toBeInstanceOf(
        ArtifactNotFoundError,
      );
      await expect(fixture.store.stream(tenantId, runId, 'missing.md')).rejects.toBeInstanceOf(
        ArtifactNotFoundError,
      );
    });

    it('detects corrupted content on read', async () => {
      await fixture.store.put(tenantId, runId, 'report.md', 'all good', meta);
      await fixture.corrupt(tenantId, runId, 'report.md', Buffer.from('all bad!'));
      await expect(fixture.store.get(tenantId, runId, 'report.md')).rejects.toBeInstanceOf(
        ArtifactCorruptError,
      );
    });

    it.each(['../escape.md', '/etc/passwd', 'a/../../b', 'a//b', './a', 'C:/x', 'a\\b', ''])(
      'rejects the path %j',
      async (path) => {
        await expect(fixture.store.put(tenantId, runId, path, 'x', meta)).rejects.toThrow(
          /invalid artifact path/,
        );
        await expect(fixture.store.get(tenantId, runId, path)).rejects.toThrow(/invalid artifact path/);
      },
    );

    it('rejects tenant and run ids that are not single safe segments', async () => {
      await expect(fixture.store.put('../t', runId, 'a.md', 'x', meta)).rejects.toThrow(/invalid tenantId/);
      await expect(fixture.store.put(tenantId, 'a/b', 'a.md', 'x', meta)).rejects.toThrow(/invalid runId/);
    });
  });
}
