import type { ArtifactRef } from '../../core/agent';
import { refineDomainModel } from '../../agents/blueprint/architecture/refinement';
import type { GateCriterion } from '../../core/gate';
import { visionToArchitectureGate } from '../../gates/vision-to-architecture';
import type { HarnessRun } from '../support/agentHarness';
import { fixtures } from '../agents/architecture/fixtures';
import { designRun, evaluateGate, put } from '../agents/architecture/support';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const criterion = (criteria: GateCriterion[], prefix: string) => {
  const found = criteria.find((c) => c.name.startsWith(prefix));
  if (!found) throw new Error(`no criterion ${prefix}: ${criteria.map((c) => c.name).join(', ')}`);
  return found;
};

const editJson = (edit: (doc: Doc) => void) => (text: string) => {
  const doc = JSON.parse(text) as Doc;
  edit(doc);
  return JSON.stringify(doc);
};

/**
 * The gate's validators take about a second per evaluation, so the broken artifacts are evaluated together:
 * each breakage touches a different criterion, and each criterion's findings are checked to name exactly its
 * own problem.
 */
describe('the Vision to Architecture gate', () => {
  let run: HarnessRun;
  let good: GateCriterion[];
  let broken: GateCriterion[];

  /** Replaces an artifact by a changed copy under a new path (artifact paths are immutable). */
  async function replace(
    refs: ArtifactRef[],
    match: (ref: ArtifactRef) => boolean,
    change: (text: string) => string,
  ) {
    const target = refs.find(match);
    if (!target) throw new Error('nothing to replace');
    const text = (await run.store.get('test', 'run-1', target.path)).toString('utf8');
    const copy = await put(
      run.store,
      `broken/${target.path.replace(/^.*attempt-1\/|^given\//, '')}`,
      target.kind,
      change(text),
    );
    return refs.map((ref) => (ref === target ? copy : ref));
  }

  beforeAll(async () => {
    run = await designRun(fixtures.toolLibrary);
    good = await evaluateGate(run);
    let refs = run.refs;
    // OpenAPI: a document without info.version, and without the Tool collection and the approve command.
    refs = await replace(
      refs,
      (r) => r.path.endsWith('lending.openapi.json'),
      editJson((doc) => {
        delete doc.info.version;
        delete doc.paths['/v1/tools'];
        delete doc.paths['/v1/loans/{id}/approve'];
      }),
    );
    refs = await replace(
      refs,
      (r) => r.kind === 'asyncapi',
      editJson((doc) => {
        doc.operations.publishLendingEvents.channel = { $ref: '#/channels/nowhere' };
      }),
    );
    refs = await replace(
      refs,
      (r) => r.path.endsWith('LoanApproved.schema.json'),
      editJson((doc) => {
        doc.properties.data.required = 'loanId';
      }),
    );
    refs = await replace(
      refs,
      (r) => r.kind === 'backlog',
      editJson((doc) => {
        doc.stories.push({
          id: 'S-99',
          epic: 'E-3',
          entity: 'Invoice',
          title: 'As a member, I want an invoice',
        });
      }),
    );
    // ADRs: only three left, and the first of them without its consequences.
    const adrs = refs.filter((r) => r.kind === 'adr');
    refs = refs.filter((r) => r.kind !== 'adr' || adrs.indexOf(r) < 3);
    refs = await replace(
      refs,
      (r) => r === adrs[0],
      (text) => text.replace(/### Consequences[\s\S]*?## Pros/, '## Pros'),
    );
    // Mockups: the Tool screen is gone.
    refs = refs.filter((r) => !(r.kind === 'ux-mockup' && r.path.endsWith('/tool.html')));
    broken = await evaluateGate(run, refs);
  });

  it('declares its phase and what it reads', () => {
    expect(visionToArchitectureGate.phase).toBe('vision-to-architecture');
    expect(visionToArchitectureGate.reads).toEqual(
      expect.arrayContaining([
        'vision',
        'backlog',
        'domain-model',
        'openapi',
        'asyncapi',
        'event-schema',
        'adr',
        'ux-mockup',
        'context-map',
      ]),
    );
  });

  it('passes every criterion on good artifacts', () => {
    expect(good.filter((c) => !c.passed)).toEqual([]);
    expect(good).toHaveLength(13);
    expect(criterion(good, 'Architecture decisions').value).toBeGreaterThanOrEqual(3);
    expect(criterion(good, 'Every user story')).toMatchObject({ value: 1, threshold: 1 });
  });

  it('fails on an invalid OpenAPI document and names the file and the problem', () => {
    const failed = criterion(broken, 'OpenAPI');
    expect(failed.passed).toBe(false);
    expect(failed.findings).toEqual([
      expect.stringMatching(/^broken\/api\/lending\.openapi\.json: .*version/),
    ]);
  });

  it('fails on an AsyncAPI document with an error', () => {
    const failed = criterion(broken, 'AsyncAPI');
    expect(failed.passed).toBe(false);
    expect(failed.findings.length).toBeGreaterThan(0);
    expect(failed.findings.join('\n')).toMatch(/events\/asyncapi\.json: .*(nowhere|channel)/i);
  });

  it('fails on a JSON Schema that does not compile', () => {
    const failed = criterion(broken, 'Every event JSON Schema');
    expect(failed.passed).toBe(false);
    expect(failed.findings).toEqual([
      expect.stringMatching(/LoanApproved\.schema\.json does not compile as JSON Schema 2020-12: .*required/),
    ]);
  });

  it('fails when a story is about an entity in no bounded context', () => {
    const failed = criterion(broken, 'Every user story');
    expect(failed.passed).toBe(false);
    expect(failed.value).toBeLessThan(1);
    expect(failed.findings).toEqual([
      expect.stringMatching(
        /Story S-99 .*entity 'Invoice', which is in no bounded context \(the vision analysis has it; the domain model dropped it\)/,
      ),
    ]);
  });

  it('fails when ADRs are missing or lack MADR sections', () => {
    const failed = criterion(broken, 'Architecture decisions');
    expect(failed).toMatchObject({ passed: false, value: 2, threshold: 3 });
    expect(failed.findings).toEqual([
      expect.stringMatching(/0001-bounded-contexts\.md lacks the MADR section\(s\) Consequences/),
      expect.stringMatching(/Only 2 well-formed ADR/),
    ]);
  });

  it('fails when an entity has no collection path, a command no operation, or a main screen no mockup', () => {
    expect(criterion(broken, 'Every entity').findings).toEqual([
      expect.stringMatching(/Entity Tool .* no collection path \/v1\/tools/),
    ]);
    expect(criterion(broken, 'Every command').findings).toEqual([
      expect.stringMatching(/ApproveLoan .*POST \/v1\/loans\/\{id\}\/approve with operationId approveLoan/),
    ]);
    // Invoice is a main screen too: the broken backlog has a story about it.
    expect(criterion(broken, 'Mockups').findings).toEqual([
      expect.stringMatching(/No mockup shows Tool,/),
      expect.stringMatching(/No mockup shows Invoice,/),
    ]);
    expect(criterion(broken, 'The context map').passed).toBe(true);
  });

  it('gives findings the Enterprise Architect acts on', () => {
    const findings = broken.filter((c) => !c.passed).flatMap((c) => c.findings);
    const refined = refineDomainModel(fixtures.toolLibrary, [], findings);
    expect(refined.model.contexts.some((c) => c.entities.some((e) => e.name === 'Invoice'))).toBe(true);
    expect(refined.feedbackAddressed.find((f) => f.feedback.includes('S-99'))?.outcome).toMatch(
      /added entity Invoice/,
    );
  });
});
