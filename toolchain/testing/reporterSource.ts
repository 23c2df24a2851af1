/** Marks the reporter's lines in stdout, so test output printed by the code under test cannot be mistaken for them. */
export const reportMarker = '@@factory-report ';

/**
 * A node:test custom reporter (CommonJS), written into the sandbox next to the tests. It forwards the runner's
 * own events as JSON lines: full test names, pass/fail/skip, error messages with their first stack frame, and
 * the coverage summary. Nothing is inferred from human-readable output.
 */
export const reporterSource = `'use strict';
const marker = ${JSON.stringify(reportMarker)};
function errorOf(error) {
  if (!error) return undefined;
  const inner = error.cause && typeof error.cause === 'object' ? error.cause : error;
  const stack = String(inner.stack || '').split('\\n').slice(1).map((line) => line.trim());
  const frame = stack.find((line) => /\\/(test|src)\\//.test(line) && !line.includes('node:'));
  return { message: String(inner.message || inner), frame: frame || null };
}
module.exports = async function* factoryReporter(source) {
  const names = [];
  for await (const event of source) {
    const data = event.data || {};
    if (event.type === 'test:start') {
      names[data.nesting] = data.name;
      names.length = data.nesting + 1;
      continue;
    }
    if (event.type === 'test:pass' || event.type === 'test:fail') {
      const details = data.details || {};
      if (details.type === 'suite') continue;
      const path = names.slice(0, data.nesting).concat([data.name]).join(' > ');
      yield marker + JSON.stringify({
        type: event.type === 'test:pass' ? (data.skip !== undefined || data.todo !== undefined ? 'skip' : 'pass') : 'fail',
        name: path,
        file: data.file || null,
        durationMs: details.duration_ms || 0,
        error: event.type === 'test:fail' ? errorOf(details.error) : undefined,
      }) + '\\n';
      continue;
    }
    if (event.type === 'test:coverage') {
      const files = data.summary.files.map((file) => ({
        path: file.path,
        lines: file.totalLineCount,
        coveredLines: file.coveredLineCount,
        branches: file.totalBranchCount,
        coveredBranches: file.coveredBranchCount,
        uncoveredLines: (file.lines || []).filter((line) => line.count === 0).map((line) => line.line),
      }));
      yield marker + JSON.stringify({ type: 'coverage', files }) + '\\n';
    }
  }
};
`;
