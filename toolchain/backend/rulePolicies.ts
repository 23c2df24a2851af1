import type TS from 'typescript';
import { ts } from '../../platform/typescript';
import { commentText } from '../escaping/commentText';
import { tsLiteral } from '../escaping/tsLiteral';
import { kitFile } from './kit';
import type { ServiceEntity } from './model';
import type { PlannedRule, PolicyExample } from './rulePlan';
import { validBody } from './samples';
import { entitySource } from './templates/domain';

/**
 * Policy rules (docs/adr/0073): a rule no kind of the engine can express is checked by a function whose body a
 * language model writes. Everything around the body is compiled here: the file, the signature, the record type,
 * the structural check that the body stays inside its function and reaches nothing but its record and the
 * language's own values, and the examples it is tested against.
 */

/** The policy function of a rule: `policy` and the rule id in PascalCase (`tool-r3` is `policyToolR3`). */
export function policyFunction(ruleId: string): string {
  return `policy${ruleId.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase())}`;
}

export const policyFolder = 'src/domain/rulePolicies';

export function policyPath(ruleId: string): string {
  return `${policyFolder}/${policyFunction(ruleId)}.ts`;
}

/** The file of a rule's policy: the compiled signature around the body the model wrote. */
export function policySource(
  entity: ServiceEntity,
  rule: Pick<PlannedRule, 'id' | 'text'>,
  body: string,
): string {
  return [
    `import type { ${entity.name} } from '../${entity.file}';`,
    '',
    '/**',
    ` * ${rule.id}: ${commentText(rule.text)}`,
    ' * Whether the record keeps the rule. The body was written by a language model and tested against the',
    " * rule's examples (test/rules.acceptance.test.ts); the signature and this file are compiled.",
    ' */',
    `export function ${policyFunction(rule.id)}(record: Readonly<${entity.name}>): boolean {`,
    ...body
      .replace(/\r\n?/g, '\n')
      .trimEnd()
      .split('\n')
      .map((line) => (line.trim() ? `  ${line}` : '')),
    '}',
    '',
  ].join('\n');
}

/** The record type a policy reads, as the service declares it: what the model is shown of the entity. */
export function recordType(entity: ServiceEntity): string {
  const source = entitySource(entity);
  const declared = [
    /export interface \w+Props \{[\s\S]*?\n\}\n/.exec(source)?.[0] ?? '',
    /export interface \w+ extends \w+Props \{[\s\S]*?\n\}\n/.exec(source)?.[0] ?? '',
  ];
  // The service derives the status type from a constant; the model is shown the states themselves.
  const states = entity.states.length
    ? `type ${entity.name}Status = ${entity.states.map((state) => tsLiteral(state)).join(' | ')};\n\n`
    : '';
  return (states + declared.join('\n')).replace(/^export /gm, '');
}

/** The values of the language a policy body may use; anything else (the process, the network, modules) is not there. */
const allowedGlobals = new Set([
  'Math',
  'Number',
  'String',
  'Boolean',
  'Date',
  'RegExp',
  'Array',
  'JSON',
  'Set',
  'Map',
  'isNaN',
  'isFinite',
  'parseInt',
  'parseFloat',
  'undefined',
  'NaN',
  'Infinity',
]);

/** Property names that lead from any value to constructors and prototypes, and from there to the process. */
const reflective = new Set([
  'constructor',
  'prototype',
  '__proto__',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

const compilerOptions = (): TS.CompilerOptions => ({
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  lib: ['lib.es2022.d.ts'],
  strict: true,
  noEmit: true,
  types: [],
  skipLibCheck: true,
});

/**
 * Type-checks a body in its slot, with the entity's real source, and checks its shape: the file keeps exactly the
 * import and the one function, and the body names only its record, its own variables and `allowedGlobals`, with
 * no way to constructors or prototypes (`constructor`, computed keys), no casts and no compiler directives. The
 * body runs in the product's service: this keeps a hostile answer from reaching the process, its settings or the
 * network, beyond the confinement every generated service has.
 * Returns the problems as the model should read them (lines counted in the body); none when it is sound.
 */
export function checkPolicyBody(
  entity: ServiceEntity,
  rule: Pick<PlannedRule, 'id' | 'text'>,
  body: string,
): string[] {
  const slotPath = `/service/${policyPath(rule.id)}`;
  const files = new Map<string, string>([
    [slotPath, policySource(entity, rule, body)],
    [`/service/src/domain/${entity.file}.ts`, entitySource(entity)],
    ['/service/src/domain/errors.ts', kitFile('src/domain/errors.ts')],
    ['/service/src/domain/rules.ts', kitFile('src/domain/rules.ts')],
  ]);
  const options = compilerOptions();
  const libFolder = ts.getDefaultLibFilePath(options).replace(/[^/\\]+$/, '');
  const host = ts.createCompilerHost(options);
  const read = (name: string) =>
    files.get(name) ?? (name.startsWith(libFolder) ? ts.sys.readFile(name) : undefined);
  host.fileExists = (name) => read(name) !== undefined;
  host.directoryExists = (name) =>
    [...files.keys()].some((path) => path.startsWith(`${name}/`)) ||
    name.startsWith(libFolder.replace(/[/\\]$/, ''));
  host.readFile = read;
  host.getSourceFile = (name, version) => {
    const text = read(name);
    return text === undefined ? undefined : ts.createSourceFile(name, text, version, true);
  };
  host.getCurrentDirectory = () => '/service';
  host.writeFile = () => undefined;
  const program = ts.createProgram([slotPath], options, host);
  const slot = program.getSourceFile(slotPath)!;
  // The body starts on the slot's line after the signature; report lines as the model numbered them.
  const firstLine =
    policySource(entity, rule, '')
      .split('\n')
      .findIndex((l) => l.startsWith('export function')) + 1;
  const where = (node: TS.Node | number) => {
    const line = slot.getLineAndCharacterOfPosition(typeof node === 'number' ? node : node.getStart()).line;
    return line < firstLine ? 'the slot' : `line ${line - firstLine + 1}`;
  };
  const problems: string[] = [];
  for (const d of ts.getPreEmitDiagnostics(program, slot)) {
    problems.push(
      `${d.start === undefined ? '' : `${where(d.start)}: `}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    );
  }
  const statements = slot.statements;
  const fn = statements.find(ts.isFunctionDeclaration);
  if (statements.length !== 2 || !fn || fn.name?.text !== policyFunction(rule.id) || !fn.body) {
    problems.push(
      'the body must be the statements of one function body only: it closed the function or added declarations around it',
    );
    return problems;
  }
  if (/@ts-(?:ignore|nocheck|expect-error)/.test(body))
    problems.push(
      'compiler directives (@ts-ignore, @ts-nocheck, @ts-expect-error) are not allowed in a policy',
    );
  const checker = program.getTypeChecker();
  const refuse = (node: TS.Node, what: string) =>
    problems.push(`${where(node)}: ${what} is not allowed in a policy`);
  const visit = (node: TS.Node) => {
    if (node.kind === ts.SyntaxKind.ImportKeyword) refuse(node, 'import()');
    // The ways from a value to the Function constructor or to prototypes, which reach the process.
    if (ts.isPropertyAccessExpression(node) && reflective.has(node.name.text)) refuse(node, node.name.text);
    // A computed key could spell one of those; only numeric indexes (`match[1]`) are kept.
    if (ts.isElementAccessExpression(node)) {
      const key = checker.getTypeAtLocation(node.argumentExpression);
      if (!(key.flags & ts.TypeFlags.NumberLike))
        refuse(node, 'an element access with a key that is not a number');
    }
    // A cast could make the read-only record writable or hide a reach for the process.
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) refuse(node, 'a type assertion');
    if (node.kind === ts.SyntaxKind.AnyKeyword) refuse(node, 'the type any');
    if (ts.isIdentifier(node) && !isNameOnly(node)) {
      const declarations = checker.getSymbolAtLocation(node)?.declarations ?? [];
      const local = declarations.some(
        (d) => d.getSourceFile() === slot && d.pos >= fn.pos && d.end <= fn.end,
      );
      // The language's own values are declared by its default library (or, like globalThis, by the compiler).
      const global = declarations.every((d) => program.isSourceFileDefaultLibrary(d.getSourceFile()));
      if (!local && !(global && allowedGlobals.has(node.text)))
        problems.push(
          `${where(node)}: ${node.text} is not available in a policy; use the record and the language's own values`,
        );
    }
    ts.forEachChild(node, visit);
  };
  visit(fn.body);
  return problems;
}

/** A name that does not refer to a value: a property's name, or a name being declared. */
function isNameOnly(node: TS.Identifier): boolean {
  const parent = node.parent;
  return (
    (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
    (ts.isPropertyAssignment(parent) && parent.name === node) ||
    (ts.isVariableDeclaration(parent) && parent.name === node) ||
    (ts.isParameter(parent) && parent.name === node) ||
    (ts.isFunctionDeclaration(parent) && parent.name === node) ||
    ts.isTypeReferenceNode(parent) ||
    ts.isQualifiedName(parent)
  );
}

/** A complete record of the entity, as the service stores it, with an example's values over it. */
export function exampleRecord(
  entity: ServiceEntity,
  example: PolicyExample,
  variant = 1,
): Record<string, unknown> {
  return {
    ...validBody(entity, variant),
    id: `00000000-0000-4000-8000-${String(9000 + variant).padStart(12, '0')}`,
    ...(entity.states.length ? { status: entity.states[0] } : {}),
    createdBy: 'tester',
    createdAt: '2026-03-01T09:00:00.000Z',
    updatedAt: '2026-03-01T09:00:00.000Z',
    ...example.values,
  };
}

/**
 * A CommonJS program that runs the compiled policy (`./policy.js`) on each example and prints one JSON line:
 * what it returned or threw for each. It runs in the sandbox: the body is the model's.
 */
export function examplesProgram(entity: ServiceEntity, ruleId: string, examples: PolicyExample[]): string {
  const records = examples.map((example, i) => exampleRecord(entity, example, i + 1));
  return [
    `const policy = require('./policy.js')[${tsLiteral(policyFunction(ruleId))}];`,
    `const records = ${tsLiteral(records)};`,
    'const results = records.map((record) => {',
    '  try {',
    '    return { returned: policy(Object.freeze(record)) };',
    '  } catch (error) {',
    '    return { threw: String(error && error.message ? error.message : error) };',
    '  }',
    '});',
    'process.stdout.write(JSON.stringify(results) + "\\n");',
    '',
  ].join('\n');
}

/** The slot's file compiled to CommonJS for the examples program (types erased; nothing else changes). */
export function compiledPolicy(
  entity: ServiceEntity,
  rule: Pick<PlannedRule, 'id' | 'text'>,
  body: string,
): string {
  return ts.transpileModule(policySource(entity, rule, body), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS },
  }).outputText;
}

/** What the examples program's results say, one line per example that did not come out as the rule says. */
export function examplesReport(
  examples: PolicyExample[],
  results: Array<{ returned?: unknown; threw?: string }>,
): string[] {
  return examples.flatMap((example, i) => {
    const result = results[i];
    const values = Object.entries(example.values)
      .map(([name, value]) => `${name} = ${JSON.stringify(value)}`)
      .join(', ');
    const expected = example.allowed ? 'true (allowed)' : 'false (refused)';
    if (!result) return [`example ${i + 1} (${values}): no result`];
    if (result.threw !== undefined)
      return [`example ${i + 1} (${values}): expected ${expected}, it threw: ${result.threw}`];
    if (result.returned !== example.allowed)
      return [
        `example ${i + 1} (${values}): expected ${expected} because ${example.why}; it returned ${JSON.stringify(result.returned)}`,
      ];
    return [];
  });
}
