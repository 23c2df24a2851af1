import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SettingsError } from '../../../platform/config';
import { lineChanges } from '../../../platform/git/lineChanges';
import { LocalGitRepository } from '../../../platform/git/localGitRepository';
import {
  readSourceRepositorySettings,
  remoteRunBranch,
  sourceRepositoryFromSettings,
} from '../../../platform/git/sourceRepositorySettings';

const token = 'ghp_secret-token-value';

describe('source repository settings', () => {
  it('default to the local repository under FACTORY_HOME', async () => {
    expect(readSourceRepositorySettings({})).toEqual({ kind: 'local' });
    const home = mkdtempSync(join(tmpdir(), 'factory-home-'));
    const repo = await sourceRepositoryFromSettings({ FACTORY_SOURCE_REPOSITORY: 'local' }, home)(
      'acme',
      'run-1',
    );
    expect(repo).toBeInstanceOf(LocalGitRepository);
    expect(repo.location).toBe(join(home, 'repos', 'acme', 'run-1.git'));
    expect(repo.openPullRequest).toBeUndefined();
  });

  it('read Azure Repos with the managed identity named by AZURE_CLIENT_ID', () => {
    expect(
      readSourceRepositorySettings({
        FACTORY_SOURCE_REPOSITORY: 'azure-repos',
        FACTORY_SOURCE_REPOSITORY_URL: 'https://dev.azure.com/contoso/factory/_git/product/',
        AZURE_CLIENT_ID: 'client-1',
      }),
    ).toEqual({
      kind: 'azure-repos',
      url: 'https://dev.azure.com/contoso/factory/_git/product',
      clientId: 'client-1',
    });
  });

  it('read GitHub with its token and API base (GitHub Enterprise: https://HOST/api/v3)', () => {
    expect(
      readSourceRepositorySettings({
        FACTORY_SOURCE_REPOSITORY: 'github',
        FACTORY_SOURCE_REPOSITORY_URL: 'https://github.com/contoso/product.git',
        FACTORY_GITHUB_TOKEN: token,
      }),
    ).toEqual({
      kind: 'github',
      url: 'https://github.com/contoso/product',
      token,
      apiUrl: 'https://api.github.com',
    });
    expect(
      readSourceRepositorySettings({
        FACTORY_SOURCE_REPOSITORY: 'github',
        FACTORY_SOURCE_REPOSITORY_URL: 'https://git.example.com/contoso/product',
        FACTORY_GITHUB_TOKEN: token,
        FACTORY_GITHUB_API_URL: 'https://git.example.com/api/v3/',
      }),
    ).toMatchObject({ apiUrl: 'https://git.example.com/api/v3' });
  });

  it.each([
    [
      { FACTORY_SOURCE_REPOSITORY: 'svn' },
      "setting FACTORY_SOURCE_REPOSITORY: 'svn' is not one of: local, azure-repos, github",
    ],
    [{ FACTORY_SOURCE_REPOSITORY: 'azure-repos' }, 'setting FACTORY_SOURCE_REPOSITORY_URL: is required'],
    [
      {
        FACTORY_SOURCE_REPOSITORY: 'azure-repos',
        FACTORY_SOURCE_REPOSITORY_URL: 'http://dev.azure.com/o/p/_git/r',
      },
      'setting FACTORY_SOURCE_REPOSITORY_URL: must use https (http only for a loopback host)',
    ],
    [
      {
        FACTORY_SOURCE_REPOSITORY: 'azure-repos',
        FACTORY_SOURCE_REPOSITORY_URL: 'https://dev.azure.com/o/p/r',
      },
      'setting FACTORY_SOURCE_REPOSITORY_URL: must be an Azure Repos URL: https://dev.azure.com/{org}/{project}/_git/{repo}',
    ],
    [
      {
        FACTORY_SOURCE_REPOSITORY: 'github',
        FACTORY_SOURCE_REPOSITORY_URL: `https://x:${token}@github.com/o/r`,
      },
      'setting FACTORY_SOURCE_REPOSITORY_URL: must not carry credentials (they come from the identity or the token setting)',
    ],
    [
      { FACTORY_SOURCE_REPOSITORY: 'github', FACTORY_SOURCE_REPOSITORY_URL: 'https://github.com/o' },
      'setting FACTORY_SOURCE_REPOSITORY_URL: must be a GitHub repository URL: https://github.com/{owner}/{repo}',
    ],
    [
      { FACTORY_SOURCE_REPOSITORY: 'github', FACTORY_SOURCE_REPOSITORY_URL: 'https://github.com/o/r' },
      'setting FACTORY_GITHUB_TOKEN: is required when FACTORY_SOURCE_REPOSITORY is github',
    ],
    [
      {
        FACTORY_SOURCE_REPOSITORY: 'github',
        FACTORY_SOURCE_REPOSITORY_URL: 'https://github.com/o/r',
        FACTORY_GITHUB_TOKEN: `${token} x`,
      },
      'setting FACTORY_GITHUB_TOKEN: must not contain white space',
    ],
    [
      {
        FACTORY_SOURCE_REPOSITORY: 'github',
        FACTORY_SOURCE_REPOSITORY_URL: 'https://github.com/o/r',
        FACTORY_GITHUB_TOKEN: token,
        FACTORY_GITHUB_API_URL: 'http://api.example.com',
      },
      'setting FACTORY_GITHUB_API_URL: must use https (http only for a loopback host)',
    ],
  ])('refuse bad settings (case %#), naming the setting and not the token', (env, message) => {
    let thrown: unknown;
    try {
      readSourceRepositorySettings(env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SettingsError);
    expect((thrown as Error).message).toBe(message);
    expect((thrown as Error).message).not.toContain(token);
  });

  it('allow http only for loopback hosts', () => {
    for (const host of ['127.0.0.1:8080', 'localhost', '[::1]:9'])
      expect(
        readSourceRepositorySettings({
          FACTORY_SOURCE_REPOSITORY: 'azure-repos',
          FACTORY_SOURCE_REPOSITORY_URL: `http://${host}/o/p/_git/r`,
        }),
      ).toMatchObject({ kind: 'azure-repos', url: `http://${host}/o/p/_git/r` });
  });

  it('name run branches after the tenant, then the run', () => {
    expect(remoteRunBranch('acme', 'run-1')).toBe('factory/acme/run-1');
    expect(() => remoteRunBranch('acme/x', 'run-1')).toThrow(
      "tenant id 'acme/x' cannot be part of a repository path",
    );
    expect(() => remoteRunBranch('acme', '.hidden')).toThrow(
      "run id '.hidden' cannot be part of a repository path",
    );
  });
});

describe('lineChanges', () => {
  it('counts what git diff --numstat counts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'factory-numstat-'));
    // A small deterministic generator: lines drawn from a few values make many shared and moved lines.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    const text = (lines: number) =>
      Array.from({ length: lines }, () => `line ${next() % 6}`).join('\n') + (next() % 2 ? '\n' : '');
    for (let round = 0; round < 40; round++) {
      const before = text(next() % 30);
      const after = text(next() % 30);
      writeFileSync(join(dir, 'a'), before);
      writeFileSync(join(dir, 'b'), after);
      let out = '';
      try {
        out = execFileSync('git', ['diff', '--no-index', '--numstat', '--minimal', 'a', 'b'], {
          cwd: dir,
          encoding: 'utf8',
        });
      } catch (error) {
        out = (error as { stdout: string }).stdout;
      }
      const [added = '0', removed = '0'] = out.trim() ? out.split('\t') : [];
      expect([round, lineChanges(Buffer.from(before), Buffer.from(after))]).toEqual([
        round,
        { added: Number(added), removed: Number(removed) },
      ]);
    }
  });
});
