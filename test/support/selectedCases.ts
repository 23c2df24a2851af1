/**
 * The cases a suite runs: those an environment variable names (comma-separated), or all of them when it is unset.
 * CI runs some suites smaller than by hand this way; a name that matches no case is refused, never ignored.
 */
export function selectedCases<T>(variable: string, all: T[], nameOf: (item: T) => string): T[] {
  const names = process.env[variable]?.split(',').map((name) => name.trim());
  if (!names) return all;
  const unknown = names.filter((name) => !all.some((item) => nameOf(item) === name));
  if (unknown.length)
    throw new Error(`${variable} names no case ${unknown.join(', ')} (known: ${all.map(nameOf).join(', ')})`);
  return all.filter((item) => names.includes(nameOf(item)));
}
