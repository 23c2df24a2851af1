const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * HTML text content and quoted attribute values: the five markup characters become character references
 * (NUL, which HTML parsers drop or mangle, becomes U+FFFD). Not for unquoted attributes, URLs or script bodies.
 */
export function html(text: string): string {
  return text.replaceAll('\u0000', '\ufffd').replace(/[&<>"']/g, (c) => entities[c]);
}
