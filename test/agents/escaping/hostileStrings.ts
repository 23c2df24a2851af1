/**
 * Text an attacker would put into a vision: each string tries to leave the place it is written to (a comment,
 * a string literal, HTML, SQL, YAML, Bicep, Markdown) and run as code there. Code that would run sets
 * `globalThis.__pwned`, so a test can tell an injection from inert text.
 */
export const hostileStrings: readonly string[] = [
  '*/ globalThis.__pwned = 1; /*',
  '**// globalThis.__pwned = 2; /**',
  '*\u0000/ globalThis.__pwned = 3;',
  '*\n/ globalThis.__pwned = 4;',
  '`; globalThis.__pwned = 5; `',
  '${(globalThis.__pwned = 6)}',
  '</script><script>globalThis.__pwned = 7</script>',
  '<svg onload=alert(1)>',
  '" onmouseover="alert(2)',
  "' onfocus='alert(3)",
  '"double" \'single\' `back` \u2018curly\u2019 \u201cquotes\u201d',
  'line one\nglobalThis.__pwned = 8;\rline three\r\n',
  '-- comment\nDROP TABLE x;',
  'NUL \u0000 in the middle',
  'separators \u2028 globalThis.__pwned = 9; \u2029 end',
  "'; DROP TABLE x; --",
  "\\'; DROP TABLE x; --",
  '\\u0022 backslash \\ escapes \\n',
  '{{ template }} $(shell) %s {0}',
  '# heading\n- list item\n[link](javascript:alert(4)) ![img](x) | cell |',
  '&amp; &lt;b&gt; &#x3C;',
  'key: value\n- item\n... --- !!js/function "x"',
  '\u0085 next line \ufeff bom \u007f del',
  '\ud800 lone surrogate',
  'x'.repeat(5000),
];

/** The marker every injected statement sets. */
export const injectionMarker = '__pwned';
