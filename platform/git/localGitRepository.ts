import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type {
  CommitRequest,
  CommitResult,
  FileChange,
  LogEntry,
  SourceRepository,
} from '../../core/ports/sourceRepository';
import { assertCommitPath, nameSegment } from './repositoryNames';

/** The tree of an empty repository: git's well-known empty tree object. */
const emptyTree = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export interface LocalRepositoryOptions {
  /** The factory's home folder (FACTORY_HOME, as the composition root reads it). */
  home: string;
  tenantId: string;
  runId: string;
  /** Where a new branch starts (`SourceRepository.startBranch`). */
  startBranch?: string;
}

/** `<home>/repos/<tenant>/<runId>.git` */
export function repositoryPath(options: LocalRepositoryOptions): string {
  return resolve(
    options.home,
    'repos',
    nameSegment(options.tenantId, 'tenant id'),
    `${nameSegment(options.runId, 'run id')}.git`,
  );
}

interface GitResult {
  stdout: string;
  stderr: string;
}

/**
 * A bare git repository on the local disk, written with git's plumbing commands (hash-object, update-index,
 * write-tree, commit-tree, update-ref): no working tree, no checkout, so concurrent reads never see a half
 * written state and a commit is one atomic ref update.
 */
export class LocalGitRepository implements SourceRepository {
  readonly location: string;

  constructor(
    gitDir: string,
    readonly startBranch?: string,
  ) {
    this.location = gitDir;
  }

  static async open(options: LocalRepositoryOptions): Promise<LocalGitRepository> {
    return LocalGitRepository.at(repositoryPath(options), options.startBranch);
  }

  /** Opens (creating when missing) the bare repository at a path. */
  static async at(gitDir: string, startBranch?: string): Promise<LocalGitRepository> {
    mkdirSync(gitDir, { recursive: true });
    const repo = new LocalGitRepository(gitDir, startBranch);
    await repo.git(['init', '--bare', '--quiet', '--initial-branch=main']);
    return repo;
  }

  private git(
    args: string[],
    options: { input?: string; env?: Record<string, string> } = {},
  ): Promise<GitResult> {
    return new Promise((resolvePromise, reject) => {
      const child = execFile(
        'git',
        ['--git-dir', this.location, ...args],
        {
          maxBuffer: 256 * 1024 * 1024,
          // Isolated from the machine's git configuration: results do not depend on who runs the factory.
          env: {
            ...process.env,
            GIT_CONFIG_NOSYSTEM: '1',
            GIT_CONFIG_GLOBAL: '/dev/null',
            GIT_TERMINAL_PROMPT: '0',
            ...options.env,
          },
        },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`git ${args[0]} failed: ${stderr.trim() || error.message}`));
          else resolvePromise({ stdout, stderr });
        },
      );
      if (options.input !== undefined) child.stdin?.end(options.input);
    });
  }

  async head(branch: string): Promise<string | undefined> {
    try {
      return (
        (
          await this.git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`])
        ).stdout.trim() || undefined
      );
    } catch {
      return undefined;
    }
  }

  async commitFiles(request: CommitRequest): Promise<CommitResult> {
    const check = await this.git(['check-ref-format', '--branch', request.branch]).catch(() => undefined);
    if (!check) throw new Error(`'${request.branch}' is not a valid branch name`);
    for (const file of request.files) assertCommitPath(file.path);
    const head = await this.head(request.branch);
    // A new branch starts where the start branch is (when it exists), as if branched from it.
    const parent = head ?? (this.startBranch ? await this.head(this.startBranch) : undefined);
    const work = mkdtempSync(join(tmpdir(), 'factory-git-'));
    try {
      // Blobs: the contents go through temporary files so one hash-object call stores them all.
      const sources = request.files.map((file, index) => {
        const path = join(work, `blob-${index}`);
        writeFileSync(path, file.content);
        return path;
      });
      const shas = sources.length
        ? (
            await this.git(['hash-object', '-w', '--stdin-paths'], { input: `${sources.join('\n')}\n` })
          ).stdout
            .trim()
            .split('\n')
        : [];
      const env = { GIT_INDEX_FILE: join(work, 'index') };
      if (parent) await this.git(['read-tree', parent], { env });
      else await this.git(['read-tree', '--empty'], { env });
      const wanted = new Set(request.files.map((file) => file.path));
      const lines = request.files.map((file, index) => `100644 ${shas[index]}\t${file.path}`);
      if (request.scopes?.length && parent) {
        const listed = (await this.git(['ls-tree', '-r', '-z', '--name-only', parent])).stdout
          .split('\0')
          .filter(Boolean);
        const scopes = request.scopes.map((scope) => scope.replace(/\/+$/, ''));
        const stale = listed.filter(
          (path) =>
            !wanted.has(path) && scopes.some((scope) => path === scope || path.startsWith(`${scope}/`)),
        );
        // Mode 0 removes an index entry; --index-info works without a working tree.
        lines.push(...stale.map((path) => `0 ${'0'.repeat(40)}\t${path}`));
      }
      if (lines.length)
        await this.git(['update-index', '--add', '--index-info'], { env, input: `${lines.join('\n')}\n` });
      const tree = (await this.git(['write-tree'], { env })).stdout.trim();
      const parentTree = parent
        ? (await this.git(['rev-parse', `${parent}^{tree}`])).stdout.trim()
        : emptyTree;
      if (tree === parentTree && parent) {
        if (!head) await this.git(['update-ref', `refs/heads/${request.branch}`, parent, '0'.repeat(40)]);
        return { sha: parent, created: false, parent };
      }
      if (tree === emptyTree && !parent)
        throw new Error('nothing to commit: the first commit of a branch needs files');
      const date = request.date ?? new Date().toISOString();
      const identity = {
        GIT_AUTHOR_NAME: request.author.name,
        GIT_AUTHOR_EMAIL: request.author.email,
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_NAME: request.author.name,
        GIT_COMMITTER_EMAIL: request.author.email,
        GIT_COMMITTER_DATE: date,
      };
      const sha = (
        await this.git(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-'], {
          env: identity,
          input: request.message.endsWith('\n') ? request.message : `${request.message}\n`,
        })
      ).stdout.trim();
      // Compare-and-swap on the ref: a concurrent writer makes this fail instead of losing its commit.
      await this.git(['update-ref', `refs/heads/${request.branch}`, sha, head ?? '0'.repeat(40)]);
      return { sha, created: true, parent };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  async diffStat(base: string | undefined, head: string): Promise<FileChange[]> {
    const { stdout } = await this.git(['diff', '--numstat', '-z', '--no-renames', base ?? emptyTree, head]);
    const changes: FileChange[] = [];
    for (const record of stdout.split('\0').filter(Boolean)) {
      const [added, removed, path] = record.split('\t');
      const binary = added === '-';
      changes.push({
        path,
        binary,
        added: binary ? undefined : Number(added),
        removed: binary ? undefined : Number(removed),
      });
    }
    return changes;
  }

  async log(ref: string, limit = 100): Promise<LogEntry[]> {
    const separator = '\x1e';
    const { stdout } = await this.git([
      'log',
      `--max-count=${limit}`,
      `--format=%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%s%x1f%b${separator}`,
      ref,
    ]);
    return stdout
      .split(separator)
      .map((record) => record.replace(/^\n/, ''))
      .filter(Boolean)
      .map((record) => {
        const [sha, parents, name, email, date, subject, body] = record.split('\x1f');
        return {
          sha,
          parents: parents ? parents.split(' ') : [],
          author: { name, email },
          date,
          subject,
          body: (body ?? '').trim(),
        };
      });
  }
}
