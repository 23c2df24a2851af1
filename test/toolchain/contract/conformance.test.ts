import { checkConformance } from '../../../toolchain/testing/contract/conformance';
import type { Exchange } from '../../../toolchain/testing/contract/exchange';
import { matchOperation, operationsOf } from '../../../toolchain/testing/contract/openApiOperations';
import { itemsApi } from './openApiFixture';

const id = '3f2c1a4e-9b7d-4c2e-8f1a-2b3c4d5e6f70';
const item = { id, name: 'lamp', price: '19.99' };

function exchange(partial: Partial<Exchange> & Pick<Exchange, 'method' | 'target' | 'status'>): Exchange {
  return {
    requestBody: '',
    requestBodyComplete: true,
    responseBody: '',
    responseBodyComplete: true,
    ...partial,
  };
}

const json = (value: unknown) => JSON.stringify(value);
const problem = (status: number) => json({ title: 'Problem', status });

describe('matching a request to its operation', () => {
  const operations = operationsOf(itemsApi);

  it('prefers a literal path to a template and reads path parameters', () => {
    expect(matchOperation(operations, 'GET', '/v1/items/search').matched?.operation.operationId).toBe(
      'searchItems',
    );
    const matched = matchOperation(operations, 'GET', `/v1/items/${id}`).matched;
    expect(matched?.operation.operationId).toBe('getItem');
    expect(matched?.pathParameters).toEqual({ id });
  });

  it('tells a method the path does not have from a path the document does not have', () => {
    expect(matchOperation(operations, 'PUT', '/v1/items')).toEqual({ pathKnown: true });
    expect(matchOperation(operations, 'GET', '/v1/other')).toEqual({ pathKnown: false });
  });

  it('resolves referenced parameters and responses to pointers into the document', () => {
    const list = operations.find((o) => o.operationId === 'listItems')!;
    expect(list.parameters).toEqual([
      {
        name: 'limit',
        in: 'query',
        required: false,
        schema: '#/components/parameters/Limit/schema',
        type: 'integer',
      },
    ]);
    expect(list.responses['400'].content).toEqual({
      'application/problem+json':
        '#/components/responses/BadRequest/content/application~1problem+json/schema',
    });
    expect(operations.find((o) => o.operationId === 'createItem')!.requestBody).toEqual({
      required: true,
      content: {
        'application/json': '#/paths/~1v1~1items/post/requestBody/content/application~1json/schema',
      },
    });
  });
});

describe('checking exchanges against the document', () => {
  it('passes conforming exchanges and counts them', () => {
    const result = checkConformance(itemsApi, [
      exchange({
        method: 'POST',
        target: '/v1/items',
        requestContentType: 'application/json',
        requestBody: json({ name: 'lamp', price: '19.99' }),
        status: 201,
        responseContentType: 'application/json; charset=utf-8',
        responseBody: json(item),
      }),
      exchange({
        method: 'GET',
        target: '/v1/items?limit=5',
        status: 200,
        responseContentType: 'application/json',
        responseBody: json({ items: [item], total: 1 }),
      }),
      exchange({
        method: 'POST',
        target: '/v1/items',
        requestContentType: 'application/json',
        requestBody: json({ name: 'lamp' }),
        status: 400,
        responseContentType: 'application/problem+json',
        responseBody: problem(400),
      }),
      exchange({ method: 'DELETE', target: `/v1/items/${id}`, status: 204 }),
      exchange({
        method: 'DELETE',
        target: '/v1/items/not-a-uuid',
        status: 400,
        responseContentType: 'application/problem+json',
        responseBody: problem(400),
      }),
      exchange({
        method: 'PUT',
        target: '/v1/items',
        status: 405,
        responseContentType: 'application/problem+json',
        responseBody: problem(405),
      }),
    ]);
    expect(result.findings).toEqual([]);
    expect(result).toMatchObject({ responses: 5, requests: 5, outsideContract: 1 });
    expect(result.validators).toEqual([
      'ajv (JSON Schema 2020-12, OpenAPI 3.1 dialect)',
      '@cfworker/json-schema (JSON Schema 2020-12)',
    ]);
  });

  it('reports an undeclared status, an undeclared media type and a body off its schema, each with the operation', () => {
    const result = checkConformance(itemsApi, [
      exchange({
        method: 'GET',
        target: `/v1/items/${id}`,
        status: 503,
        responseContentType: 'application/problem+json',
        responseBody: problem(503),
        step: 4,
      }),
      exchange({
        method: 'GET',
        target: `/v1/items/${id}`,
        status: 404,
        responseContentType: 'text/plain',
        responseBody: 'not found',
      }),
      exchange({
        method: 'GET',
        target: `/v1/items/${id}`,
        status: 200,
        responseContentType: 'application/json',
        responseBody: json({ ...item, price: 19.99, due: '2026-02-30' }),
      }),
    ]);
    expect(result.findings.map((f) => [f.source, f.operation, f.status, f.validator, f.message])).toEqual([
      [
        'generated request 4',
        'getItem',
        503,
        'contract',
        'response: status 503 is not declared (declared: 200, 404)',
      ],
      [
        'acceptance tests',
        'getItem',
        404,
        'contract',
        "response: response media type 'text/plain' is not declared (declared: application/problem+json)",
      ],
      [
        'acceptance tests',
        'getItem',
        200,
        'ajv (JSON Schema 2020-12, OpenAPI 3.1 dialect)',
        'response: /price must be string; /due must match format "date"',
      ],
      [
        'acceptance tests',
        'getItem',
        200,
        '@cfworker/json-schema (JSON Schema 2020-12)',
        expect.stringMatching(/^response: \/price .*string.*; \/due .*format "date"/),
      ],
    ]);
  });

  it('reports a service that refuses what the document allows, or accepts what it does not', () => {
    const result = checkConformance(itemsApi, [
      exchange({
        method: 'POST',
        target: '/v1/items',
        requestContentType: 'application/json',
        requestBody: json({ name: 'ü🙂', price: '0.5' }),
        status: 400,
        responseContentType: 'application/problem+json',
        responseBody: problem(400),
      }),
      exchange({
        method: 'POST',
        target: '/v1/items',
        requestContentType: 'application/json',
        requestBody: json({ name: 'lamp', price: '1.234' }),
        status: 201,
        responseContentType: 'application/json',
        responseBody: json(item),
      }),
      exchange({
        method: 'GET',
        target: '/v1/items?limit=0',
        status: 200,
        responseContentType: 'application/json',
        responseBody: json({ items: [], total: 0 }),
      }),
      exchange({
        method: 'POST',
        target: '/v1/items',
        requestContentType: 'text/plain',
        requestBody: 'name=lamp',
        status: 201,
        responseContentType: 'application/json',
        responseBody: json(item),
      }),
    ]);
    expect(
      result.findings.map((f) => [f.operation, f.request, f.validator, f.message.split(':')[0]]),
    ).toEqual([
      ['createItem', 'POST /v1/items', 'contract', 'refused a request the document allows'],
      [
        'createItem',
        'POST /v1/items',
        'ajv (JSON Schema 2020-12, OpenAPI 3.1 dialect)',
        'accepted a request the document does not allow',
      ],
      [
        'listItems',
        'GET /v1/items?limit=0',
        'ajv (JSON Schema 2020-12, OpenAPI 3.1 dialect)',
        'accepted a request the document does not allow',
      ],
      [
        'createItem',
        'POST /v1/items',
        'ajv (JSON Schema 2020-12, OpenAPI 3.1 dialect)',
        'accepted a request the document does not allow',
      ],
    ]);
    expect(result.findings[1].message).toContain('/price must match pattern');
    expect(result.findings[3].message).toContain(
      "request media type 'text/plain' is not one of application/json",
    );
  });

  it("accepts a refusal that names a business rule the operation documents, with the rule's status", () => {
    const doc = structuredClone(itemsApi);
    const create: { responses: Record<string, unknown>; 'x-rules'?: unknown } = doc.paths['/v1/items'].post;
    create.responses['422'] = { $ref: '#/components/responses/BadRequest' };
    create['x-rules'] = [{ id: 'item-rule-1', rule: 'An item may cost at most 100 euros.', status: 422 }];
    const refused = (rule: string) =>
      exchange({
        method: 'POST',
        target: '/v1/items',
        requestContentType: 'application/json',
        requestBody: json({ name: 'lamp', price: '150.00' }),
        status: 422,
        responseContentType: 'application/problem+json',
        responseBody: json({ title: 'Unprocessable Content', status: 422, rule }),
      });
    const result = checkConformance(doc, [refused('item-rule-1'), refused('item-rule-9')]);
    // The documented rule may refuse; a rule the document does not name may not.
    expect(result.findings.map((f) => f.message.split(':')[0])).toEqual([
      'refused a request the document allows',
    ]);
    expect(result.findings[0].message).toContain('item-rule-9');
  });

  it('says when two standard validators disagree about the document (money as a number with multipleOf 0.01)', () => {
    const doc = structuredClone(itemsApi);
    const properties: Record<string, unknown> = doc.components.schemas.ItemCreate.properties;
    properties.price = { type: 'number', multipleOf: 0.01 };
    const result = checkConformance(doc, [
      exchange({
        method: 'POST',
        target: '/v1/items',
        requestContentType: 'application/json',
        requestBody: json({ name: 'lamp', price: 19.99 }),
        status: 400,
        responseContentType: 'application/problem+json',
        responseBody: problem(400),
      }),
    ]);
    expect(result.findings.map((f) => [f.validator, f.message])).toEqual([
      [
        'ajv (JSON Schema 2020-12, OpenAPI 3.1 dialect)',
        'the validators disagree; this one refuses the request: body /price must be multiple of 0.01',
      ],
      [
        '@cfworker/json-schema (JSON Schema 2020-12)',
        'the validators disagree; this one accepts the request',
      ],
    ]);
  });

  it('does not judge a request whose body the recorder cut, and flags an undeclared path that answers 200', () => {
    const result = checkConformance(itemsApi, [
      exchange({
        method: 'POST',
        target: '/v1/items',
        requestContentType: 'application/json',
        requestBody: '{"name":"',
        requestBodyComplete: false,
        status: 400,
        responseContentType: 'application/problem+json',
        responseBody: problem(400),
      }),
      exchange({
        method: 'GET',
        target: '/v1/secret',
        status: 200,
        responseContentType: 'application/json',
        responseBody: '{}',
      }),
    ]);
    expect(result).toMatchObject({ responses: 1, requests: 0, outsideContract: 0 });
    expect(result.findings.map((f) => f.message)).toEqual([
      'answered 200 to a path the document does not declare (expected 404)',
    ]);
  });
});
