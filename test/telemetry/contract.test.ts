import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { metricNames } from '../../telemetry';

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

// Every factory event is recorded as a custom event of the same name (publishEvent records what it sends).
const eventNames = [...read('core/workflowContracts.ts').matchAll(/\| '([A-Za-z]+)'/g)].map((m) => m[1]);
const metrics = new Set<string>(Object.values(metricNames));

/** Names a Kusto text filters on: `name == "X"` and `name in ("X", "Y")`. */
function namesIn(kql: string): string[] {
  const single = [...kql.matchAll(/name == \\?"([A-Za-z]+)\\?"/g)].map((m) => m[1]);
  const lists = [...kql.matchAll(/name in \(([^)]*)\)/g)].flatMap((m) =>
    [...m[1].matchAll(/"([A-Za-z]+)\\?"/g)].map((x) => x[1]),
  );
  return [...single, ...lists];
}

describe('the telemetry contract (ADR 0017, ADR 0061)', () => {
  it('knows the factory events', () => {
    expect(eventNames).toEqual(
      expect.arrayContaining([
        'RunStarted',
        'RunCompleted',
        'RunFailed',
        'PhaseStarted',
        'PhaseCompleted',
        'QualityGatePassed',
        'QualityGateFailed',
        'ApprovalRequested',
        'ApprovalGranted',
        'ApprovalRejected',
      ]),
    );
  });

  it.each([
    'infra/bicep/modules/workbook.bicep',
    'infra/bicep/modules/alerts.bicep',
    'docs/observability.md',
  ])('%s filters only on names the factory records', (path) => {
    const text = read(path);
    const names = namesIn(text);
    expect(names.length).toBeGreaterThan(0);
    const customEvents = new Set(eventNames);
    for (const name of names) expect(customEvents.has(name) || metrics.has(name)).toBe(true);
  });

  it('the workbook reads only dimensions the factory sets', () => {
    const dims = new Set(
      [...read('infra/bicep/modules/workbook.bicep').matchAll(/customDimensions\.(\w+)/g)].map((m) => m[1]),
    );
    for (const dim of dims) expect(['runId', 'tenantId', 'phase', 'agent', 'gate']).toContain(dim);
  });

  it('documents every metric the factory records', () => {
    const doc = read('docs/observability.md');
    for (const name of metrics) expect(doc).toContain(`\`${name}\``);
  });
});
