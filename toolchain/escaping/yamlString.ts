import { tsLiteral } from './tsLiteral';

/**
 * A YAML double-quoted scalar holding `text`. A JSON string is a valid YAML 1.2 double-quoted scalar, and the
 * escapes tsLiteral adds on top (DEL, C1 controls, NEL, LS, PS, byte order mark) are exactly the characters YAML
 * does not allow raw or, in YAML 1.1, reads as line breaks.
 */
export function yamlString(text: string): string {
  return tsLiteral(String(text));
}
