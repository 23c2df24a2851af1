import { spawnSync } from 'node:child_process';
import { compileService } from '../../../toolchain/backend/compileService';
import { generateService } from '../../../toolchain/backend/generateService';
import { serviceModel } from '../../../toolchain/backend/model';
import {
  checkPolicyBody,
  policyFunction,
  policyPath,
  recordType,
} from '../../../toolchain/backend/rulePolicies';
import type { DomainModel } from '../../../toolchain/schemas/domainModel';
import { typedRuleSchema } from '../../../toolchain/schemas/typedRule';
import { runPolicyExamples } from '../../../toolchain/testing/runPolicyExamples';
import { createSandbox } from '../../../platform/sandbox/sandboxFromSettings';
import {
  floorsBody,
  floorsBodyCaseSensitive,
  meetingRoomsWithPolicy,
  roomFloors,
} from '../../support/fixtures/roomFloors';

const roomNames = roomFloors;
const correct = floorsBody;
const caseSensitive = floorsBodyCaseSensitive;
const withPolicy = meetingRoomsWithPolicy;

const bookings = (model: DomainModel) => model.contexts.find((c) => c.slug === 'bookings')!;
const planned = (model: DomainModel) => {
  const service = serviceModel(bookings(model), model.product.slug);
  const rule = service.rules.enforced.find((r) => r.id === 'room-floors')!;
  return { service, rule, room: service.entities.find((e) => e.name === 'Room')! };
};

describe('policy rules: the model writes the body, the compiler writes the rest', () => {
  it('is a typed rule only with examples the rule allows and refuses, each field one the record has', () => {
    expect(typedRuleSchema.safeParse(roomNames).success).toBe(true);
    const onlyAllowed = { ...roomNames, examples: roomNames.examples.map((e) => ({ ...e, allowed: true })) };
    expect(typedRuleSchema.safeParse(onlyAllowed).success).toBe(false);
    const valueless = { ...roomNames, values: roomNames.values.filter((v) => v.example !== 3) };
    expect(typedRuleSchema.safeParse(valueless).error?.issues[0].message).toBe(
      'every value must name an example, and every example must set a value',
    );
    const { rule } = planned(withPolicy());
    expect(rule).toMatchObject({ hook: 'Room', status: 422, triggers: [{ on: 'write' }] });
    expect(rule.check.kind === 'policy' && rule.check.examples[0]).toEqual({
      values: { name: 'Orchid (floor 2)' },
      allowed: true,
      why: 'floor 2 exists',
    });
    const unknownField = {
      ...roomNames,
      values: [...roomNames.values, { example: 1, name: 'colour', value: 'red' }],
    };
    const plan = serviceModel(bookings(withPolicy(unknownField)), 'x').rules;
    expect(plan.unenforced.map((u) => [u.id, u.reason])).toEqual([
      ['room-floors', 'Room has no attribute colour'],
    ]);
  });

  it('shows the model the record type and compiles a sound body, refusing one that leaves its slot', () => {
    const { room, rule } = planned(withPolicy());
    expect(recordType(room)).toMatch(/interface Room extends RoomProps \{[\s\S]*id: string;/);
    expect(recordType(room)).toMatch(/name: string;/);
    expect(checkPolicyBody(room, rule, correct)).toEqual([]);
    expect(checkPolicyBody(room, rule, 'return record.nme === "x";')[0]).toMatch(
      /^line 1: Property 'nme' does not exist/,
    );
    expect(
      checkPolicyBody(room, rule, 'return true;\n}\nexport function other() {\n  return 1;'),
    ).toContainEqual(expect.stringMatching(/closed the function or added declarations/));
    expect(checkPolicyBody(room, rule, 'return globalThis !== undefined;')).toContainEqual(
      expect.stringMatching(/globalThis is not available in a policy/),
    );
    expect(checkPolicyBody(room, rule, 'void import("node:fs");\nreturn true;').join()).toMatch(
      /import\(\) is not allowed/,
    );
    expect(checkPolicyBody(room, rule, 'return typeof process === "object";').join()).toMatch(
      /Cannot find name 'process'/,
    );
    expect(checkPolicyBody(room, rule, 'return Function("return 1")() === 1;').join()).toMatch(
      /Function is not available/,
    );
  });

  it('refuses the ways a hostile body reaches the process through the values it may use', () => {
    const { room, rule } = planned(withPolicy());
    const refused = (body: string) => checkPolicyBody(room, rule, body).join('\n');
    expect(refused('return record.name.constructor.constructor("return process")() === undefined;')).toMatch(
      /constructor is not allowed in a policy/,
    );
    expect(
      refused('const key = "constr" + "uctor";\nreturn (record.name as never)[key] === undefined;'),
    ).toMatch(/element access with a key that is not a number[\s\S]*a type assertion is not allowed/);
    expect(refused('const anyRecord: any = record;\nanyRecord.name = "x";\nreturn true;')).toMatch(
      /the type any/,
    );
    expect(refused('// @ts-ignore\nreturn process.exit(1);')).toMatch(/compiler directives/);
    expect(refused('return Reflect.ownKeys(record).length > 0;')).toMatch(/Reflect is not available/);
    // What a policy needs stays possible: regular expressions, numbers, dates, indexes by number.
    expect(
      refused(
        'const m = /(\\d+)/.exec(record.name);\nreturn m === null || Number(m[1]) < new Date(0).getFullYear();',
      ),
    ).toBe('');
  });

  it('runs a body on its examples in the sandbox and says which example it answers wrongly', async () => {
    const { room, rule } = planned(withPolicy());
    const sandbox = createSandbox(process.env);
    expect(await runPolicyExamples(sandbox, room, rule, correct)).toEqual({ compiles: true, problems: [] });
    expect(await runPolicyExamples(sandbox, room, rule, caseSensitive)).toEqual({
      compiles: true,
      problems: [
        'example 4 (name = "Ivy (Floor 4)"): expected false (refused) because there is no floor 4; it returned true',
      ],
    });
    // A body that leaves its slot is never run.
    const escaping = await runPolicyExamples(sandbox, room, rule, 'return globalThis === undefined;');
    expect(escaping.compiles).toBe(false);
    expect(escaping.problems.join()).toMatch(/^does not compile: line 1: globalThis is not available/);
    const throwing = await runPolicyExamples(
      sandbox,
      room,
      rule,
      'return record.name.split("(")[1].length > 0;',
    );
    expect(throwing.problems.join('\n')).toMatch(
      /example 2 \(name = "Lotus"\): expected true \(allowed\), it threw: .*undefined/,
    );
    const looping = await runPolicyExamples(
      sandbox,
      room,
      rule,
      'while (record.name) { /* spin */ }\nreturn true;',
    );
    expect(looping).toMatchObject({
      compiles: true,
      problems: [expect.stringMatching(/the examples did not run/)],
    });
  }, 60_000);

  it('compiles the body into the service, whose acceptance tests run every example over HTTP', () => {
    const model = withPolicy();
    expect(() => generateService(model, bookings(model))).toThrow(/rule room-floors .* none was written/);
    const generated = generateService(model, bookings(model), { policies: { 'room-floors': correct } });
    const slot = generated.files.find((f) => f.path === policyPath('room-floors'))!;
    expect(slot.content).toContain(
      `export function ${policyFunction('room-floors')}(record: Readonly<Room>): boolean {`,
    );
    const built = compileService(generated.files, { emit: true });
    expect(built.diagnostics).toEqual([]);
    const run = spawnSync(process.execPath, ['--test', 'test/rules.acceptance.test.js'], {
      cwd: built.outDir!,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stdout).toMatch(/ok \d+ - room-floors: /);
    expect(run.stdout).toMatch(/# fail 0\b/);
    // The same service with the body that forgets the case: its acceptance test fails on that example.
    const wrong = generateService(model, bookings(model), { policies: { 'room-floors': caseSensitive } });
    const rebuilt = compileService(wrong.files, { emit: true });
    const failing = spawnSync(process.execPath, ['--test', 'test/rules.acceptance.test.js'], {
      cwd: rebuilt.outDir!,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(failing.stdout).toMatch(/# fail 1\b/);
  }, 120_000);
});
