import {
  parseFlowchart,
  parseSequence,
  renderMarkdown,
  renderMermaid,
  renderOpenApi,
} from '../../runs/report';
import { renderArtifactBody } from '../../runs/report/renderReport';

describe('Markdown', () => {
  it('renders headings, emphasis, code, lists, tables, quotes and fences', () => {
    const out = renderMarkdown(
      [
        '# Title',
        '',
        'Some **bold**, *italic* and `code <b>`.',
        '',
        '- one',
        '  - nested',
        '- [x] done',
        '',
        '1. first',
        '2. second',
        '',
        '| a | b |',
        '| --- | ---: |',
        '| 1 | x \\| y |',
        '',
        '> quoted',
        '',
        '```ts',
        'const a = 1 < 2;',
        '```',
        '',
        '---',
      ].join('\n'),
    );
    expect(out).toContain('<h1>Title</h1>');
    expect(out).toContain(
      '<p>Some <strong>bold</strong>, <em>italic</em> and <code>code &lt;b&gt;</code>.</p>',
    );
    expect(out).toContain(
      '<ul><li>one<ul><li>nested</li></ul></li><li><input type="checkbox" disabled checked> done</li></ul>',
    );
    expect(out).toContain('<ol><li>first</li><li>second</li></ol>');
    expect(out).toContain('<th>a</th><th style="text-align:right">b</th>');
    expect(out).toContain('<td style="text-align:right">x | y</td>');
    expect(out).toContain('<blockquote><p>quoted</p></blockquote>');
    expect(out).toContain('<pre><code class="language-ts">const a = 1 &lt; 2;</code></pre>');
    expect(out).toContain('<hr>');
  });

  it('escapes HTML and refuses script links', () => {
    const out = renderMarkdown(
      '<script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.org/a?b=1&c=2) [here](#top)',
    );
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;');
    expect(out).not.toContain('javascript:');
    expect(out).toContain('<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer">ok</a>');
    expect(out).toContain('<a href="#top">here</a>');
  });

  it('draws mermaid fences', () => {
    expect(renderMarkdown('```mermaid\nflowchart LR\n  a --> b\n```')).toContain('<svg');
  });
});

describe('Mermaid', () => {
  it('parses flowchart nodes, shapes, chains, groups and labelled edges', () => {
    const chart = parseFlowchart(
      'flowchart TD\n  start((start)) --> A["Applied<br/>by gardener"]\n  A -->|coordinator: review| B{Reviewed?}\n  B -.-> C & D\n  C --- D; %% comment\n  classDef x fill:#fff',
    );
    expect(chart.direction).toBe('TB');
    expect(chart.nodes.map((n) => [n.id, n.shape, n.label])).toEqual([
      ['start', 'circle', ['start']],
      ['A', 'rect', ['Applied', 'by gardener']],
      ['B', 'diamond', ['Reviewed?']],
      ['C', 'rect', ['C']],
      ['D', 'rect', ['D']],
    ]);
    expect(chart.edges).toEqual([
      { from: 'start', to: 'A', label: undefined, dashed: false, thick: false, arrow: true },
      { from: 'A', to: 'B', label: 'coordinator: review', dashed: false, thick: false, arrow: true },
      { from: 'B', to: 'C', label: undefined, dashed: true, thick: false, arrow: true },
      { from: 'B', to: 'D', label: undefined, dashed: true, thick: false, arrow: true },
      { from: 'C', to: 'D', label: undefined, dashed: false, thick: false, arrow: false },
    ]);
  });

  it('lays out a cyclic state machine and draws every node and edge label', () => {
    const svg = renderMermaid(
      'flowchart LR\n  new --> offered\n  offered -->|accept| accepted\n  offered -->|decline| declined\n  declined --> offered',
    );
    for (const text of ['new', 'offered', 'accepted', 'declined', 'accept', 'decline'])
      expect(svg).toContain(`>${text}</text>`);
    expect((svg.match(/<line class="edge/g) ?? []).length).toBe(4);
    expect(svg).toContain('<details><summary>Mermaid source</summary>');
  });

  it('parses and draws sequence diagrams with notes and blocks', () => {
    const source =
      'sequenceDiagram\n  autonumber\n  actor G as Gardener\n  participant App as PlotShare\n  Note over App: plots lifecycle\n  G->>App: apply for plot\n  alt rule broken\n    App-->>G: refused\n  else allowed\n    App-->>G: saved\n  end';
    const seq = parseSequence(source);
    expect(seq.participants).toEqual([
      { id: 'G', label: 'Gardener', actor: true },
      { id: 'App', label: 'PlotShare', actor: false },
    ]);
    expect(seq.steps.filter((s) => s.kind === 'message')).toHaveLength(3);
    const svg = renderMermaid(source);
    expect(svg).toContain('1. apply for plot');
    expect(svg).toContain('alt rule broken');
    expect(svg).toContain('plots lifecycle');
  });

  it('shows the source of diagram types it does not draw, and says so', () => {
    const out = renderMermaid('journey\n  title Apply\n  section Apply\n    Fill in form: 5: Gardener');
    expect(out).toContain('are not drawn by this report');
    expect(out).toContain('Fill in form: 5: Gardener');
    expect(out).not.toContain('<svg');
  });

  it('renders the same diagram to the same bytes', () => {
    const source = 'flowchart LR\n  a --> b';
    expect(renderMermaid(source)).toBe(renderMermaid(source));
  });
});

describe('OpenAPI', () => {
  it('tabulates operations from JSON and YAML documents', () => {
    const doc = {
      openapi: '3.1.0',
      info: { title: 'Plots', version: '1.0.0' },
      paths: {
        '/v1/plots': {
          get: { operationId: 'listPlots', summary: 'List plots', responses: { 200: {}, 401: {} } },
          post: { operationId: 'createPlot', responses: { 201: {} } },
        },
      },
    };
    const json = renderOpenApi(JSON.stringify(doc))!;
    expect(json).toContain('Plots 1.0.0');
    expect(json).toContain('2 operation(s)');
    expect(json).toContain(
      '<span class="method method-get">GET</span></td><td><code>/v1/plots</code></td><td>listPlots</td><td>List plots</td><td>200 401</td>',
    );
    expect(
      renderOpenApi(
        'openapi: 3.0.3\ninfo: {title: Y, version: "2"}\npaths:\n  /a:\n    delete: {operationId: del, responses: {"204": {}}}\n',
      ),
    ).toContain('<td>del</td>');
    expect(renderOpenApi('{"not": "openapi"}')).toBeUndefined();
    expect(renderOpenApi('{broken')).toBeUndefined();
  });
});

describe('artifact bodies', () => {
  const meta = (path: string, contentType: string, kind = 'doc') => ({ path, contentType, kind });
  it('chooses the rendering by content type', () => {
    expect(renderArtifactBody(meta('a.md', 'text/markdown'), Buffer.from('# Hi'))).toContain('<h1>Hi</h1>');
    expect(
      renderArtifactBody(meta('a.mmd', 'text/vnd.mermaid'), Buffer.from('flowchart LR\n a-->b')),
    ).toContain('<svg');
    expect(renderArtifactBody(meta('a.json', 'application/json'), Buffer.from('{"a":1}'))).toContain(
      '{\n  &quot;a&quot;: 1\n}',
    );
    expect(
      renderArtifactBody(
        meta('x/.folder.json', 'application/vnd.factory.folder+json', 'source'),
        Buffer.from(JSON.stringify({ root: 'r', files: [{ path: 'src/a.ts', bytes: 12 }] })),
      ),
    ).toContain('<code>src/a.ts</code>');
    expect(renderArtifactBody(meta('a.bin', 'application/octet-stream'), Buffer.from([0, 1, 2]))).toContain(
      'Binary content',
    );
    expect(renderArtifactBody(meta('a.txt', 'text/plain'), Buffer.alloc(300 * 1024, 'a'))).toContain(
      'too large to show here',
    );
  });
});
