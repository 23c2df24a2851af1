/**
 * A TypeScript/JavaScript expression for a JSON value (string, number, boolean, null, array or plain object),
 * equal to it when evaluated. JSON.stringify escapes quotes, backslashes, C0 controls and lone surrogates; DEL,
 * the C1 controls (NEL among them), the line and paragraph separators and the byte order mark are escaped as
 * well, so the literal stays on one visible line for every tool that reads the file.
 */
export function tsLiteral(value: unknown): string {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new Error(`no TypeScript literal for a ${typeof value}`);
  return json.replace(
    /[\u007f-\u009f\u2028\u2029\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
