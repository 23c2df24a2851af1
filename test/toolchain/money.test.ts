import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Validator } from '@cfworker/json-schema';
import { buildOpenApi } from '../../agents/blueprint/architecture/openapi';
import { compileService } from '../../toolchain/backend/compileService';
import { generateService } from '../../toolchain/backend/generateService';
import { moneyDescription, moneyPattern } from '../../toolchain/money';
import type { DomainModel } from '../../toolchain/schemas/domainModel';
import { fixtures } from '../agents/architecture/fixtures';

type Schema = Record<string, unknown>;
type Rule = { name: string };
type RulesModule = { checkValue(rule: Rule, value: unknown): string | undefined };

/** The clinic, with the appointment fee's bounds replaced (the fixture's fee has minimum 0, no maximum). */
function clinicWithFee(bounds: { minimum?: number; maximum?: number }): DomainModel {
  const model = structuredClone(fixtures.clinic);
  const appointment = model.contexts[1].entities.find((e) => e.name === 'Appointment')!;
  const fee = appointment.attributes.find((a) => a.name === 'fee')!;
  delete fee.minimum;
  Object.assign(fee, bounds);
  return model;
}

function feeSchema(model: DomainModel): Schema {
  const doc = buildOpenApi(model, model.contexts[1]) as {
    components: { schemas: Record<string, { properties: Record<string, Schema> }> };
  };
  return doc.components.schemas.AppointmentCreate.properties.fee;
}

/** The generated service's own check of the fee, compiled and loaded from its build. */
function serviceCheck(model: DomainModel): (value: unknown) => string | undefined {
  const service = generateService(model, model.contexts[1]);
  const build = compileService(service.files, { emit: true });
  expect(build.diagnostics).toEqual([]);
  const load = (file: string) => require(join(build.outDir!, 'src', 'domain', file)) as unknown;
  const rules = load('rules.js') as RulesModule;
  const { appointmentRules } = load('appointment.js') as { appointmentRules: Rule[] };
  const fee = appointmentRules.find((rule) => rule.name === 'fee')!;
  return (value) => rules.checkValue(fee, value);
}

function validators(schema: Schema): Array<[string, (value: unknown) => boolean]> {
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  const ajvValidate = ajv.compile(schema);
  const cfworker = new Validator(schema, '2020-12');
  return [
    ['ajv 2020', (value) => ajvValidate(value)],
    ['@cfworker/json-schema', (value) => cfworker.validate(value).valid],
  ];
}

const accepted = ['19.99', '0.10', '1234567890.99', '0', '7.5'];
const refusedAlways = [19.99, 0.1, '1.234', '12345678901.00', '19,99', '', ' 1.00', '1e3', '.50', '01.00'];

describe('money as a decimal string', () => {
  describe('with the usual bounds (minimum 0, no maximum)', () => {
    const model = fixtures.clinic;
    const schema = feeSchema(model);
    const check = serviceCheck(model);

    it('is a string schema with the numeric(12,2) pattern, no minus sign and the format in the description', () => {
      expect(schema).toEqual({
        type: 'string',
        pattern: '^(?:0|[1-9][0-9]{0,9})(?:\\.[0-9]{1,2})?$',
        description:
          'What the visit costs. Amount in the product currency as a decimal string with at most 10 integer ' +
          'digits and 2 decimals, not negative, e.g. "19.99".',
      });
    });

    it.each(validators(schema))('validates with %s as the service does', (_name, valid) => {
      for (const value of accepted) {
        expect([value, valid(value)]).toEqual([value, true]);
        expect([value, check(value)]).toEqual([value, undefined]);
      }
      for (const value of [...refusedAlways, '-1.00', '-0.01']) {
        expect([value, valid(value)]).toEqual([value, false]);
        expect([value, typeof check(value)]).toEqual([value, 'string']);
      }
    });
  });

  describe('without a minimum', () => {
    const model = clinicWithFee({});
    const schema = feeSchema(model);
    const check = serviceCheck(model);

    it.each(validators(schema))('accepts negative amounts with %s, as the service does', (_name, valid) => {
      for (const value of [...accepted, '-1.00', '-1234567890.99']) {
        expect([value, valid(value)]).toEqual([value, true]);
        expect([value, check(value)]).toEqual([value, undefined]);
      }
      for (const value of [...refusedAlways, '-12345678901.00', '--1.00']) {
        expect([value, valid(value)]).toEqual([value, false]);
        expect([value, typeof check(value)]).toEqual([value, 'string']);
      }
    });
  });

  describe('with a minimum above 0 and a maximum', () => {
    const model = clinicWithFee({ minimum: 0.5, maximum: 500 });
    const schema = feeSchema(model);
    const check = serviceCheck(model);

    it('puts them in the pattern, which every validator applies as the service does, and names them', () => {
      expect(schema).toMatchObject({
        pattern: moneyPattern({ minimum: 0.5, maximum: 500 }),
        description: expect.stringMatching(/; at least 0\.50 and at most 500\.00\.$/),
      });
      for (const [, valid] of validators(schema)) {
        for (const value of ['0.50', '0.5', '0.99', '1', '499.99', '500', '500.0', '500.00', '250.75']) {
          expect([value, valid(value), check(value)]).toEqual([value, true, undefined]);
        }
        for (const value of ['0.49', '0.4', '0', '500.01', '500.1', '501', '5000', '-1.00', '0500.00']) {
          expect([value, valid(value), typeof check(value)]).toEqual([value, false, 'string']);
        }
      }
    });
  });

  it.each([
    { minimum: 0, maximum: 5000 },
    { minimum: 1.5, maximum: 20.25 },
    { minimum: 0, maximum: 0.5 },
    { minimum: 12.34, maximum: 12.8 },
    { minimum: 99.99, maximum: 1000 },
  ])('matches exactly the amounts from $minimum to $maximum, in every way of writing them', (bounds) => {
    const pattern = new RegExp(moneyPattern(bounds), 'u');
    const [low, high] = [Math.round(bounds.minimum * 100), Math.round(bounds.maximum * 100)];
    const wrong: string[] = [];
    for (let cents = 0; cents <= 700_000; cents += cents < 3_000 ? 1 : 37) {
      const [whole, part] = [Math.floor(cents / 100), cents % 100];
      const writings = [`${whole}.${String(part).padStart(2, '0')}`];
      if (part % 10 === 0) writings.push(`${whole}.${part / 10}`);
      if (part === 0) writings.push(`${whole}`);
      for (const text of writings)
        if (pattern.test(text) !== (cents >= low && cents <= high)) wrong.push(text);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it('keeps an attribute description that does not end with a full stop', () => {
    expect(moneyDescription({ maximum: 20 }, 'Late fee')).toBe(
      'Late fee. Amount in the product currency as a decimal string with at most 10 integer digits and ' +
        '2 decimals, e.g. "19.99"; at most 20.00.',
    );
  });
});
