import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalGitRepository, repositoryPath } from '../../../platform/git/localGitRepository';

const author = { name: 'Software Factory', email: 'factory@localhost' };
const gitOut = (gitDir: string, ...args: string[]) =>
  execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8' });

describe('LocalGitRepository', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'factory-home-'));
  });

  it('keeps a bare repository per tenant and run under <home>/repos', async () => {
    const repo = await LocalGitRepository.open({ home, tenantId: 'acme', runId: 'run-7' });
    expect(repo.location).toBe(join(home, 'repos', 'acme', 'run-7.git'));
    expect(gitOut(repo.location, 'rev-parse', '--is-bare-repository').trim()).toBe('true');
    expect(() => repositoryPath({ home, tenantId: '../x', runId: 'r' })).toThrow(/cannot be part/);
  });

  it('commits files on a branch with the given author and date, stacks commits and is idempotent', async () => {
    const repo = await LocalGitRepository.open({ home, tenantId: 't', runId: 'r1' });
    const first = await repo.commitFiles({
      branch: 'factory/r1',
      files: [
        { path: 'web/index.html', content: '<p>hi</p>\n' },
        { path: 'web/src/main.ts', content: 'a\nb\n' },
      ],
      message: 'web: first',
      author,
      date: '2026-01-01T00:00:00Z',
      scopes: ['web'],
    });
    expect(first.created).toBe(true);
    const second = await repo.commitFiles({
      branch: 'factory/r1',
      files: [{ path: 'db/x/001.sql', content: 'select 1;\n' }],
      message: 'db: schema',
      author,
      date: '2026-01-01T00:01:00Z',
      scopes: ['db'],
    });
    expect(second.parent).toBe(first.sha);
    const again = await repo.commitFiles({
      branch: 'factory/r1',
      files: [{ path: 'db/x/001.sql', content: 'select 1;\n' }],
      message: 'db: schema',
      author,
      date: '2026-01-01T00:02:00Z',
      scopes: ['db'],
    });
    expect(again).toEqual({ sha: second.sha, created: false, parent: second.sha });

    const log = await repo.log('factory/r1');
    expect(log.map((entry) => entry.subject)).toEqual(['db: schema', 'web: first']);
    expect(log[1]).toMatchObject({ author, parents: [] });
    expect(new Date(log[1].date).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(gitOut(repo.location, 'show', 'factory/r1:web/src/main.ts')).toBe('a\nb\n');
    expect(gitOut(repo.location, 'ls-tree', '-r', '--name-only', 'factory/r1').trim().split('\n')).toEqual([
      'db/x/001.sql',
      'web/index.html',
      'web/src/main.ts',
    ]);
  });

  it("starts a new branch at the start branch's head, so that its commits and diff hold the change only", async () => {
    const first = await LocalGitRepository.open({ home, tenantId: 't', runId: 'product' });
    const released = await first.commitFiles({
      branch: 'factory/product',
      files: [
        { path: 'services/a/x.ts', content: 'a\n' },
        { path: 'services/b/y.ts', content: 'b\n' },
      ],
      message: 'backend: add',
      author,
      scopes: ['services'],
    });
    const change = await LocalGitRepository.open({
      home,
      tenantId: 't',
      runId: 'product',
      startBranch: 'factory/product',
    });
    expect(change.location).toBe(first.location);
    // A stream the change does not touch: no commit, but the branch exists at the release.
    const same = await change.commitFiles({
      branch: 'factory/change-1',
      files: [
        { path: 'services/a/x.ts', content: 'a\n' },
        { path: 'services/b/y.ts', content: 'b\n' },
      ],
      message: 'backend: update',
      author,
      scopes: ['services'],
    });
    expect(same).toEqual({ sha: released.sha, created: false, parent: released.sha });
    expect(await change.head('factory/change-1')).toBe(released.sha);
    const changed = await change.commitFiles({
      branch: 'factory/change-1',
      files: [{ path: 'db/a/002.sql', content: 'select 2;\n' }],
      message: 'database: update',
      author,
      scopes: ['db'],
    });
    expect(changed.parent).toBe(released.sha);
    expect(await change.diffStat(released.sha, changed.sha)).toEqual([
      { path: 'db/a/002.sql', added: 1, removed: 0, binary: false },
    ]);
    expect((await change.log('factory/change-1')).map((e) => e.subject)).toEqual([
      'database: update',
      'backend: add',
    ]);
    expect(await change.head('factory/product')).toBe(released.sha);
  });

  it('removes files a scope no longer contains and reports the same numstat as git diff', async () => {
    const repo = await LocalGitRepository.open({ home, tenantId: 't', runId: 'r2' });
    const one = await repo.commitFiles({
      branch: 'b',
      files: [
        { path: 'web/a.ts', content: '1\n2\n3\n' },
        { path: 'web/old.ts', content: 'x\n' },
        { path: 'keep.md', content: 'k\n' },
      ],
      message: 'one',
      author,
      date: '2026-01-01T00:00:00Z',
    });
    const two = await repo.commitFiles({
      branch: 'b',
      files: [
        { path: 'web/a.ts', content: '1\nTWO\n3\n4\n' },
        { path: 'web/logo.png', content: Buffer.from([0, 1, 2, 0, 255]) },
      ],
      message: 'two',
      author,
      date: '2026-01-02T00:00:00Z',
      scopes: ['web'],
    });
    const stat = await repo.diffStat(one.sha, two.sha);
    expect(stat).toEqual([
      { path: 'web/a.ts', added: 2, removed: 1, binary: false },
      { path: 'web/logo.png', added: undefined, removed: undefined, binary: true },
      { path: 'web/old.ts', added: 0, removed: 1, binary: false },
    ]);
    const numstat = gitOut(repo.location, 'diff', '--numstat', one.sha, two.sha)
      .trim()
      .split('\n')
      .map((line) => line.split('\t'));
    expect(numstat).toEqual(
      stat.map((s) => [s.binary ? '-' : String(s.added), s.binary ? '-' : String(s.removed), s.path]),
    );
    expect((await repo.diffStat(undefined, one.sha)).map((s) => s.path)).toEqual([
      'keep.md',
      'web/a.ts',
      'web/old.ts',
    ]);
  });

  it('refuses invalid branch names and paths', async () => {
    const repo = await LocalGitRepository.open({ home, tenantId: 't', runId: 'r3' });
    await expect(
      repo.commitFiles({ branch: 'bad..name', files: [{ path: 'a', content: 'a' }], message: 'm', author }),
    ).rejects.toThrow(/branch name/);
    await expect(
      repo.commitFiles({ branch: 'ok', files: [{ path: '../a', content: 'a' }], message: 'm', author }),
    ).rejects.toThrow(/invalid path/);
  });
});
