import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import type {
  CommitRequest,
  CommitResult,
  FileChange,
  LogEntry,
  OpenedPullRequest,
  PullRequestRequest,
  SourceRepository,
} from '../../core/ports/sourceRepository';
import { isBinary, lineChanges } from './lineChanges';
import { assertCommitPath } from './repositoryNames';

const zero = '0'.repeat(40);
/** How far back diffStat and log read a branch: a run makes a few commits per attempt. */
const historyDepth = 200;

/** The scratch folders' prefix: each call makes one under os.tmpdir() and removes it before returning. */
export const scratchPrefix = 'factory-remote-git-';

/** Opens pull requests on the hosting service (Azure Repos or GitHub). */
export interface PullRequestService {
  open(request: PullRequestRequest): Promise<OpenedPullRequest>;
}

export interface RemoteRepositoryOptions {
  /** The repository's Git smart HTTP URL, without credentials. */
  url: string;
  /** The `Authorization` header value for each call (a fresh token each time; never logged). */
  authorization: () => Promise<string>;
  /** The run's branch, e.g. `factory/<tenant>/<runId>`. */
  runBranch: string;
  /** The only branches this adapter writes to start with this (a tenant's own namespace, e.g. `factory/<tenant>/`). */
  writablePrefix: string;
  /** Where pull requests go and new run branches start; created with an empty first commit on an empty remote. */
  baseBranch: string;
  /** Where a new run branch starts instead, when it exists (`SourceRepository.startBranch`). */
  startBranch?: string;
  pullRequests?: PullRequestService;
}

/** Git's rules for branch names, in the subset the factory produces. */
function assertBranch(branch: string): void {
  const valid =
    /^[A-Za-z0-9._/-]+$/.test(branch) &&
    branch.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock')) &&
    !branch.includes('..') &&
    !branch.endsWith('.');
  if (!valid) throw new Error(`'${branch}' is not a valid branch name`);
}

/** git's `%aI`: ISO 8601 with the author's offset. */
function isoDate(timestamp: number, timezoneOffset: number): string {
  // isomorphic-git's offset has Date.getTimezoneOffset's sign: positive is behind UTC.
  const local = new Date((timestamp - timezoneOffset * 60) * 1000).toISOString().slice(0, 19);
  const ahead = -timezoneOffset;
  const pad = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  return `${local}${ahead < 0 ? '-' : '+'}${pad(ahead / 60)}:${pad(ahead % 60)}`;
}

type Entry = { mode: string; oid: string };
type Identity = { name: string; email: string; timestamp: number; timezoneOffset: number };

/**
 * The generated product's repository on a Git hosting service (Azure Repos, GitHub), spoken to over Git smart
 * HTTP with isomorphic-git. Nothing is kept between calls: each one fetches what it needs (shallow) into a scratch
 * folder under os.tmpdir(), builds objects with git's object APIs (no working tree) and removes the folder. A
 * commit is pushed only if the branch still points where it was read, so a concurrent writer makes it fail.
 */
export class RemoteGitRepository implements SourceRepository {
  readonly location: string;
  readonly runBranch: string;
  readonly baseBranch: string;
  readonly startBranch?: string;
  readonly openPullRequest?: (request: PullRequestRequest) => Promise<OpenedPullRequest>;

  constructor(private readonly options: RemoteRepositoryOptions) {
    this.location = options.url;
    this.runBranch = options.runBranch;
    this.baseBranch = options.baseBranch;
    assertBranch(options.runBranch);
    assertBranch(options.baseBranch);
    if (options.startBranch) {
      assertBranch(options.startBranch);
      this.startBranch = options.startBranch;
    }
    const service = options.pullRequests;
    if (service)
      this.openPullRequest = async (request) => {
        this.assertWritable(request.source);
        assertBranch(request.target);
        return this.remote('open a pull request', () => service.open(request));
      };
  }

  private assertWritable(branch: string): void {
    assertBranch(branch);
    if (!branch.startsWith(this.options.writablePrefix))
      throw new Error(
        `branch '${branch}' is outside '${this.options.writablePrefix}', the only branches written here`,
      );
  }

  /** Runs a call against the remote; its errors name what failed and never carry the credentials. */
  private async remote<T>(what: string, call: (headers: Record<string, string>) => Promise<T>): Promise<T> {
    const authorization = await this.options.authorization();
    try {
      return await call({ Authorization: authorization });
    } catch (error) {
      const data = (error as { data?: { statusCode?: number; statusMessage?: string } }).data;
      const status = data?.statusCode
        ? `HTTP ${data.statusCode} ${data.statusMessage ?? ''}`.trim()
        : (error as Error).message;
      const hint =
        data?.statusCode === 401 || data?.statusCode === 403 ? ' (the credentials were refused)' : '';
      const secret = authorization.replace(/^\S+\s+/, '');
      throw new Error(`could not ${what} at ${this.location}: ${status}${hint}`.split(secret).join('***'));
    }
  }

  /** A scratch bare repository for one call, removed afterwards whatever happens. */
  private async scratch<T>(work: (gitdir: string) => Promise<T>): Promise<T> {
    const gitdir = await mkdtemp(join(tmpdir(), scratchPrefix));
    try {
      await git.init({ fs, gitdir, bare: true, defaultBranch: this.baseBranch });
      await git.addRemote({ fs, gitdir, remote: 'origin', url: this.location });
      return await work(gitdir);
    } finally {
      await rm(gitdir, { recursive: true, force: true });
    }
  }

  private async refs(): Promise<Map<string, string>> {
    const refs = await this.remote('list the branches', (headers) =>
      git.listServerRefs({ http, url: this.location, headers, protocolVersion: 1, prefix: 'refs/heads/' }),
    );
    return new Map(refs.map((ref) => [ref.ref.replace(/^refs\/heads\//, ''), ref.oid]));
  }

  private fetch(gitdir: string, branch: string, depth: number): Promise<unknown> {
    return this.remote(`fetch ${branch}`, (headers) =>
      git.fetch({
        fs,
        http,
        gitdir,
        remote: 'origin',
        ref: branch,
        depth,
        singleBranch: true,
        tags: false,
        headers,
      }),
    );
  }

  /** Moves `branch` from `expected` (undefined: absent) to the local commit `sha`, or fails. */
  private async push(
    gitdir: string,
    branch: string,
    sha: string,
    expected: string | undefined,
  ): Promise<void> {
    await git.writeRef({ fs, gitdir, ref: `refs/heads/${branch}`, value: sha, force: true });
    const result = await this.remote(`push ${branch}`, (headers) =>
      git
        .push({
          fs,
          http,
          gitdir,
          remote: 'origin',
          ref: branch,
          remoteRef: branch,
          headers,
          // Compare-and-swap: the server moves the ref only from the value advertised here, which must be the
          // head this commit was built on.
          onPrePush: ({ remoteRef }) => remoteRef.oid === (expected ?? zero),
        })
        .catch((error: Error) => {
          if ((error as { code?: string }).code === 'UserCanceledError')
            throw new Error(
              `${branch} moved while this commit was made (a concurrent push); nothing was pushed`,
            );
          throw error;
        }),
    );
    const refResult = result.refs?.[`refs/heads/${branch}`];
    if (!result.ok || (refResult && !refResult.ok))
      throw new Error(
        `the push to ${branch} was refused: ${refResult?.error ?? result.error ?? 'no reason given'}`,
      );
  }

  /** The base branch's head, creating the branch with an empty first commit when the remote has none. */
  private async baseHead(gitdir: string, refs: Map<string, string>, identity: Identity): Promise<string> {
    const found = refs.get(this.baseBranch);
    if (found) return found;
    const tree = await git.writeTree({ fs, gitdir, tree: [] });
    const sha = await git.writeCommit({
      fs,
      gitdir,
      commit: {
        tree,
        parent: [],
        author: identity,
        committer: identity,
        message: 'chore: start the repository\n',
      },
    });
    await this.push(gitdir, this.baseBranch, sha, undefined);
    return sha;
  }

  async head(branch: string): Promise<string | undefined> {
    return (await this.refs()).get(branch);
  }

  private async flatten(gitdir: string, tree: string, prefix = '', into = new Map<string, Entry>()) {
    for (const entry of (await git.readTree({ fs, gitdir, oid: tree })).tree) {
      const path = `${prefix}${entry.path}`;
      if (entry.type === 'tree') await this.flatten(gitdir, entry.oid, `${path}/`, into);
      else into.set(path, { mode: entry.mode, oid: entry.oid });
    }
    return into;
  }

  /** Writes the nested trees for a flat map of paths; returns the root tree's id. */
  private async writeTrees(gitdir: string, files: Map<string, Entry>): Promise<string> {
    type Folder = { files: Map<string, Entry>; folders: Map<string, Folder> };
    const root: Folder = { files: new Map(), folders: new Map() };
    for (const [path, entry] of files) {
      const parts = path.split('/');
      let folder = root;
      for (const part of parts.slice(0, -1)) {
        if (!folder.folders.has(part)) folder.folders.set(part, { files: new Map(), folders: new Map() });
        folder = folder.folders.get(part)!;
      }
      folder.files.set(parts[parts.length - 1], entry);
    }
    const write = async (folder: Folder): Promise<string> => {
      const tree = [...folder.files].map(([path, entry]) => ({
        path,
        mode: entry.mode,
        oid: entry.oid,
        type: (entry.mode === '160000' ? 'commit' : 'blob') as 'commit' | 'blob',
      }));
      for (const [path, sub] of folder.folders)
        tree.push({ path, mode: '040000', oid: await write(sub), type: 'tree' as 'blob' });
      return git.writeTree({ fs, gitdir, tree });
    };
    return write(root);
  }

  async commitFiles(request: CommitRequest): Promise<CommitResult> {
    this.assertWritable(request.branch);
    for (const file of request.files) assertCommitPath(file.path);
    const date = request.date ?? new Date().toISOString();
    if (Number.isNaN(Date.parse(date))) throw new Error(`'${date}' is not an ISO 8601 date`);
    return this.scratch(async (gitdir) => {
      const refs = await this.refs();
      const parent = refs.get(request.branch);
      // A new run branch starts from the base branch, so its pull request has a common history with it.
      const identity = {
        name: request.author.name,
        email: request.author.email,
        timestamp: Math.floor(Date.parse(date) / 1000),
        timezoneOffset: 0,
      };
      const from = this.startBranch && refs.has(this.startBranch) ? this.startBranch : undefined;
      const start = parent ?? (from ? refs.get(from)! : await this.baseHead(gitdir, refs, identity));
      await this.fetch(gitdir, parent ? request.branch : (from ?? this.baseBranch), 1);
      const startTree = (await git.readCommit({ fs, gitdir, oid: start })).commit.tree;
      const files = await this.flatten(gitdir, startTree);
      const wanted = new Set(request.files.map((file) => file.path));
      const scopes = (request.scopes ?? []).map((scope) => scope.replace(/\/+$/, ''));
      for (const path of [...files.keys()])
        if (!wanted.has(path) && scopes.some((scope) => path === scope || path.startsWith(`${scope}/`)))
          files.delete(path);
      for (const file of request.files) {
        const blob = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
        files.set(file.path, { mode: '100644', oid: await git.writeBlob({ fs, gitdir, blob }) });
      }
      const tree = await this.writeTrees(gitdir, files);
      if (tree === startTree) {
        if (!parent) await this.push(gitdir, request.branch, start, undefined);
        return { sha: start, created: false, parent: start };
      }
      const sha = await git.writeCommit({
        fs,
        gitdir,
        commit: { tree, parent: [start], author: identity, committer: identity, message: request.message },
      });
      await this.push(gitdir, request.branch, sha, parent);
      return { sha, created: true, parent: start };
    });
  }

  /** Fetches the run's branch, and the base branch when a wanted commit is not on it. */
  private async fetchHistory(gitdir: string, wanted: string[]): Promise<void> {
    const missing = async () => {
      const absent = [];
      for (const oid of wanted)
        if (
          !(await git.readCommit({ fs, gitdir, oid }).then(
            () => true,
            () => false,
          ))
        )
          absent.push(oid);
      return absent;
    };
    const refs = await this.refs();
    for (const branch of [this.runBranch, ...(this.startBranch ? [this.startBranch] : []), this.baseBranch]) {
      if (!refs.has(branch)) continue;
      await this.fetch(gitdir, branch, historyDepth);
      if ((await missing()).length === 0) return;
    }
    const absent = await missing();
    if (absent.length)
      throw new Error(
        `${absent.join(', ')} is not in the last ${historyDepth} commits of ${this.runBranch} or ${this.baseBranch}`,
      );
  }

  async diffStat(base: string | undefined, head: string): Promise<FileChange[]> {
    return this.scratch(async (gitdir) => {
      await this.fetchHistory(gitdir, base ? [base, head] : [head]);
      const tree = async (oid: string | undefined) =>
        oid
          ? this.flatten(gitdir, (await git.readCommit({ fs, gitdir, oid })).commit.tree)
          : new Map<string, Entry>();
      const before = await tree(base);
      const after = await tree(head);
      const read = async (entry: Entry | undefined) =>
        entry ? (await git.readBlob({ fs, gitdir, oid: entry.oid })).blob : new Uint8Array();
      const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
      const changes: FileChange[] = [];
      for (const path of paths) {
        const old = before.get(path);
        const now = after.get(path);
        if (old?.oid === now?.oid && old?.mode === now?.mode) continue;
        const [a, b] = [await read(old), await read(now)];
        if (isBinary(a) || isBinary(b))
          changes.push({ path, binary: true, added: undefined, removed: undefined });
        else changes.push({ path, binary: false, ...lineChanges(a, b) });
      }
      return changes;
    });
  }

  async log(ref: string, limit = 100): Promise<LogEntry[]> {
    return this.scratch(async (gitdir) => {
      let oid = ref;
      if (!/^[0-9a-f]{40}$/.test(ref)) {
        const found = (await this.refs()).get(ref);
        if (!found) throw new Error(`no branch '${ref}' at ${this.location}`);
        await this.fetch(gitdir, ref, limit);
        oid = found;
      } else await this.fetchHistory(gitdir, [ref]);
      const commits = await git.log({ fs, gitdir, ref: oid, depth: limit });
      return commits.map(({ oid: sha, commit }) => {
        const [first, ...rest] = commit.message.split(/\n\n/);
        return {
          sha,
          parents: commit.parent,
          subject: first.trim().replace(/\n/g, ' '),
          body: rest.join('\n\n').trim(),
          author: { name: commit.author.name, email: commit.author.email },
          date: isoDate(commit.author.timestamp, commit.author.timezoneOffset),
        };
      });
    });
  }
}
