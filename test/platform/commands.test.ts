import { commandProperties, maxCommandBytes, parseCommand } from '../../platform/commands';

describe('parseCommand', () => {
  it('accepts a StartRun from an object, a string or bytes', () => {
    const body = {
      type: 'StartRun',
      vision: 'A tool library for the street',
      name: 'tools',
      options: { iterations: 2 },
    };
    for (const input of [body, JSON.stringify(body), Buffer.from(JSON.stringify(body))]) {
      const result = parseCommand(input, {});
      expect(result).toEqual({ ok: true, command: body });
    }
  });

  it('takes the type from the application properties when the body has none', () => {
    const result = parseCommand(
      { runId: 'run-1', gate: 'architecture', decision: 'approve' },
      { type: 'ApproveGate' },
    );
    expect(result.ok && result.command).toEqual({
      type: 'ApproveGate',
      runId: 'run-1',
      gate: 'architecture',
      decision: 'approve',
    });
    const cancel = parseCommand(
      { runId: 'run-1', tenantId: 'acme', reason: 'no longer needed' },
      { type: 'CancelRun' },
    );
    expect(cancel.ok && cancel.command.type).toBe('CancelRun');
  });

  it('lists every failing field', () => {
    const result = parseCommand(
      { type: 'StartRun', vision: '  ', runId: '../x', options: { iterations: 0, colour: 'red' } },
      {},
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const fields = result.error.issues.map((issue) => issue.field).sort();
    expect(fields).toEqual(['options', 'options.iterations', 'runId', 'vision']);
    expect(result.error.message).toMatch(/^invalid command: /);
    expect(result.error.message).toMatch(/unknown fields colour/);
  });

  it('rejects an approval with a bad decision and unknown top-level fields', () => {
    const result = parseCommand(
      { type: 'ApproveGate', runId: 'run-1', gate: 'g', decision: 'maybe', extra: 1 },
      {},
    );
    expect(!result.ok && result.error.issues.map((issue) => issue.field).sort()).toEqual([
      'body',
      'decision',
    ]);
  });

  it('accepts run ids only as runs are started with them (never a phase instance id)', () => {
    for (const runId of ['ab', 'x1:vision-to-architecture:1:1', 'a.b.c', '-lead', 'x'.repeat(65)]) {
      const result = parseCommand({ type: 'CancelRun', runId }, {});
      expect({ runId, fields: !result.ok && result.error.issues.map((i) => i.field) }).toEqual({
        runId,
        fields: ['runId'],
      });
    }
    expect(parseCommand({ type: 'CancelRun', runId: 'run-20261126-abc_1' }, {}).ok).toBe(true);
  });

  it('rejects unknown and conflicting types', () => {
    const unknown = parseCommand({ type: 'DeleteEverything' }, {});
    expect(!unknown.ok && unknown.error.issues).toEqual([
      { field: 'type', message: expect.stringMatching(/unknown command type "DeleteEverything"/) },
    ]);
    const missing = parseCommand({ vision: 'x' }, {});
    expect(!missing.ok && missing.error.issues[0].field).toBe('type');
    const conflicting = parseCommand({ type: 'StartRun', vision: 'x' }, { type: 'CancelRun' });
    expect(!conflicting.ok && conflicting.error.issues[0].message).toMatch(/body says StartRun/);
  });

  it('rejects oversized, malformed and non-object bodies', () => {
    const big = { type: 'StartRun', vision: 'x'.repeat(maxCommandBytes + 1) };
    for (const input of [big, JSON.stringify(big)]) {
      const result = parseCommand(input, {});
      expect(!result.ok && result.error.issues).toEqual([
        { field: 'body', message: `larger than ${maxCommandBytes} bytes` },
      ]);
    }
    for (const [input, message] of [
      ['{not json', 'not valid JSON'],
      [[1, 2], 'expected a JSON object'],
      [42, 'expected a JSON object'],
      [null, 'expected a JSON object'],
    ] as const) {
      const result = parseCommand(input, {});
      expect(!result.ok && result.error.issues).toEqual([{ field: 'body', message }]);
    }
  });

  it('derives routing properties from a command', () => {
    expect(commandProperties({ type: 'CancelRun', runId: 'r1' })).toEqual({ type: 'CancelRun', runId: 'r1' });
    expect(commandProperties({ type: 'StartRun', vision: 'v' })).toEqual({ type: 'StartRun' });
  });
});
