import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExtraRoute } from './gitHttpServer';

export interface FakePullRequest {
  flavour: 'azure-repos' | 'github';
  /** `org/project/repo` or `owner/repo`. */
  repository: string;
  id: number;
  source: string;
  target: string;
  title: string;
  description: string;
  active: boolean;
}

export interface PullRequestApi {
  route: ExtraRoute;
  /** Every call, in order: method and path with query. */
  requests: Array<{ method: string; url: string }>;
  pullRequests: FakePullRequest[];
}

const json = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

/**
 * The pull-request calls of Azure DevOps (REST 7.1, `/{org}/{project}/_apis/git/repositories/{repo}/pullrequests`)
 * and GitHub (`/api/v3/repos/{owner}/{repo}/pulls`, GitHub Enterprise's API base), in their documented shapes,
 * including their refusal of a second active pull request for the same branches. `branchExists` says whether a
 * branch is in the repository (both services refuse a pull request from or to a missing branch).
 */
export function pullRequestApi(
  branchExists: (repository: string, branch: string) => boolean,
): PullRequestApi {
  const requests: PullRequestApi['requests'] = [];
  const pullRequests: FakePullRequest[] = [];

  const azure = (
    request: IncomingMessage,
    body: Buffer,
    response: ServerResponse,
    url: URL,
    parts: string[],
  ) => {
    const [org, project, repo] = parts;
    const repository = `${org}/${project}/${repo}`;
    if (url.searchParams.get('api-version') !== '7.1')
      return json(response, 400, { message: 'api-version 7.1 is expected' });
    const shape = (pr: FakePullRequest) => ({
      pullRequestId: pr.id,
      status: pr.active ? 'active' : 'completed',
      sourceRefName: `refs/heads/${pr.source}`,
      targetRefName: `refs/heads/${pr.target}`,
      title: pr.title,
      description: pr.description,
      repository: {
        name: repo,
        project: { name: project },
        webUrl: `${url.origin}/${org}/${project}/_git/${repo}`,
      },
      url: `${url.origin}${url.pathname}/${pr.id}`,
    });
    const mine = pullRequests.filter((pr) => pr.flavour === 'azure-repos' && pr.repository === repository);
    if (request.method === 'GET') {
      const status = url.searchParams.get('searchCriteria.status');
      const found = mine.filter(
        (pr) =>
          (!url.searchParams.get('searchCriteria.sourceRefName') ||
            `refs/heads/${pr.source}` === url.searchParams.get('searchCriteria.sourceRefName')) &&
          (!url.searchParams.get('searchCriteria.targetRefName') ||
            `refs/heads/${pr.target}` === url.searchParams.get('searchCriteria.targetRefName')) &&
          (status !== 'active' || pr.active),
      );
      return json(response, 200, { value: found.map(shape), count: found.length });
    }
    const input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const ref = (value: unknown) =>
      typeof value === 'string' && value.startsWith('refs/heads/') ? value.slice(11) : undefined;
    const source = ref(input.sourceRefName);
    const target = ref(input.targetRefName);
    if (!source || !target || typeof input.title !== 'string')
      return json(response, 400, {
        message: 'sourceRefName, targetRefName (refs/heads/...) and title are required',
      });
    if (!branchExists(repository, source) || !branchExists(repository, target))
      return json(response, 400, {
        message:
          'TF401398: The pull request cannot be activated because the source and/or the target branch no longer exists',
      });
    if (typeof input.description === 'string' && input.description.length > 4000)
      return json(response, 400, { message: 'The description is longer than 4000 characters' });
    if (mine.some((pr) => pr.active && pr.source === source && pr.target === target))
      return json(response, 409, {
        message: 'TF401179: An active pull request for the source and target branch already exists.',
      });
    const pr: FakePullRequest = {
      flavour: 'azure-repos',
      repository,
      id: pullRequests.length + 1,
      source,
      target,
      title: input.title,
      description: String(input.description ?? ''),
      active: true,
    };
    pullRequests.push(pr);
    return json(response, 201, shape(pr));
  };

  const github = (
    request: IncomingMessage,
    body: Buffer,
    response: ServerResponse,
    url: URL,
    parts: string[],
  ) => {
    const [owner, repo] = parts;
    const repository = `${owner}/${repo}`;
    const shape = (pr: FakePullRequest) => ({
      id: 1000 + pr.id,
      number: pr.id,
      state: pr.active ? 'open' : 'closed',
      title: pr.title,
      body: pr.description,
      head: { ref: pr.source, label: `${owner}:${pr.source}` },
      base: { ref: pr.target },
      html_url: `${url.origin}/${owner}/${repo}/pull/${pr.id}`,
      url: `${url.origin}${url.pathname}/${pr.id}`,
    });
    const mine = pullRequests.filter((pr) => pr.flavour === 'github' && pr.repository === repository);
    if (request.method === 'GET') {
      const head = url.searchParams.get('head');
      const base = url.searchParams.get('base');
      const state = url.searchParams.get('state') ?? 'open';
      return json(
        response,
        200,
        mine
          .filter(
            (pr) =>
              (!head || `${owner}:${pr.source}` === head) &&
              (!base || pr.target === base) &&
              (state === 'all' || (state === 'open') === pr.active),
          )
          .map(shape),
      );
    }
    const input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    if (typeof input.title !== 'string' || typeof input.head !== 'string' || typeof input.base !== 'string')
      return json(response, 422, {
        message: 'Validation Failed',
        errors: [{ resource: 'PullRequest', code: 'missing_field' }],
      });
    if (!branchExists(repository, input.head) || !branchExists(repository, input.base))
      return json(response, 422, {
        message: 'Validation Failed',
        errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }],
      });
    if (mine.some((pr) => pr.active && pr.source === input.head && pr.target === input.base))
      return json(response, 422, {
        message: 'Validation Failed',
        errors: [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${owner}:${input.head}.`,
          },
        ],
      });
    const pr: FakePullRequest = {
      flavour: 'github',
      repository,
      id: pullRequests.length + 1,
      source: input.head,
      target: input.base,
      title: input.title,
      description: String(input.body ?? ''),
      active: true,
    };
    pullRequests.push(pr);
    return json(response, 201, shape(pr));
  };

  const route: ExtraRoute = (request, body, response) => {
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'loopback'}`);
    const azurePath = /^\/([^/]+)\/([^/]+)\/_apis\/git\/repositories\/([^/]+)\/pullrequests$/.exec(
      url.pathname,
    );
    const githubPath = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(url.pathname);
    if ((!azurePath && !githubPath) || (request.method !== 'GET' && request.method !== 'POST')) return false;
    requests.push({ method: request.method, url: `${url.pathname}${url.search}` });
    if (azurePath) azure(request, body, response, url, azurePath.slice(1));
    else github(request, body, response, url, githubPath!.slice(1));
    return true;
  };
  return { route, requests, pullRequests };
}
