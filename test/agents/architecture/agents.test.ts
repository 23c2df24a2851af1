import { missingMadrSections } from '../../../toolchain/architecture/adr';
import { fixtures } from './fixtures';
import { contents, designRun } from './support';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('solution, event-driven and API design agents', () => {
  it('write the artifact kinds and paths of the contract for every fixture domain', async () => {
    for (const model of Object.values(fixtures)) {
      const run = await designRun(model);
      const paths = run.refs
        .filter((r) => !r.path.startsWith('given/') && r.kind !== 'vision-text')
        .map((r) => `${r.kind} ${r.path.replace(/^.*attempt-1\//, '')}`);
      for (const context of model.contexts)
        expect(paths).toContain(`openapi api/${context.slug}.openapi.json`);
      for (const event of model.contexts.flatMap((c) => c.events))
        expect(paths).toContain(`event-schema events/${event.name}.schema.json`);
      expect(paths).toContain('asyncapi events/asyncapi.json');
      expect(paths).toContain('solution-architecture architecture/solution-architecture.json');
      expect(paths).toContain('solution-architecture architecture/solution-architecture.md');
      const adrs = paths.filter((p) => p.startsWith('adr '));
      expect(adrs.length).toBeGreaterThanOrEqual(4);
      expect(new Set(adrs).size).toBe(adrs.length);
      for (const ref of run.all('adr'))
        expect(missingMadrSections(await run.store.get('test', 'run-1', ref.path).then(String))).toEqual([]);
    }
  });

  it('is deterministic: the same domain model gives byte-identical artifacts', async () => {
    const first = await contents(await designRun(fixtures.clinic));
    const second = await contents(await designRun(fixtures.clinic));
    expect(second).toEqual(first);
  });

  it('applies review feedback: event-carried state, hosting per context, each recorded; money stays a decimal string', async () => {
    const feedback = [
      'Send money amounts as decimal strings, clients lose cents with floats.',
      'Use event-carried state: events should include all attributes of the entity.',
      'Host the Patients context on Azure Functions.',
    ];
    const run = await designRun(fixtures.clinic, feedback);
    const openapi = JSON.parse(
      await run.store
        .get(
          'test',
          'run-1',
          run.all('openapi').find((r) => r.path.endsWith('scheduling.openapi.json'))!.path,
        )
        .then(String),
    ) as Doc;
    expect(openapi.components.schemas.AppointmentCreate.properties.fee.type).toBe('string');
    const schema = JSON.parse(
      await run.store
        .get(
          'test',
          'run-1',
          run.all('event-schema').find((r) => r.path.endsWith('AppointmentCheckedIn.schema.json'))!.path,
        )
        .then(String),
    ) as Doc;
    expect(Object.keys(schema.properties.data.properties)).toEqual(
      expect.arrayContaining(['startsAt', 'fee', 'patientId', 'status']),
    );
    expect(schema.properties.data.properties.fee.type).toBe('string');
    const solution = await run.json<Doc>('solution-architecture');
    expect(solution.services.find((s: Doc) => s.context === 'Patients').hosting).toBe('azure-functions');
    expect(solution.feedbackAddressed.map((f: Doc) => f.feedback)).toEqual(feedback);
    const adrs = await Promise.all(
      run.all('adr').map((r) => run.store.get('test', 'run-1', r.path).then(String)),
    );
    for (const item of feedback) expect(adrs.some((adr) => adr.includes(item))).toBe(true);
  });
});
