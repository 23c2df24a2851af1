/** 1.0.0 for the first iteration, then a minor bump per iteration: each iteration adds to the same product. */
export function releaseVersion(iteration: number): string {
  if (!Number.isInteger(iteration) || iteration < 1)
    throw new Error(`iteration must be a positive whole number, not ${iteration}`);
  return `1.${iteration - 1}.0`;
}
