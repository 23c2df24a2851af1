/** Names that become part of paths and branch names: a tenant id, a run id. */
export function nameSegment(value: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value))
    throw new Error(`${what} '${value}' cannot be part of a repository path`);
  return value;
}

/** A file path inside a commit: relative, `/`-separated, never leaving the tree or touching `.git`. */
export function assertCommitPath(path: string): void {
  if (path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '' || part === '.git'))
    throw new Error(`invalid path in commit: ${path}`);
}
