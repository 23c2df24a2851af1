import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const httpBackend = '/usr/lib/git-core/git-http-backend';

/** Handles a request the git bridge does not (the pull-request API); returns false when it is not its own. */
export type ExtraRoute = (request: IncomingMessage, body: Buffer, response: ServerResponse) => boolean;

export interface GitHttpServerOptions {
  /**
   * The token every request must carry, as `Bearer <token>` or as the password of HTTP basic authentication; or a
   * check of the token presented (an Entra ID token's audience, which changes with every token issued).
   */
  token: string | ((presented: string) => boolean);
  also?: ExtraRoute;
}

export interface GitHttpServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** The folder the bare repositories are in (`{org}/{project}/{repo}.git`, `{owner}/{repo}.git`). */
  root: string;
  /** Creates an empty bare repository served at `/{org}/{project}/_git/{repo}`; returns its URL and folder. */
  azureRepository(org: string, project: string, repo: string): { url: string; gitDir: string };
  /** Creates an empty bare repository served at `/{owner}/{repo}.git`; returns its URL (without `.git`) and folder. */
  githubRepository(owner: string, repo: string): { url: string; gitDir: string };
  /** Every request: method, path, whether it was let in. */
  requests: Array<{ method: string; path: string; authorized: boolean }>;
  stop(): Promise<void>;
}

/** Whether the Authorization header carries the token (bearer, or basic with the token as password). */
export function carriesToken(
  header: string | undefined,
  token: string | ((presented: string) => boolean),
): boolean {
  if (!header) return false;
  const [scheme, value = ''] = header.split(' ', 2);
  let presented: string | undefined;
  if (scheme.toLowerCase() === 'bearer') presented = value;
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    presented = decoded.slice(decoded.indexOf(':') + 1);
  }
  if (presented === undefined) return false;
  return typeof token === 'string' ? presented === token : token(presented);
}

const git = (...args: string[]) => execFileSync('git', args, { stdio: 'pipe', env: isolated() });
function isolated(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
}

/**
 * A Git smart-HTTP server on loopback: Debian's `git http-backend` (CGI) behind a small node HTTP bridge that
 * checks the Authorization header first (401 otherwise). It serves Azure Repos-shaped paths
 * (`/{org}/{project}/_git/{repo}/info/refs`, ...) and GitHub-shaped ones (`/{owner}/{repo}.git/...`).
 */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const root = mkdtempSync(join(tmpdir(), 'factory-git-server-'));
  const requests: GitHttpServer['requests'] = [];

  /** `{ repository folder under root, the git path after it }`, or undefined for paths that are not git's. */
  const route = (path: string): { project: string; rest: string } | undefined => {
    const azure =
      /^\/([^/]+)\/([^/]+)\/_git\/([^/]+)(\/(?:info\/refs|git-upload-pack|git-receive-pack))$/.exec(path);
    if (azure) return { project: `${azure[1]}/${azure[2]}/${azure[3]}.git`, rest: azure[4] };
    const github = /^\/([^/]+)\/([^/]+\.git)(\/(?:info\/refs|git-upload-pack|git-receive-pack))$/.exec(path);
    if (github) return { project: `${github[1]}/${github[2]}`, rest: github[3] };
    return undefined;
  };

  const bridge = (
    request: IncomingMessage,
    body: Buffer,
    response: ServerResponse,
    project: string,
    rest: string,
  ) => {
    const url = new URL(request.url ?? '/', 'http://loopback');
    const child = spawn(httpBackend, [], {
      env: {
        ...isolated(),
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: `/${project}${rest}`,
        REQUEST_METHOD: request.method ?? 'GET',
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: request.headers['content-type'] ?? '',
        CONTENT_LENGTH: String(body.length),
        REMOTE_USER: 'factory',
        REMOTE_ADDR: '127.0.0.1',
        ...(request.headers['git-protocol'] ? { GIT_PROTOCOL: String(request.headers['git-protocol']) } : {}),
        ...(request.headers['content-encoding']
          ? { HTTP_CONTENT_ENCODING: String(request.headers['content-encoding']) }
          : {}),
      },
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A CGI may answer without reading the whole body (a refused push); its answer is what counts.
    child.stdin.on('error', () => undefined);
    child.stdin.end(body);
    child.on('close', () => {
      const output = Buffer.concat(chunks);
      const split = output.indexOf('\r\n\r\n') >= 0 ? output.indexOf('\r\n\r\n') : output.indexOf('\n\n');
      const separator = output.indexOf('\r\n\r\n') >= 0 ? 4 : 2;
      const headers = output.subarray(0, split).toString('latin1').split(/\r?\n/);
      let status = 200;
      for (const line of headers) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
        else if (name) response.setHeader(name, value);
      }
      response.statusCode = status;
      response.end(output.subarray(split + separator));
    });
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = new URL(request.url ?? '/', 'http://loopback').pathname;
      const authorized = carriesToken(request.headers.authorization, options.token);
      requests.push({ method: request.method ?? 'GET', path, authorized });
      if (!authorized) {
        response.writeHead(401, { 'www-authenticate': 'Basic realm="git"', 'content-type': 'text/plain' });
        response.end('authentication required\n');
        return;
      }
      const git = route(path);
      if (git) bridge(request, body, response, git.project, git.rest);
      else if (!options.also?.(request, body, response)) {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('not found\n');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const bare = (project: string) => {
    const gitDir = join(root, project);
    mkdirSync(gitDir, { recursive: true });
    git('init', '--bare', '--quiet', '--initial-branch=main', gitDir);
    git('--git-dir', gitDir, 'config', 'http.receivepack', 'true');
    return gitDir;
  };
  return {
    origin,
    root,
    requests,
    azureRepository: (org, project, repo) => ({
      url: `${origin}/${org}/${project}/_git/${repo}`,
      gitDir: bare(`${org}/${project}/${repo}.git`),
    }),
    githubRepository: (owner, repo) => ({
      url: `${origin}/${owner}/${repo}`,
      gitDir: bare(`${owner}/${repo}.git`),
    }),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
