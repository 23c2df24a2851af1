import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentDefinition, ArtifactRef } from '../../../core/agent';
import type { ArtifactKind } from '../../../core/artifactKinds';
import { codeCommitter, type CommitRecord } from '../../../agents/architecture-to-development/codeCommitter';
import { databaseArchitect } from '../../../agents/architecture-to-development/databaseArchitect';
import { frontendDeveloper } from '../../../agents/architecture-to-development/frontendDeveloper';
import {
  pullRequestCreator,
  type PullRequestRecord,
} from '../../../agents/architecture-to-development/pullRequestCreator';
import { apiDesigner } from '../../../agents/vision-to-architecture/apiDesigner';
import { agentPortsFromSettings } from '../../../functions/compositionRoot';
import { sourceRepositoryFromSettings } from '../../../platform/git/sourceRepositorySettings';
import { FilesystemArtifactStore } from '../../../platform/artifacts/filesystemArtifactStore';
import { runAgents } from '../../support/agentHarness';
import { toolLibraryModel } from '../../support/fixtures/toolLibrary';
import { toolLibraryBacklog } from '../../support/fixtures/toolLibraryBacklog';
import { startGitHosting, type GitHosting } from '../../support/servers';

const token = 'ghs_agent-run-token';
let hosting: GitHosting;
beforeAll(async () => {
  hosting = await startGitHosting({ token });
});
afterAll(() => hosting.stop());

describe.each(['github', 'azure-repos'] as const)(
  'the Code Committer and the Pull Request Creator on %s',
  (flavour) => {
    it('commit on the tenant and run branch, open one pull request and record it, also when rerun', async () => {
      const { url, gitDir } =
        flavour === 'github'
          ? hosting.githubRepository('contoso', 'tool-library')
          : hosting.azureRepository('contoso', 'factory', 'tool-library');
      const home = mkdtempSync(join(tmpdir(), 'factory-home-'));
      // The composition root's choice from these settings, as on the Functions host; for Azure Repos with a
      // stand-in for the managed identity.
      const ports =
        flavour === 'github'
          ? agentPortsFromSettings(
              {
                FACTORY_SOURCE_REPOSITORY: 'github',
                FACTORY_SOURCE_REPOSITORY_URL: url,
                FACTORY_GITHUB_TOKEN: token,
                FACTORY_GITHUB_API_URL: hosting.githubApiUrl,
              },
              home,
            )
          : {
              ...agentPortsFromSettings({}, home),
              sourceRepository: sourceRepositoryFromSettings(
                { FACTORY_SOURCE_REPOSITORY: 'azure-repos', FACTORY_SOURCE_REPOSITORY_URL: url },
                home,
                () => ({ getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) }),
              ),
            };
      const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'factory-streams-')));
      const put = async (path: string, kind: ArtifactKind, content: unknown): Promise<ArtifactRef> => {
        const entry = await store.put('test', 'run-1', path, JSON.stringify(content), {
          kind,
          phase: 'input',
          agent: 'test',
          contentType: 'application/json',
        });
        return { path: entry.path, sha256: entry.sha256, kind };
      };
      const inputs = [
        await put('inputs/domain-model.json', 'domain-model', toolLibraryModel),
        await put('inputs/backlog.json', 'backlog', toolLibraryBacklog),
      ];
      const agents = [apiDesigner, frontendDeveloper, databaseArchitect, codeCommitter, pullRequestCreator];
      const run = await runAgents(agents as Array<AgentDefinition<unknown>>, {
        visionText: 'A tool library.',
        store,
        inputs,
        ports,
      });

      const git = (...args: string[]) =>
        execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8' });
      const record = await run.json<CommitRecord>('commit');
      expect(record).toMatchObject({
        repository: flavour === 'github' ? `${url}.git` : url,
        branch: 'factory/test/run-1',
      });
      expect(record.head).toBe(git('rev-parse', 'factory/test/run-1').trim());
      // The branch starts from main, which the factory created empty in the empty repository.
      expect(record.base).toBe(git('rev-parse', 'main').trim());
      expect(
        git('log', '--format=%s|%an <%ae>', `${record.base}..factory/test/run-1`).trim().split('\n'),
      ).toEqual([
        'feat(database): add database migrations and seed data for lending, membership|Software Factory <factory@localhost>',
        'feat(frontend): add web client|Software Factory <factory@localhost>',
      ]);

      const pr = await run.json<PullRequestRecord>('pull-request');
      const mine = () =>
        hosting.api.pullRequests.filter(
          (p) => p.flavour === flavour && p.repository.endsWith('/tool-library'),
        );
      const opened = mine();
      expect(opened).toHaveLength(1);
      expect(opened[0]).toMatchObject({ source: 'factory/test/run-1', target: 'main', title: pr.title });
      expect(opened[0].description).toBe(pr.description);
      expect(pr.opened).toEqual({
        url:
          flavour === 'github'
            ? `${hosting.origin}/contoso/tool-library/pull/${opened[0].id}`
            : `${url}/pullrequest/${opened[0].id}`,
        id: String(opened[0].id),
      });
      expect(pr).toMatchObject({ sourceBranch: 'factory/test/run-1', targetBranch: 'main' });
      expect(await run.text('pull-request')).not.toContain(token);
      // The per-file counts are git's own, from the base branch to the head.
      const numstat = git('diff', '--numstat', record.base!, record.head)
        .trim()
        .split('\n')
        .map((line) => line.split('\t'));
      expect(pr.files.map((f) => [String(f.added), String(f.removed), f.path])).toEqual(numstat);

      // A rerun of both agents (an activity retried) commits nothing, opens nothing and writes the same records.
      const again = await runAgents([codeCommitter, pullRequestCreator] as Array<AgentDefinition<unknown>>, {
        visionText: 'A tool library.',
        store,
        inputs: run.refs.slice(1),
        ports,
      });
      expect(await again.json<CommitRecord>('commit')).toEqual(record);
      expect(await again.json<PullRequestRecord>('pull-request')).toEqual(pr);
      expect(mine()).toHaveLength(1);
      expect(git('rev-parse', 'factory/test/run-1').trim()).toBe(record.head);
    });
  },
);
