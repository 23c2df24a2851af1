import { generateRequests } from '../../../toolchain/testing/contract/generatedRequests';
import { ajvValidator, cfworkerValidator } from '../../../toolchain/testing/contract/schemaValidators';
import { itemsApi } from './openApiFixture';

const createBody = '#/paths/~1v1~1items/post/requestBody/content/application~1json/schema';

describe('requests generated from an OpenAPI document', () => {
  const requests = generateRequests(itemsApi, 200, 7);

  it('makes at least the asked number, the same for the same seed and different for another', () => {
    expect(requests.length).toBeGreaterThanOrEqual(200);
    expect(generateRequests(itemsApi, 200, 7)).toEqual(requests);
    expect(generateRequests(itemsApi, 200, 8)).not.toEqual(requests);
  });

  it('creates records before it reads, changes or deletes them', () => {
    const lastCreate = requests.map((r) => r.creates !== undefined).lastIndexOf(true);
    const firstDelete = requests.findIndex((r) => r.method === 'DELETE');
    expect(lastCreate).toBeGreaterThanOrEqual(0);
    expect(firstDelete).toBeGreaterThan(lastCreate);
    expect(
      requests
        .filter((r) => r.path.includes('{id}'))
        .every((r) => r.idFrom === '/v1/items' || r.id !== undefined),
    ).toBe(true);
  });

  it('generates bodies the schema allows, which both validators accept, across the whole range of each property', () => {
    const valid = requests
      .filter((r) => r.intent === 'a body the schema allows')
      .map((r) => JSON.parse(r.body!) as Record<string, unknown>);
    expect(valid.length).toBeGreaterThanOrEqual(4);
    for (const validator of [ajvValidator(itemsApi), cfworkerValidator(itemsApi)])
      expect(valid.map((body) => validator.errors(createBody, body)).filter((e) => e.length)).toEqual([]);
    expect(new Set(valid.map((b) => b.price)).size).toBeGreaterThan(1);
  });

  it('generates invalid requests, each breaking one rule of the document, which the validators refuse', () => {
    const broken = requests.filter((r) => r.method === 'POST' && r.intent !== 'a body the schema allows');
    expect(broken.length).toBeGreaterThanOrEqual(4);
    const ajv = ajvValidator(itemsApi);
    for (const request of broken.filter(
      (r) => r.contentType === 'application/json' && r.body !== '{"broken": ',
    ))
      expect({
        intent: request.intent,
        refused: ajv.errors(createBody, JSON.parse(request.body!)).length > 0,
      }).toEqual({ intent: request.intent, refused: true });
    expect(broken.map((r) => r.intent)).toEqual(
      expect.arrayContaining(['malformed JSON', 'a media type the operation does not take']),
    );
    const all = generateRequests(itemsApi, 2000, 7).map((r) => r.intent);
    expect(all).toEqual(
      expect.arrayContaining([
        'required name missing',
        'name: one character over maxLength',
        'size: a value outside the enumeration',
        'due: a date that does not exist',
        'a property the contract does not declare',
        'limit: below the minimum',
        'limit: above the maximum',
        'an id that is not a uuid',
      ]),
    );
  });
});
