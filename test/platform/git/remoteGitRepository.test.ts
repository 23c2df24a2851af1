import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenCredential } from '@azure/identity';
import type { SourceRepository } from '../../../core/ports/sourceRepository';
import { RemoteGitRepository, scratchPrefix } from '../../../platform/git/remoteGitRepository';
import {
  azureDevOpsScope,
  sourceRepositoryFromSettings,
} from '../../../platform/git/sourceRepositorySettings';
import { startGitHosting, type GitHosting } from '../../support/servers';

const token = 'gho_T0ken-that-must-never-leak';
const author = { name: 'Software Factory', email: 'factory@localhost' };
const gitOut = (gitDir: string, ...args: string[]) =>
  execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8' });
/** The scratch folders the adapter made, seen through the module it makes them with. */
const scratchFolders: string[] = [];
const fsPromises = require('node:fs/promises') as typeof import('node:fs/promises');
const realMkdtemp = fsPromises.mkdtemp;
jest.spyOn(fsPromises, 'mkdtemp').mockImplementation((async (prefix: string) => {
  const folder = await realMkdtemp(prefix);
  scratchFolders.push(folder);
  return folder;
}) as typeof realMkdtemp);
const leftScratch = () => scratchFolders.filter((folder) => existsSync(folder));

let hosting: GitHosting;
const home = mkdtempSync(join(tmpdir(), 'factory-home-'));
const scopes: string[] = [];
/** Stands in for DefaultAzureCredential: the scope asked for is what Azure DevOps checks. */
const credential = (secret: string): TokenCredential => ({
  getToken: async (scope) => {
    scopes.push(String(scope));
    return { token: secret, expiresOnTimestamp: Date.now() + 3_600_000 };
  },
});

beforeAll(async () => {
  hosting = await startGitHosting({ token });
});
afterAll(() => hosting.stop());
// Every call made its scratch folder under os.tmpdir() and removed it, whether it succeeded or failed.
afterEach(() => expect(leftScratch()).toEqual([]));

type Flavour = 'azure-repos' | 'github';
let made = 0;
/** A fresh remote repository of a flavour, and the opener of runs' repositories on it, through the settings. */
function remote(flavour: Flavour, secret = token) {
  made++;
  const { url, gitDir } =
    flavour === 'azure-repos'
      ? hosting.azureRepository('contoso', 'factory', `product-${made}`)
      : hosting.githubRepository('contoso', `product-${made}`);
  const env =
    flavour === 'azure-repos'
      ? { FACTORY_SOURCE_REPOSITORY: flavour, FACTORY_SOURCE_REPOSITORY_URL: url }
      : {
          FACTORY_SOURCE_REPOSITORY: flavour,
          FACTORY_SOURCE_REPOSITORY_URL: url,
          FACTORY_GITHUB_TOKEN: secret,
          FACTORY_GITHUB_API_URL: hosting.githubApiUrl,
        };
  return { url, gitDir, open: sourceRepositoryFromSettings(env, home, () => credential(secret)) };
}

describe.each(['azure-repos', 'github'] as const)('RemoteGitRepository on %s', (flavour) => {
  it('commits on the tenant and run branch, from a base branch it creates, with the given author and date; reruns change nothing', async () => {
    const { gitDir, open } = remote(flavour);
    const repo = await open('acme', 'run-1');
    expect(repo.runBranch).toBe('factory/acme/run-1');
    expect(await repo.head('main')).toBeUndefined();
    const first = await repo.commitFiles({
      branch: 'factory/acme/run-1',
      files: [
        { path: 'web/index.html', content: '<p>hi</p>\n' },
        { path: 'web/src/main.ts', content: 'a\nb\n' },
      ],
      message: 'feat(web): first\n\nBody line.\n\nFactory-Stream: frontend\n',
      author,
      date: '2026-01-01T00:00:00Z',
      scopes: ['web'],
    });
    const main = gitOut(gitDir, 'rev-parse', 'refs/heads/main').trim();
    expect(first).toEqual({
      sha: gitOut(gitDir, 'rev-parse', 'factory/acme/run-1').trim(),
      created: true,
      parent: main,
    });
    // The base branch starts with one empty commit, so the run's pull request has a common history with it.
    expect(gitOut(gitDir, 'ls-tree', '-r', 'main')).toBe('');
    expect(gitOut(gitDir, 'log', '--format=%s', 'main').trim()).toBe('chore: start the repository');

    const second = await repo.commitFiles({
      branch: 'factory/acme/run-1',
      files: [{ path: 'db/x/001.sql', content: 'select 1;\n' }],
      message: 'feat(db): schema\n',
      author,
      date: '2026-01-01T00:01:00Z',
      scopes: ['db'],
    });
    expect(second.parent).toBe(first.sha);
    const again = await repo.commitFiles({
      branch: 'factory/acme/run-1',
      files: [{ path: 'db/x/001.sql', content: 'select 1;\n' }],
      message: 'feat(db): schema\n',
      author,
      date: '2026-01-01T00:02:00Z',
      scopes: ['db'],
    });
    expect(again).toEqual({ sha: second.sha, created: false, parent: second.sha });

    // What git itself reads from the bare repository.
    expect(
      gitOut(gitDir, 'log', '--format=%H|%P|%an <%ae>|%aI|%cn <%ce>|%cI|%s', 'factory/acme/run-1')
        .trim()
        .split('\n'),
    ).toEqual([
      `${second.sha}|${first.sha}|Software Factory <factory@localhost>|2026-01-01T00:01:00+00:00|Software Factory <factory@localhost>|2026-01-01T00:01:00+00:00|feat(db): schema`,
      `${first.sha}|${main}|Software Factory <factory@localhost>|2026-01-01T00:00:00+00:00|Software Factory <factory@localhost>|2026-01-01T00:00:00+00:00|feat(web): first`,
      `${main}||Software Factory <factory@localhost>|2026-01-01T00:00:00+00:00|Software Factory <factory@localhost>|2026-01-01T00:00:00+00:00|chore: start the repository`,
    ]);
    expect(gitOut(gitDir, 'show', 'factory/acme/run-1:web/src/main.ts')).toBe('a\nb\n');
    expect(gitOut(gitDir, 'ls-tree', '-r', '--name-only', 'factory/acme/run-1').trim().split('\n')).toEqual([
      'db/x/001.sql',
      'web/index.html',
      'web/src/main.ts',
    ]);
    expect(gitOut(gitDir, 'fsck', '--strict', '--no-dangling')).toBe('');

    const log = await repo.log('factory/acme/run-1');
    expect(log.map((entry) => [entry.sha, entry.parents, entry.subject])).toEqual([
      [second.sha, [first.sha], 'feat(db): schema'],
      [first.sha, [main], 'feat(web): first'],
      [main, [], 'chore: start the repository'],
    ]);
    expect(log[1]).toMatchObject({ author, body: 'Body line.\n\nFactory-Stream: frontend' });
    expect(new Date(log[1].date).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(await repo.log('factory/acme/run-1', 1)).toHaveLength(1);
    expect(await repo.head('factory/acme/run-1')).toBe(second.sha);
    expect(await repo.head('factory/acme/none')).toBeUndefined();
  });

  it("starts a change run's branch at the branch of the release it follows, so its diff holds the change only", async () => {
    const { open } = remote(flavour);
    const first = await open('acme', 'run-a');
    const released = await first.commitFiles({
      branch: first.runBranch!,
      files: [{ path: 'services/a/x.ts', content: 'a\n' }],
      message: 'backend: add',
      author,
      scopes: ['services'],
    });
    const change = await open('acme', 'run-b', { of: 'run-a', product: 'run-a', after: '1.0.0', number: 1 });
    expect([change.runBranch, change.startBranch]).toEqual(['factory/acme/run-b', 'factory/acme/run-a']);
    const changed = await change.commitFiles({
      branch: change.runBranch!,
      files: [{ path: 'db/a/002.sql', content: 'select 2;\n' }],
      message: 'database: update',
      author,
      scopes: ['db'],
    });
    expect(changed.parent).toBe(released.sha);
    expect(await change.diffStat(released.sha, changed.sha)).toEqual([
      { path: 'db/a/002.sql', added: 1, removed: 0, binary: false },
    ]);
    expect((await change.log(change.runBranch!)).map((e) => e.subject)).toEqual([
      'database: update',
      'backend: add',
      'chore: start the repository',
    ]);
  });

  it('removes what a scope no longer holds and reports the numstat git diff reports', async () => {
    const { gitDir, open } = remote(flavour);
    const repo = await open('acme', 'run-2');
    const branch = 'factory/acme/run-2';
    const one = await repo.commitFiles({
      branch,
      files: [
        { path: 'web/a.ts', content: '1\n2\n3\n' },
        { path: 'web/old.ts', content: 'x\n' },
        { path: 'web/deep/er/c.ts', content: 'c' },
        { path: 'keep.md', content: 'k\n' },
      ],
      message: 'one',
      author,
      date: '2026-01-01T00:00:00Z',
    });
    const two = await repo.commitFiles({
      branch,
      files: [
        { path: 'web/a.ts', content: '1\nTWO\n3\n4\n' },
        { path: 'web/deep/er/c.ts', content: 'c\n' },
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
      { path: 'web/deep/er/c.ts', added: 1, removed: 1, binary: false },
      { path: 'web/logo.png', added: undefined, removed: undefined, binary: true },
      { path: 'web/old.ts', added: 0, removed: 1, binary: false },
    ]);
    const numstat = (base: string, head: string) =>
      gitOut(gitDir, 'diff', '--numstat', base, head)
        .trim()
        .split('\n')
        .map((line) => line.split('\t'));
    const asNumstat = (changes: Awaited<ReturnType<SourceRepository['diffStat']>>) =>
      changes.map((s) => [s.binary ? '-' : String(s.added), s.binary ? '-' : String(s.removed), s.path]);
    expect(asNumstat(stat)).toEqual(numstat(one.sha, two.sha));
    // From the base branch's head (what the pull request shows), and from the empty tree.
    const main = gitOut(gitDir, 'rev-parse', 'main').trim();
    expect(asNumstat(await repo.diffStat(main, two.sha))).toEqual(numstat(main, two.sha));
    expect((await repo.diffStat(undefined, one.sha)).map((s) => s.path)).toEqual([
      'keep.md',
      'web/a.ts',
      'web/deep/er/c.ts',
      'web/old.ts',
    ]);
  });

  it('fails a push when the branch moved after it was read, and keeps the other commit', async () => {
    const { gitDir, url } = remote(flavour);
    const first = await sourceRepositoryFromSettings(
      flavour === 'azure-repos'
        ? { FACTORY_SOURCE_REPOSITORY: flavour, FACTORY_SOURCE_REPOSITORY_URL: url }
        : {
            FACTORY_SOURCE_REPOSITORY: flavour,
            FACTORY_SOURCE_REPOSITORY_URL: url,
            FACTORY_GITHUB_TOKEN: token,
            FACTORY_GITHUB_API_URL: hosting.githubApiUrl,
          },
      home,
      () => credential(token),
    )('acme', 'run-3');
    const base = await first.commitFiles({
      branch: 'factory/acme/run-3',
      files: [{ path: 'a.txt', content: 'a\n' }],
      message: 'base',
      author,
      date: '2026-01-01T00:00:00Z',
    });
    // Another writer commits between this adapter's read of the branch and its push.
    const other = execFileSync(
      'git',
      ['--git-dir', gitDir, 'commit-tree', `${base.sha}^{tree}`, '-p', base.sha, '-m', 'other'],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'o',
          GIT_AUTHOR_EMAIL: 'o@x',
          GIT_COMMITTER_NAME: 'o',
          GIT_COMMITTER_EMAIL: 'o@x',
        },
      },
    ).trim();
    let calls = 0;
    const scratchDuringCalls: string[][] = [];
    const racing = new RemoteGitRepository({
      url: first.location,
      runBranch: 'factory/acme/run-3',
      writablePrefix: 'factory/acme/',
      baseBranch: 'main',
      authorization: async () => {
        // Calls: list the branches, fetch, push; the branch moves just before the push.
        scratchDuringCalls.push(leftScratch());
        if (++calls === 3) gitOut(gitDir, 'update-ref', 'refs/heads/factory/acme/run-3', other, base.sha);
        return flavour === 'azure-repos'
          ? `Bearer ${token}`
          : `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
      },
    });
    await expect(
      racing.commitFiles({
        branch: 'factory/acme/run-3',
        files: [{ path: 'b.txt', content: 'b\n' }],
        message: 'mine',
        author,
        date: '2026-01-01T00:01:00Z',
      }),
    ).rejects.toThrow(/moved while this commit was made/);
    expect(gitOut(gitDir, 'rev-parse', 'factory/acme/run-3').trim()).toBe(other);
    // The call worked in one scratch folder under os.tmpdir() (removed since: see afterEach).
    expect(scratchDuringCalls).toEqual([
      [expect.stringMatching(new RegExp(`^${tmpdir()}/${scratchPrefix}`))],
      [expect.any(String)],
      [expect.any(String)],
    ]);
    expect(new Set(scratchDuringCalls.flat()).size).toBe(1);
  });

  it('says the credentials were refused without repeating them', async () => {
    const wrong = 'wrong-secret-value-123';
    const { open } = remote(flavour, wrong);
    const repo = await open('acme', 'run-4');
    const failure = await repo
      .commitFiles({
        branch: 'factory/acme/run-4',
        files: [{ path: 'a', content: 'a' }],
        message: 'm',
        author,
      })
      .then(
        () => undefined,
        (error: Error) => error,
      );
    expect(failure?.message).toMatch(/HTTP 401 .*the credentials were refused/);
    expect(failure?.message).not.toContain(wrong);
    expect(failure?.message).not.toContain(Buffer.from(`x-access-token:${wrong}`).toString('base64'));
    expect(failure?.stack).not.toContain(wrong);
    await expect(repo.head('main')).rejects.toThrow(
      /could not list the branches at http:\/\/127\.0\.0\.1:\d+\/contoso/,
    );
  });

  it('opens the pull request once: a second call returns the active one', async () => {
    const { open } = remote(flavour);
    const repo = await open('acme', 'run-5');
    await repo.commitFiles({
      branch: 'factory/acme/run-5',
      files: [{ path: 'a.txt', content: 'a\n' }],
      message: 'feat: a',
      author,
      date: '2026-01-01T00:00:00Z',
    });
    const request = {
      source: 'factory/acme/run-5',
      target: 'main',
      title: 'Product: iteration 1',
      description: `## What\n\n${'x'.repeat(5000)}`,
    };
    const calls = hosting.api.requests.length;
    const opened = await repo.openPullRequest!(request);
    const again = await repo.openPullRequest!(request);
    expect(again).toEqual({ ...opened, created: false });
    expect(opened.created).toBe(true);
    const made = hosting.api.pullRequests.filter(
      (pr) => pr.flavour === flavour && pr.source === 'factory/acme/run-5',
    );
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ flavour, target: 'main', title: request.title, id: Number(opened.id) });
    const calledNow = hosting.api.requests.slice(calls).map((r) => r.method);
    expect(calledNow).toEqual(['GET', 'POST', 'GET']);
    if (flavour === 'azure-repos') {
      expect(opened.url).toBe(
        `${hosting.origin}/contoso/factory/_git/product-${made[0].repository.split('-').pop()}/pullrequest/${opened.id}`,
      );
      // Azure DevOps keeps 4000 characters of a description; GitHub keeps it whole.
      expect(made[0].description).toHaveLength(4000);
      expect(scopes).toContain(azureDevOpsScope);
      expect(hosting.api.requests.slice(calls)[0].url).toContain(
        'searchCriteria.sourceRefName=refs%2Fheads%2Ffactory%2Facme%2Frun-5',
      );
    } else {
      expect(opened.url).toBe(`${hosting.origin}/${made[0].repository}/pull/${opened.id}`);
      expect(made[0].description).toBe(request.description);
      expect(hosting.api.requests.slice(calls)[0].url).toContain('head=contoso%3Afactory%2Facme%2Frun-5');
    }
  });

  it("keeps a tenant's writes in its own namespace", async () => {
    const { open } = remote(flavour);
    const repo = await open('acme', 'run-6');
    await expect(
      repo.commitFiles({
        branch: 'factory/globex/run-6',
        files: [{ path: 'a', content: 'a' }],
        message: 'm',
        author,
      }),
    ).rejects.toThrow("branch 'factory/globex/run-6' is outside 'factory/acme/'");
    await expect(
      repo.openPullRequest!({ source: 'factory/globex/run-6', target: 'main', title: 't', description: '' }),
    ).rejects.toThrow(/outside 'factory\/acme\/'/);
    await expect(
      repo.commitFiles({
        branch: 'factory/acme/run-6',
        files: [{ path: '../a', content: 'a' }],
        message: 'm',
        author,
      }),
    ).rejects.toThrow(/invalid path/);
    await expect(open('../acme', 'run-6')).rejects.toThrow(/tenant id '..\/acme' cannot be part/);
  });
});
