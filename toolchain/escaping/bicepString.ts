const escapes: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A Bicep string literal holding `text`: backslash, quote and the line characters get Bicep's escapes, `${`
 * (interpolation) becomes `\${`, and every other control, line or paragraph separator character a `\u{...}`
 * escape, so the literal is one line and interpolates nothing.
 */
export function bicepString(text: string): string {
  const body = text
    .replace(/[\\'\n\r\t]/g, (c) => escapes[c])
    .replace(/\$\{/g, '\\${')
    // eslint-disable-next-line no-control-regex -- control characters are what this escapes
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
  return `'${body}'`;
}
