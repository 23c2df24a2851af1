import type { Exchange } from './exchange';
import { matchOperation, operationsOf, responseFor, type OperationSpec } from './openApiOperations';
import { ajvValidator, cfworkerValidator, type ContractValidator } from './schemaValidators';

/** A place where a service and its OpenAPI document disagree, or where two standard validators do. */
export interface ConformanceFinding {
  /** `generated request 17` or `acceptance tests`. */
  source: string;
  operation: string;
  request: string;
  status: number;
  /** Which validator (or `contract`, for a status or media type the document does not declare). */
  validator: string;
  message: string;
}

export interface ConformanceResult {
  /** Responses checked against the document (status, media type and body schema). */
  responses: number;
  /** Requests checked against the document (parameters and body); requests cut by the recorder are not. */
  requests: number;
  /** Requests to paths or methods the document does not declare, answered 404 or 405 as they should be. */
  outsideContract: number;
  validators: string[];
  findings: ConformanceFinding[];
}

type Json = Record<string, unknown>;

/** Query and path values arrive as text; a parameter declared as a number or boolean is read as one. */
function parameterValue(raw: string, type: string | undefined): unknown {
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw))
    return Number(raw);
  if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw;
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Why the request breaks the contract, per validator (empty lists when it conforms). */
function requestErrors(
  validators: ContractValidator[],
  operation: OperationSpec,
  pathParameters: Record<string, string>,
  query: URLSearchParams,
  exchange: Exchange,
): Map<string, string[]> {
  const errors = new Map<string, string[]>(validators.map((v) => [v.name, []]));
  const all = (message: string) => validators.forEach((v) => errors.get(v.name)!.push(message));
  for (const parameter of operation.parameters) {
    const raw =
      parameter.in === 'path' ? pathParameters[parameter.name] : (query.get(parameter.name) ?? undefined);
    if (raw === undefined) {
      if (parameter.required) all(`${parameter.in} parameter ${parameter.name} is required`);
      continue;
    }
    const value = parameterValue(raw, parameter.type);
    for (const v of validators)
      errors
        .get(v.name)!
        .push(
          ...v
            .errors(parameter.schema, value)
            .map((e) => `${parameter.in} parameter ${parameter.name}: ${e}`),
        );
  }
  const body = operation.requestBody;
  if (body) {
    const type = mediaType(exchange.requestContentType);
    if (exchange.requestBody === '') {
      if (body.required) all('the request body is required');
    } else if (!body.content[type]) {
      all(`request media type '${type}' is not one of ${Object.keys(body.content).join(', ')}`);
    } else {
      const parsed = parseJson(exchange.requestBody);
      if (!parsed.ok) all('the request body is not JSON');
      else
        for (const v of validators)
          errors.get(v.name)!.push(...v.errors(body.content[type], parsed.value).map((e) => `body ${e}`));
    }
  }
  return errors;
}

/** Why the response breaks the contract: an undeclared status or media type (as `contract`), or the body schema. */
function responseErrors(
  validators: ContractValidator[],
  operation: OperationSpec,
  exchange: Exchange,
): Map<string, string[]> {
  const errors = new Map<string, string[]>();
  const response = responseFor(operation, exchange.status);
  if (!response) {
    errors.set('contract', [
      `status ${exchange.status} is not declared (declared: ${Object.keys(operation.responses).join(', ')})`,
    ]);
    return errors;
  }
  const declared = Object.keys(response.content);
  if (exchange.responseBody === '') {
    if (declared.length)
      errors.set('contract', [`the response has no body; the document declares ${declared.join(', ')}`]);
    return errors;
  }
  const type = mediaType(exchange.responseContentType);
  if (!response.content[type]) {
    errors.set('contract', [
      `response media type '${type}' is not declared${declared.length ? ` (declared: ${declared.join(', ')})` : ' (no body is declared)'}`,
    ]);
    return errors;
  }
  const parsed = parseJson(exchange.responseBody);
  if (!parsed.ok) {
    errors.set('contract', [`the response body is not JSON although it is ${type}`]);
    return errors;
  }
  for (const v of validators) errors.set(v.name, v.errors(response.content[type], parsed.value));
  return errors;
}

const refusals = new Set([400, 413, 415, 422]);

/**
 * A refusal of a schema-valid request that names a business rule the operation documents (`x-rules`) with the
 * status it documents: the document allows that refusal ("at most 5 packets" is a rule, not a schema bound).
 */
function documentedRuleRefusal(rules: Map<string, number>, exchange: Exchange): boolean {
  const body = parseJson(exchange.responseBody);
  if (!body.ok || typeof body.value !== 'object' || body.value === null) return false;
  const rule = (body.value as Json).rule;
  return typeof rule === 'string' && rules.get(rule) === exchange.status;
}

/**
 * Checks recorded exchanges against a service's OpenAPI document with two independent standard validators: each
 * request (path and query parameters, body) and each response (declared status, declared media type, body
 * schema). A service must answer a request the document allows with something other than a refusal of its input,
 * and must refuse a request the document does not allow; the validators must agree with each other.
 */
export function checkConformance(doc: Json, exchanges: Exchange[]): ConformanceResult {
  const validators = [ajvValidator(doc), cfworkerValidator(doc)];
  const operations = operationsOf(doc);
  const result: ConformanceResult = {
    responses: 0,
    requests: 0,
    outsideContract: 0,
    validators: validators.map((v) => v.name),
    findings: [],
  };
  for (const exchange of exchanges) {
    const source = exchange.step === undefined ? 'acceptance tests' : `generated request ${exchange.step}`;
    const url = new URL(exchange.target, 'http://service.invalid');
    const request = `${exchange.method} ${exchange.target.length > 120 ? exchange.target.slice(0, 117) + '...' : exchange.target}`;
    const finding = (operation: string, validator: string, message: string) =>
      result.findings.push({ source, operation, request, status: exchange.status, validator, message });
    const { matched, pathKnown } = matchOperation(operations, exchange.method, url.pathname);
    if (!matched) {
      if ((pathKnown && exchange.status === 405) || (!pathKnown && exchange.status === 404))
        result.outsideContract++;
      else
        finding(
          '(none)',
          'contract',
          `answered ${exchange.status} to a ${pathKnown ? 'method' : 'path'} the document does not declare (expected ${pathKnown ? 405 : 404})`,
        );
      continue;
    }
    const { operation, pathParameters } = matched;
    result.responses++;
    for (const [validator, messages] of responseErrors(validators, operation, exchange))
      if (messages.length)
        finding(operation.operationId, validator, `response: ${messages.slice(0, 3).join('; ')}`);
    if (!exchange.requestBodyComplete) continue;
    result.requests++;
    const verdicts = requestErrors(validators, operation, pathParameters, url.searchParams, exchange);
    const valid = [...verdicts.values()].map((messages) => messages.length === 0);
    if (valid.some((v) => v !== valid[0])) {
      for (const [validator, messages] of verdicts)
        finding(
          operation.operationId,
          validator,
          messages.length
            ? `the validators disagree; this one refuses the request: ${messages.slice(0, 3).join('; ')}`
            : 'the validators disagree; this one accepts the request',
        );
      continue;
    }
    if (valid[0] && refusals.has(exchange.status) && !documentedRuleRefusal(operation.rules, exchange))
      finding(
        operation.operationId,
        'contract',
        `refused a request the document allows: ${exchange.responseBody.slice(0, 300)}`,
      );
    if (!valid[0] && exchange.status >= 200 && exchange.status < 300) {
      const [validator, messages] = [...verdicts.entries()][0];
      finding(
        operation.operationId,
        validator,
        `accepted a request the document does not allow: ${messages.slice(0, 3).join('; ')}`,
      );
    }
  }
  return result;
}
