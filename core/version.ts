/**
 * 1.0.0 for the first iteration, then a minor bump per iteration: each iteration adds to the same product. A run
 * that changes a product released before (`after`) continues from that release.
 */
export function releaseVersion(iteration: number, after?: string): string {
  if (!Number.isInteger(iteration) || iteration < 1)
    throw new Error(`iteration must be a positive whole number, not ${iteration}`);
  if (after === undefined) return `1.${iteration - 1}.0`;
  const release = /^(\d+)\.(\d+)\.\d+$/.exec(after);
  if (!release) throw new Error(`a release version is major.minor.patch, not ${after}`);
  return `${release[1]}.${Number(release[2]) + iteration}.0`;
}
