/**
 * Texts given as visions that are not plain product visions: source code, markup, odd titles and odd front
 * matter. The first two once ended the run on a schema error in the vision analysis.
 */
export const codeLikeVisions: Record<string, string> = {
  'TypeScript source': [
    '      .optional(),',
    '    continuationToken: z.string().min(1).max(4096).optional(),',
    '  })',
    '  .strict();',
    '',
    "export const continuationHeader = 'x-continuation-token';",
    '',
    "/** GET /api/runs: the caller's tenant's runs, newest first, a page at a time. */",
  ].join('\n'),
  'a doc comment naming code': [
    '/**',
    " * Plays the Functions host's Service Bus extension for the command queue: receives in peek-lock mode, invokes",
    ' * the registered `factoryCommands` trigger, completes on success, dead-letters commands that can never succeed',
  ].join('\n'),
  HTML: '<!doctype html><html><head><title>x</title></head><body><script>alert(1)</script><p>hi</p></body></html>',
  'the title {}': '# {}\n\n{}\n',
  'the title <script>': '# <script>\n\nMembers reserve tools. Each tool has a name.\n',
  'a metric without a name': '---\nmetrics: {"": ""}\n---\nMembers reserve tools.\n',
  'states that are not words':
    '---\nentities:\n  Tool:\n    states: ["", "{}", "open", "1"]\n---\nMembers reserve tools.\n',
  'blank names in front matter':
    '---\nactors: ["", "  ", "{}"]\nentities: [{name: ""}, "Tool"]\n---\nMembers reserve tools.\n',
};
