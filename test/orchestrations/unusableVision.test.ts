import { InvalidRunRequestError } from '../../runs/startRun';
import { codeLikeVisions } from '../support/codeLikeVisions';
import { startTestFactory, type TestFactory } from '../support/embeddedFactory';

describe('a factory run on text that is not a product vision (embedded host)', () => {
  let t: TestFactory;
  beforeAll(async () => {
    t = await startTestFactory();
  });
  afterAll(async () => {
    await t.close();
  });

  it('completes Vision to Architecture on TypeScript source instead of failing on a schema error', async () => {
    const runId = await t.start(
      codeLikeVisions['TypeScript source'],
      { approvals: ['architecture'] },
      'run-typescript',
    );
    expect(await t.waitFor(runId, (s) => s === 'WaitingForApproval' || s === 'Failed')).toBe(
      'WaitingForApproval',
    );
  });

  it('fails the Vision to Architecture gate with a finding when the text names nothing to store', async () => {
    const runId = await t.start(codeLikeVisions['the title {}'], { maxReworks: 0 }, 'run-braces');
    expect(await t.waitFor(runId, (s) => ['Completed', 'Failed'].includes(s))).toBe('Failed');
    const doc = (await t.ports.runs.get('test', runId))!;
    expect(doc.failure).toMatchObject({ reason: 'gate-failed' });
    expect(doc.failure?.message).toMatch(
      /^Vision to Architecture did not pass its gate .*The vision names what the product stores: The vision names nothing the product would store/,
    );
  });

  it('refuses a vision whose front matter is not YAML before starting anything', async () => {
    const start = t.start('---\n: : :\n---\n# Tools\n\nMembers reserve tools.\n', {}, 'run-bad-yaml');
    await expect(start).rejects.toThrow(InvalidRunRequestError);
    await expect(start).rejects.toThrow(/^the vision's front matter is not valid YAML: /);
    expect(await t.ports.runs.get('test', 'run-bad-yaml')).toBeUndefined();
    expect(t.factory.runStatus('test', 'run-bad-yaml')).toBeUndefined();
  });
});
