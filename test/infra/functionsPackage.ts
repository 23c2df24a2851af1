import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ignore from 'ignore';

/**
 * What the Functions package holds: the files under the project root that the .funcignore rules keep (the
 * rules azd and the pipeline apply), and what is wrong with that selection.
 */

/** Files and folders the package must contain for the host to start the app. */
export const REQUIRED_IN_PACKAGE = [
  'host.json',
  'package.json',
  'package-lock.json',
  'dist/functions/index.js',
  // The static half of generated services, read by the generator at run time and copied into each service.
  'kit/service/src/domain/errors.ts',
  'kit/service/src/domain/policies.ts',
];

/** Path prefixes that must never be shipped: secrets, local state, tests, the repository itself. */
export const FORBIDDEN_IN_PACKAGE = [
  '.git/',
  '.factory/',
  '.azure/',
  'test/',
  'test-output/',
  'coverage/',
  'dist/test/',
  'infra/',
  'docs/',
];

/** Every file under `root`, relative, with `/` separators; `node_modules` stands for itself with one file. */
export function projectFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    const file = relative(root, path).split('\\').join('/');
    // The dependencies are many thousands of files (or a link to them); one shows whether the folder is kept.
    if (entry.name === 'node_modules') return [`${file}/@azure/functions/package.json`];
    return entry.isDirectory() ? projectFiles(root, path) : [file];
  });
}

/** The files the rules of a .funcignore keep. */
export function packaged(files: string[], funcignore: string): string[] {
  const rules = ignore().add(funcignore);
  return files.filter((file) => !rules.ignores(file));
}

/** What is wrong with a package: files it must have and lacks, files it must not have and has. */
export function packageProblems(files: string[], packageMain: string): string[] {
  const problems: string[] = [];
  for (const required of [...REQUIRED_IN_PACKAGE, packageMain]) {
    if (!files.includes(required)) problems.push(`missing ${required}`);
  }
  for (const file of files) {
    const forbidden = FORBIDDEN_IN_PACKAGE.find((prefix) => file.startsWith(prefix));
    if (forbidden) problems.push(`ships ${file} (under ${forbidden})`);
    else if (/(^|\/)api-token$/.test(file)) problems.push(`ships ${file} (an API token)`);
    else if (file.endsWith('.ts') && !file.startsWith('node_modules/') && !file.startsWith('kit/'))
      problems.push(`ships ${file} (a source file)`);
  }
  if (!files.some((file) => file.startsWith('node_modules/'))) problems.push('missing node_modules');
  return problems;
}
