/**
 * The source repository port: where the generated product's code is committed. Locally a bare git repository
 * per run (`localGitRepository.ts`); in Azure an Azure Repos or GitHub repository reached over Git smart HTTP
 * (`remoteGitRepository.ts`), which also opens pull requests (docs/adr/0040-source-repository.md).
 */
export interface Author {
  name: string;
  email: string;
}

export interface CommitRequest {
  branch: string;
  /** Files to place at these paths (`/`-separated, relative to the repository root). */
  files: Array<{ path: string; content: string | Buffer }>;
  message: string;
  author: Author;
  /** Author and committer date, ISO 8601; fixed dates make identical content produce identical commits. */
  date?: string;
  /**
   * Folders this commit owns: files under them that are not in `files` are deleted (a file a generator no
   * longer produces disappears). Paths outside every scope are left alone.
   */
  scopes?: string[];
}

export interface CommitResult {
  /** The branch head after the call. */
  sha: string;
  /** False when the tree did not change, so no commit was made (idempotent reruns). */
  created: boolean;
  /** The head before the call; undefined for a new branch. */
  parent?: string;
}

export interface FileChange {
  path: string;
  /** Lines added and removed; undefined for binary files. */
  added?: number;
  removed?: number;
  binary: boolean;
}

export interface LogEntry {
  sha: string;
  parents: string[];
  subject: string;
  body: string;
  author: Author;
  date: string;
}

export interface PullRequestRequest {
  /** The branch with the changes. */
  source: string;
  /** The branch they are to be merged into. */
  target: string;
  title: string;
  /** Markdown. */
  description: string;
}

export interface OpenedPullRequest {
  /** Where people review it. */
  url: string;
  /** The hosting service's number for it. */
  id: string;
  /** False when an active pull request from `source` to `target` already existed and is returned instead. */
  created: boolean;
}

export interface SourceRepository {
  /** Where the repository is (path or URL), for artifacts and people. */
  readonly location: string;
  /**
   * The branch a run's code goes to when the repository decides it: a remote shared by tenants names it after
   * the tenant and the run. Absent: the committer's own `factory/<runId>` (one repository per run).
   */
  readonly runBranch?: string;
  /** The branch pull requests target; absent: `main`. */
  readonly baseBranch?: string;
  /**
   * Where a new run branch starts, and what its pull request targets: the branch of the release a change run
   * follows, so that its commits and pull request hold the change only. Absent: the base branch (or, locally, an
   * empty history).
   */
  readonly startBranch?: string;
  commitFiles(request: CommitRequest): Promise<CommitResult>;
  /** Per-file line changes from `base` (undefined = the empty tree) to `head`, like `git diff --numstat`. */
  diffStat(base: string | undefined, head: string): Promise<FileChange[]>;
  /** Commits reachable from `ref`, newest first. */
  log(ref: string, limit?: number): Promise<LogEntry[]>;
  /** The commit a branch points at; undefined when the branch does not exist. */
  head(branch: string): Promise<string | undefined>;
  /**
   * Opens a pull request on the hosting service, or returns the active one from `source` to `target`. Absent
   * where there is no hosting service (the local adapter): the pull request is then only a record.
   */
  openPullRequest?(request: PullRequestRequest): Promise<OpenedPullRequest>;
}
