import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentContext } from '../../agents/runtime/agentContext';
import { developmentToTestingGate } from '../../gates/development-to-testing';
import { FilesystemArtifactStore } from '../../platform/artifacts/filesystemArtifactStore';
import type { ArtifactKind } from '../../core/artifactKinds';

interface Input {
  path: string;
  kind: ArtifactKind;
  value: unknown;
}

async function evaluate(artifacts: Input[]) {
  const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'gate-')));
  const refs = [];
  for (const a of artifacts) {
    const entry = await store.put('t', 'r', a.path, JSON.stringify(a.value), {
      kind: a.kind,
      phase: 'development-to-testing',
      agent: 'x',
      contentType: 'application/json',
    });
    refs.push({ path: entry.path, sha256: entry.sha256, kind: a.kind });
  }
  const ctx = createAgentContext({
    store,
    runId: 'r',
    tenantId: 't',
    iteration: 1,
    attempt: 1,
    phase: 'development-to-testing',
    agent: 'gate',
    inputs: refs,
  });
  return developmentToTestingGate.evaluate(ctx);
}

const good: Input[] = [
  {
    path: 'results/a.json',
    kind: 'test-results',
    value: { service: 'a', compiled: true, tests: 10, passed: 10, failed: 0, failures: [] },
  },
  { path: 'coverage/a.json', kind: 'coverage', value: { service: 'a', lines: { percent: 91 }, files: [] } },
  {
    path: 'review/a.json',
    kind: 'code-review',
    value: {
      service: 'a',
      findings: [{ rule: 'max-complexity', blocking: false, file: 'src/x.ts', line: 1, message: 'm' }],
    },
  },
  {
    path: 'load/a.json',
    kind: 'load-test',
    value: { service: 'a', result: { errorRate: 0.001, latencyMs: { p95: 30 }, statusCounts: {} } },
  },
  {
    path: 'chaos/a.json',
    kind: 'chaos-test',
    value: {
      service: 'a',
      experiments: [{ name: 'kill', category: 'process', survived: false, observations: [] }],
    },
  },
  { path: 'contract/a.json', kind: 'contract-conformance', value: contractReport({}) },
  {
    path: 'ui/browser.json',
    kind: 'ui-test',
    value: {
      browser: '/usr/lib/chromium/chromium',
      screens: [{ client: 'web', screen: 'Tools', path: '#/tools/tools', ok: true }],
      problems: [],
    },
  },
];

/** A contract report of service `a`: 220 generated requests answered and 341 responses checked, unless changed. */
function contractReport(change: object): unknown {
  return {
    service: 'a',
    validators: ['ajv', 'cfworker'],
    generated: { sent: 220, answered: 220 },
    fromAcceptanceTests: 121,
    responses: 341,
    requests: 330,
    outsideContract: 0,
    findings: [],
    ...change,
  };
}

const contractFinding = (n: number) => ({
  source: `generated request ${n}`,
  operation: 'createTool',
  request: 'POST /v1/tools',
  status: 400,
  validator: 'contract',
  message: 'refused a request the document allows',
});

describe('developmentToTestingGate', () => {
  it('passes when tests pass, coverage, review, load and chaos meet the thresholds (process faults are informative)', async () => {
    const criteria = await evaluate(good);
    expect(criteria.filter((c) => !c.passed)).toEqual([]);
  });

  it('fails each criterion with specific findings', async () => {
    const criteria = await evaluate([
      {
        path: 'results/a.json',
        kind: 'test-results',
        value: {
          service: 'a',
          compiled: true,
          tests: 2,
          passed: 1,
          failed: 1,
          failures: [
            {
              name: 'suite > creates',
              file: 'test/api.test.ts',
              location: 'test/api.test.ts:40',
              message: '200 !== 201\nmore',
            },
          ],
        },
      },
      {
        path: 'coverage/a.json',
        kind: 'coverage',
        value: {
          service: 'a',
          lines: { percent: 61.5 },
          files: [{ path: 'src/api/server.js', linePercent: 40 }],
        },
      },
      {
        path: 'review/a.json',
        kind: 'code-review',
        value: {
          service: 'a',
          findings: [
            {
              rule: 'no-secrets',
              blocking: true,
              file: 'src/main.ts',
              line: 3,
              message: 'possible private key',
            },
          ],
        },
      },
      {
        path: 'load/a.json',
        kind: 'load-test',
        value: {
          service: 'a',
          result: { errorRate: 0.2, latencyMs: { p95: 900 }, statusCounts: { 500: 20 } },
        },
      },
      {
        path: 'chaos/a.json',
        kind: 'chaos-test',
        value: {
          service: 'a',
          experiments: [
            {
              name: 'failing repository',
              category: 'repository',
              survived: false,
              observations: ['list 500'],
            },
          ],
        },
      },
      {
        path: 'ui/browser.json',
        kind: 'ui-test',
        value: {
          browser: '/usr/lib/chromium/chromium',
          screens: [
            { client: 'web', screen: 'Tools', path: '#/tools/tools', ok: true },
            {
              client: 'web',
              screen: 'Loans',
              path: '#/tools/loans',
              ok: false,
              detail: 'it shows an alert: Network error',
            },
          ],
          problems: ['web: 404 GET /services/tools/v1/loans'],
        },
      },
      {
        path: 'contract/a.json',
        kind: 'contract-conformance',
        value: contractReport({
          generated: { sent: 220, answered: 120 },
          findings: Array.from({ length: 27 }, (_, i) => contractFinding(i)),
          error: 'exit 1: out of memory',
        }),
      },
    ]);
    const by = Object.fromEntries(criteria.map((c) => [c.name, c]));
    expect(criteria.every((c) => !c.passed)).toBe(true);
    expect(by['failing tests'].findings).toEqual([
      'a: test "suite > creates" failed in test/api.test.ts (test/api.test.ts:40): 200 !== 201',
    ]);
    expect(by['line coverage per service (lowest, %)'].value).toBe(61.5);
    expect(by['line coverage per service (lowest, %)'].findings[0]).toContain('src/api/server.js 40%');
    expect(by['blocking review findings'].findings).toEqual([
      'a: src/main.ts:3 no-secrets: possible private key',
    ]);
    expect(by['load: error rate <= 1% and p95 <= 250 ms'].findings).toHaveLength(2);
    expect(by['chaos: malformed requests and repository faults survived'].findings).toEqual([
      'a: did not survive "failing repository": list 500',
    ]);
    const contract =
      by['contract: responses checked against the OpenAPI documents (ajv and @cfworker/json-schema)'];
    expect({ value: contract.value, threshold: contract.threshold }).toEqual({ value: 341, threshold: 200 });
    expect(contract.findings.slice(0, 3)).toEqual([
      'a: the contract check did not complete: exit 1: out of memory',
      'a: 120 of 220 generated requests were answered (at least 200 must be)',
      'a: createTool POST /v1/tools answered 400 (generated request 0; contract): refused a request the document allows',
    ]);
    expect(contract.findings).toHaveLength(2 + 25 + 1);
    expect(contract.findings[27]).toBe('a: 2 more in testing/contract/a.json');
    const browser = by['web app and PWA in a browser: every screen loads from its services'];
    expect(browser).toMatchObject({ value: 1, threshold: 2 });
    expect(browser.findings).toEqual([
      'web Loans (#/tools/loans): it shows an alert: Network error',
      'web: 404 GET /services/tools/v1/loans',
    ]);
  });

  it('says the browser test was not run, and why, where no browser could be confined', async () => {
    const criteria = await evaluate([
      ...good.filter((a) => a.kind !== 'ui-test'),
      {
        path: 'ui/browser.json',
        kind: 'ui-test',
        value: { skipped: 'a browser runs only in the local-namespaces sandbox', screens: [], problems: [] },
      },
    ]);
    expect(criteria.find((c) => c.name.startsWith('web app and PWA'))).toEqual({
      name: 'web app and PWA in a browser: every screen loads from its services (not run: a browser runs only in the local-namespaces sandbox)',
      value: 0,
      threshold: 0,
      passed: true,
      findings: [],
    });
  });

  it('fails when nothing was measured', async () => {
    const criteria = await evaluate([]);
    expect(criteria.filter((c) => c.passed).map((c) => c.name)).toEqual(['blocking review findings']);
  });
});
