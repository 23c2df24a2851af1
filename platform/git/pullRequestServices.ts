import type { OpenedPullRequest, PullRequestRequest } from '../../core/ports/sourceRepository';
import type { PullRequestService } from './remoteGitRepository';

/** Azure DevOps keeps at most this many characters of a pull request's description. */
const azureDescriptionLimit = 4000;

/** One JSON call; a refusal names the call and status, never the request's credentials. */
async function call<T>(
  what: string,
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: unknown },
): Promise<T> {
  const response = await fetch(url, {
    method: init.method,
    headers: {
      accept: 'application/json',
      ...init.headers,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!response.ok) {
    const secret = init.headers.authorization?.replace(/^\S+\s+/, '');
    const detail = (await response.text()).slice(0, 300).replace(/\s+/g, ' ');
    const message = `${what}: HTTP ${response.status}${detail ? ` ${detail}` : ''}`;
    throw new Error(secret ? message.split(secret).join('***') : message);
  }
  return (await response.json()) as T;
}

export interface AzureReposPullRequestsOptions {
  /** `https://dev.azure.com/{org}/{project}/_git/{repo}` */
  repositoryUrl: string;
  authorization: () => Promise<string>;
}

interface AzurePullRequest {
  pullRequestId: number;
  repository?: { webUrl?: string };
}

/**
 * Pull requests on Azure Repos (REST API 7.1): `GET .../pullrequests` with search criteria finds the active
 * one for the same branches; otherwise `POST .../pullrequests` creates it. The API base is the repository URL's
 * `{org}/{project}` with `_apis/git/repositories/{repo}`.
 */
export function azureReposPullRequests(options: AzureReposPullRequestsOptions): PullRequestService {
  const url = new URL(options.repositoryUrl);
  const match = /^\/([^/]+)\/([^/]+)\/_git\/([^/]+)\/?$/.exec(url.pathname);
  if (!match)
    throw new Error(`${options.repositoryUrl} is not an Azure Repos URL (…/{org}/{project}/_git/{repo})`);
  const api = `${url.origin}/${match[1]}/${match[2]}/_apis/git/repositories/${match[3]}/pullrequests`;
  const webUrl = (found: AzurePullRequest) =>
    `${found.repository?.webUrl ?? options.repositoryUrl.replace(/\/$/, '')}/pullrequest/${found.pullRequestId}`;
  return {
    async open(request: PullRequestRequest): Promise<OpenedPullRequest> {
      const headers = { authorization: await options.authorization() };
      const sourceRefName = `refs/heads/${request.source}`;
      const targetRefName = `refs/heads/${request.target}`;
      const query = new URLSearchParams({
        'searchCriteria.sourceRefName': sourceRefName,
        'searchCriteria.targetRefName': targetRefName,
        'searchCriteria.status': 'active',
        'api-version': '7.1',
      });
      const existing = await call<{ value: AzurePullRequest[] }>('listing pull requests', `${api}?${query}`, {
        method: 'GET',
        headers,
      });
      const active = existing.value?.[0];
      if (active) return { url: webUrl(active), id: String(active.pullRequestId), created: false };
      const created = await call<AzurePullRequest>('creating the pull request', `${api}?api-version=7.1`, {
        method: 'POST',
        headers,
        body: {
          sourceRefName,
          targetRefName,
          title: request.title,
          description: request.description.slice(0, azureDescriptionLimit),
        },
      });
      return { url: webUrl(created), id: String(created.pullRequestId), created: true };
    },
  };
}

export interface GitHubPullRequestsOptions {
  /** `https://github.com/{owner}/{repo}` */
  repositoryUrl: string;
  /** `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server. */
  apiUrl: string;
  authorization: () => Promise<string>;
}

interface GitHubPullRequest {
  number: number;
  html_url: string;
}

/**
 * Pull requests on GitHub (REST API 2022-11-28): `GET /repos/{owner}/{repo}/pulls?head=owner:branch&base=…&state=open`
 * finds the open one; otherwise `POST /repos/{owner}/{repo}/pulls` creates it.
 */
export function gitHubPullRequests(options: GitHubPullRequestsOptions): PullRequestService {
  const match = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(new URL(options.repositoryUrl).pathname);
  if (!match) throw new Error(`${options.repositoryUrl} is not a GitHub repository URL (…/{owner}/{repo})`);
  const [, owner, repo] = match;
  const api = `${options.apiUrl.replace(/\/+$/, '')}/repos/${owner}/${repo}/pulls`;
  return {
    async open(request: PullRequestRequest): Promise<OpenedPullRequest> {
      const headers = {
        authorization: await options.authorization(),
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
      };
      const query = new URLSearchParams({
        head: `${owner}:${request.source}`,
        base: request.target,
        state: 'open',
      });
      const open = await call<GitHubPullRequest[]>('listing pull requests', `${api}?${query}`, {
        method: 'GET',
        headers,
      });
      if (open[0]) return { url: open[0].html_url, id: String(open[0].number), created: false };
      const created = await call<GitHubPullRequest>('creating the pull request', api, {
        method: 'POST',
        headers,
        body: { title: request.title, head: request.source, base: request.target, body: request.description },
      });
      return { url: created.html_url, id: String(created.number), created: true };
    },
  };
}
