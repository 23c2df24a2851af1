import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import ts from 'typescript';
import { parse as parseYaml } from 'yaml';
import { applyMigrations } from '../../../toolchain/database/applyMigrations';
import { bicepString } from '../../../toolchain/escaping/bicepString';
import { commentText } from '../../../toolchain/escaping/commentText';
import { html } from '../../../toolchain/escaping/html';
import { singleLine } from '../../../toolchain/escaping/lineTerminators';
import { markdownText } from '../../../toolchain/escaping/markdownText';
import { sqlIdentifier, sqlString } from '../../../toolchain/escaping/sql';
import { tsLiteral } from '../../../toolchain/escaping/tsLiteral';
import { yamlString } from '../../../toolchain/escaping/yamlString';
import { findBicep } from '../../infra/bicepCli';
import { hostileStrings } from './hostileStrings';

const lineBreak = /[\n\r\u0085\u2028\u2029]/;
/** What a UTF-8 file can hold of a string: lone surrogates become U+FFFD on the way to disk. */
const asUtf8 = (text: string) => Buffer.from(text, 'utf8').toString('utf8');
/** Strings over the characters that matter to comments, with everything else as filler. */
const commentish = fc.string({
  unit: fc.constantFrom('*', '/', '\\', '\n', '\r', '\u2028', '\u2029', '\u0000', 'x', ' '),
  maxLength: 40,
});

/** Runs a TypeScript module in a fresh context; returns its exports and whether injected code ran. */
function runModule(source: string): { exports: Record<string, unknown>; pwned: unknown } {
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const sandbox: Record<string, unknown> = { exports: {}, alert: () => undefined };
  sandbox.globalThis = sandbox;
  runInNewContext(js, sandbox);
  return { exports: sandbox.exports as Record<string, unknown>, pwned: sandbox.__pwned };
}

function parseDiagnostics(source: string): ts.SourceFile & { parseDiagnostics?: ts.Diagnostic[] } {
  return ts.createSourceFile('probe.ts', source, ts.ScriptTarget.ES2022, true);
}

describe('tsLiteral', () => {
  it.each(hostileStrings.map((s) => [s.slice(0, 40), s]))('holds %j exactly', (_label, text) => {
    const literal = tsLiteral(text);
    expect(literal).not.toMatch(lineBreak);
    const file = parseDiagnostics(`export const value = ${literal};\n`);
    expect(file.parseDiagnostics ?? []).toEqual([]);
    expect(file.statements).toHaveLength(1);
    const { exports, pwned } = runModule(`export const value = ${literal};\n`);
    expect(pwned).toBeUndefined();
    expect(exports.value).toBe(text);
  });

  it('round-trips any string, arrays and objects', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(runInNewContext(`(${tsLiteral(text)})`)).toBe(text);
      }),
    );
    const value = { list: [...hostileStrings], nested: { n: 1, ok: true, none: null } };
    expect(runModule(`export const value = ${tsLiteral(value)};`).exports.value).toEqual(value);
  });

  it('refuses values that have no literal', () => {
    expect(() => tsLiteral(undefined)).toThrow('no TypeScript literal for a undefined');
    expect(() => tsLiteral(() => 1)).toThrow('no TypeScript literal for a function');
  });
});

describe('commentText', () => {
  const forms = [
    (text: string) => `/** ${commentText(text)} */\nexport const marker = 1;\n`,
    (text: string) => `/* ${commentText(text)} */ export const marker = 1;\n`,
    (text: string) => `// ${commentText(text)}\nexport const marker = 1;\n`,
    (text: string) =>
      `export interface Probe {\n  /** ${commentText(text)} */\n  name: string;\n}\nexport const marker = 1;\n`,
  ];

  function expectInert(source: string) {
    const file = parseDiagnostics(source);
    expect(file.parseDiagnostics ?? []).toEqual([]);
    const last = file.statements[file.statements.length - 1];
    expect(last.getText(file)).toBe('export const marker = 1;');
    const { exports, pwned } = runModule(source);
    expect(pwned).toBeUndefined();
    expect(exports).toEqual({ marker: 1 });
  }

  it.each(hostileStrings.map((s) => [s.slice(0, 40), s]))('keeps %j inside the comment', (_label, text) => {
    const inner = commentText(text);
    expect(inner).not.toContain('*/');
    expect(inner).not.toMatch(lineBreak);
    for (const form of forms) expectInert(form(text));
  });

  it('cannot be closed by stars and slashes in any arrangement, before or after line breaks', () => {
    fc.assert(
      fc.property(commentish, (text) => {
        const inner = commentText(text);
        expect(inner).not.toContain('*/');
        expect(inner).not.toMatch(lineBreak);
        for (const form of forms) expectInert(form(text));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the text readable: only a backslash is added between a star and a slash', () => {
    expect(commentText('a **// b')).toBe('a **\\// b');
    expect(commentText('one\ntwo\u2028three')).toBe('one two three');
    expect(commentText('plain text')).toBe('plain text');
  });
});

describe('html', () => {
  const decode = (text: string) =>
    text.replace(
      /&(amp|lt|gt|quot|#39);/g,
      (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name]!,
    );

  it.each(hostileStrings.map((s) => [s.slice(0, 40), s]))('makes %j text, never markup', (_label, text) => {
    const escaped = html(text);
    expect(escaped).not.toMatch(/[<>"']/);
    expect(escaped).not.toContain('\u0000');
    // Every `&` starts one of the references written by html().
    expect(escaped.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
    expect(decode(escaped)).toBe(text.replaceAll('\u0000', '\ufffd'));
  });

  it('escapes the attribute breakers in a real attribute and element', () => {
    expect(`<p title="${html('" onmouseover="alert(2)')}">${html('<svg onload=alert(1)>')}</p>`).toBe(
      '<p title="&quot; onmouseover=&quot;alert(2)">&lt;svg onload=alert(1)&gt;</p>',
    );
  });
});

describe('sqlString and sqlIdentifier on PostgreSQL (PGlite)', () => {
  const hex = (text: string) => Buffer.from(text.replaceAll('\u0000', '\ufffd'), 'utf8').toString('hex');
  // The expected value travels hex-encoded, so the check does not depend on the function under test.
  const probe = (texts: readonly string[]) =>
    [
      'CREATE TABLE x (id int);',
      'CREATE TABLE probe (id int PRIMARY KEY, v text);',
      ...texts.map((text, i) => `INSERT INTO probe VALUES (${i}, ${sqlString(text)});`),
      ...texts.map(
        (text, i) =>
          `DO $$ BEGIN IF (SELECT v FROM probe WHERE id = ${i}) IS DISTINCT FROM convert_from(decode('${hex(asUtf8(text))}', 'hex'), 'UTF8') THEN RAISE EXCEPTION 'row ${i} differs'; END IF; END $$;`,
      ),
    ].join('\n');

  it.each([
    ['standard conforming strings on', ''],
    ['standard conforming strings off', 'SET standard_conforming_strings = off;\n'],
  ])('stores every hostile string unchanged (%s)', async (_label, setting) => {
    const result = await applyMigrations([
      { path: '001_probe.sql', content: setting + probe(hostileStrings) },
    ]);
    expect(result.errors).toEqual([]);
    expect(result.rowCounts).toEqual({ probe: hostileStrings.length, x: 0 });
  });

  it('quotes identifiers that are keywords or not plain lower-case names', async () => {
    expect(sqlIdentifier('tools')).toBe('tools');
    expect(sqlIdentifier('order')).toBe('"order"');
    expect(sqlIdentifier('user')).toBe('"user"');
    expect(sqlIdentifier('Mixed')).toBe('"Mixed"');
    expect(sqlIdentifier('a"; DROP TABLE x; --')).toBe('"a""; DROP TABLE x; --"');
    expect(() => sqlIdentifier('')).toThrow('an SQL identifier cannot be empty');
    const names = ['order', 'user', 'limit', 'a"; DROP TABLE x; --', 'Mixed Case'];
    const script = [
      'CREATE TABLE x (id int);',
      ...names.map((name) => `CREATE TABLE ${sqlIdentifier(name)} (${sqlIdentifier('select')} int);`),
      ...names.map((name) => `INSERT INTO ${sqlIdentifier(name)} (${sqlIdentifier('select')}) VALUES (1);`),
    ].join('\n');
    const result = await applyMigrations([{ path: '001_names.sql', content: script }]);
    expect(result.errors).toEqual([]);
    expect(result.rowCounts).toEqual({ ...Object.fromEntries(names.map((n) => [n, 1])), x: 0 });
  });
});

describe('yamlString', () => {
  it.each(hostileStrings.map((s) => [s.slice(0, 40), s]))('holds %j as one scalar', (_label, text) => {
    const scalar = yamlString(text);
    expect(scalar).not.toMatch(lineBreak);
    for (const version of ['1.1', '1.2'] as const) {
      const doc = parseYaml(`key: ${scalar}\nafter: 1\n`, { version }) as Record<string, unknown>;
      expect(doc).toEqual({ key: text, after: 1 });
    }
  });

  it('round-trips any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(parseYaml(`v: ${yamlString(text)}`)).toEqual({ v: text });
      }),
    );
  });
});

describe('bicepString', () => {
  it.each(hostileStrings.map((s) => [s.slice(0, 40), s]))(
    'writes %j as one interpolation-free literal',
    (_label, text) => {
      const literal = bicepString(text);
      // eslint-disable-next-line no-control-regex -- control characters are what must not be left raw
      expect(literal).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
      // Inside the quotes: no unescaped quote and no unescaped interpolation.
      const body = literal.slice(1, -1).replace(/\\./g, '');
      expect(body).not.toContain("'");
      expect(body).not.toContain('${');
    },
  );

  const bicep = findBicep();
  const withCli = bicep.path || process.env.CI ? it : it.skip;
  if (!bicep.path && !process.env.CI)
    process.stderr.write(`Skipping the Bicep round trip of bicepString: ${bicep.reason}.\n`);

  withCli('compiles to ARM outputs equal to the strings (Bicep CLI)', () => {
    if (!bicep.path) throw new Error(`CI is set but ${bicep.reason}`);
    const dir = mkdtempSync(join(tmpdir(), 'factory-bicep-string-'));
    const file = join(dir, 'main.bicep');
    writeFileSync(
      file,
      hostileStrings.map((text, i) => `output v${i} string = ${bicepString(text)}\n`).join(''),
      'utf8',
    );
    const template = JSON.parse(
      execFileSync(bicep.path, ['build', file, '--stdout'], { encoding: 'utf8' }),
    ) as {
      outputs: Record<string, { value: string }>;
    };
    hostileStrings.forEach((text, i) => expect(template.outputs[`v${i}`].value).toBe(asUtf8(text)));
  });
});

describe('markdownText', () => {
  const unescape = (text: string) => text.replace(/\\([!-/:-@[-`{-~])/g, '$1');

  it.each(hostileStrings.map((s) => [s.slice(0, 40), s]))(
    'renders %j as plain text on one line',
    (_label, text) => {
      const escaped = markdownText(text);
      expect(escaped).not.toMatch(lineBreak);
      // No markup character is left unescaped: HTML, entities, links, code spans, emphasis, table cells.
      expect(escaped.replace(/\\./g, '')).not.toMatch(/[<>[\]`*_|&\\]/);
      expect(unescape(escaped)).toBe(singleLine(text));
    },
  );

  it('does not open a block at the start of a line', () => {
    expect(markdownText('# heading')).toBe('\\# heading');
    expect(markdownText('- item')).toBe('\\- item');
    expect(markdownText('> quote')).toBe('\\> quote');
    expect(markdownText('12. item')).toBe('12\\. item');
    expect(markdownText('A plain sentence.')).toBe('A plain sentence.');
  });
});
