import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startGitHttpServer, type GitHttpServer } from './gitHttpServer';
import { pullRequestApi, type PullRequestApi } from './pullRequestApi';

export interface GitHosting extends GitHttpServer {
  /** GitHub's REST API base on this server (GitHub Enterprise's `/api/v3` form). */
  githubApiUrl: string;
  api: PullRequestApi;
}

/**
 * A loopback Git hosting service: the git smart-HTTP bridge and the pull-request API of Azure DevOps and GitHub
 * on one port, behind one token, so the pull-request calls see the branches the pushes made.
 */
export async function startGitHosting(options: {
  token: string | ((presented: string) => boolean);
}): Promise<GitHosting> {
  let root = '';
  const branchExists = (repository: string, branch: string) => {
    const gitDir = join(root, repository.endsWith('.git') ? repository : `${repository}.git`);
    if (!existsSync(gitDir)) return false;
    try {
      execFileSync('git', ['--git-dir', gitDir, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], {
        stdio: 'pipe',
      });
      return true;
    } catch {
      return false;
    }
  };
  const api = pullRequestApi(branchExists);
  const server = await startGitHttpServer({ token: options.token, also: api.route });
  root = server.root;
  return { ...server, githubApiUrl: `${server.origin}/api/v3`, api };
}
