import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive } from '../../platform/deployment/detachedProcess';

/**
 * Every temporary folder a test run makes (factory homes, artifact stores, deployed products, compiled
 * services) goes under one folder per run, removed when the run ends: runs leave nothing in the machine's temp
 * folder, and a suite's files are gone before the next suite starts, which keeps a CI run's disk use to its
 * largest suite instead of the sum of all of them.
 */
const prefix = 'factory-tests-';
const ownerFile = 'owner.pid';

/** Folders of earlier runs whose process is gone (killed before its teardown). */
function abandoned(parent: string): string[] {
  return readdirSync(parent)
    .filter((name) => name.startsWith(prefix))
    .map((name) => join(parent, name))
    .filter((folder) => {
      try {
        return !alive(Number(readFileSync(join(folder, ownerFile), 'utf8')));
      } catch {
        return false; // not ours, or still being made
      }
    });
}

export function setupTempRoot(): void {
  const parent = tmpdir();
  for (const folder of abandoned(parent)) rmSync(folder, { recursive: true, force: true });
  const root = mkdtempSync(join(parent, prefix));
  // Sandboxed products run as an unprivileged user that must reach their folders under this one.
  chmodSync(root, 0o711);
  writeFileSync(join(root, ownerFile), String(process.pid));
  process.env.FACTORY_TESTS_TMPDIR = root;
  // Every factory home of the run starts its embedded databases from one initialised cluster.
  process.env.FACTORY_DATABASE_TEMPLATES = join(root, 'database-templates');
  // os.tmpdir() reads TMPDIR on every call; test workers are started after this and inherit it.
  process.env.TMPDIR = root;
}

export function teardownTempRoot(): void {
  const root = process.env.FACTORY_TESTS_TMPDIR;
  if (!root) return;
  if (process.env.KEEP_TEST_FILES) {
    process.stdout.write(`\ntest files kept in ${root}\n`);
    return;
  }
  rmSync(root, { recursive: true, force: true, maxRetries: 3 });
}
