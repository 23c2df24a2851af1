/**
 * Every character that ends a line in one of the generated languages: LF, CR, NEL, LS and PS (JavaScript and
 * TypeScript end comments at U+2028/U+2029, YAML 1.1 and some Markdown renderers at NEL).
 */
export const lineTerminators = /\r\n|[\n\r\u0085\u2028\u2029]/g;

/** C0 and C1 control characters other than tab, and NUL; none belongs in generated text. */
// eslint-disable-next-line no-control-regex -- control characters are what this matches
export const controlCharacters = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/**
 * One line of plain text: line terminators and control characters become spaces. Replacing (never removing)
 * keeps the characters around them apart, so no new token can form from what was on either side.
 */
export function singleLine(text: string): string {
  return text.replace(lineTerminators, ' ').replace(controlCharacters, ' ');
}
