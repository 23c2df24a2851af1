import { createHash } from 'node:crypto';
import { escapeHtml } from './html';

/**
 * Mermaid diagrams drawn as inline SVG without the Mermaid library (the report works offline and the project
 * adds no packages). Two diagram types are drawn: `flowchart`/`graph` (nodes, shapes, labelled edges, a
 * layered layout of our own) and `sequenceDiagram` (participants, messages, notes, blocks). Every other type
 * is shown as its source, labelled as not drawn. The source is always available under the drawing.
 */
export function renderMermaid(source: string): string {
  const kind = /^\s*(\w[\w-]*)/.exec(stripComments(source))?.[1] ?? '';
  let svg: string | undefined;
  let note = '';
  try {
    if (kind === 'flowchart' || kind === 'graph') svg = flowchartSvg(parseFlowchart(source));
    else if (kind === 'sequenceDiagram') svg = sequenceSvg(parseSequence(source));
    else note = `Mermaid “${kind || 'unknown'}” diagrams are not drawn by this report; the source is shown.`;
  } catch (error) {
    note = `The diagram could not be drawn (${(error as Error).message}); the source is shown.`;
  }
  const sourceBlock = `<pre class="mermaid-source"><code>${escapeHtml(source.trim())}</code></pre>`;
  if (!svg)
    return `<figure class="mermaid"><figcaption class="muted">${escapeHtml(note)}</figcaption>${sourceBlock}</figure>`;
  return `<figure class="mermaid"><div class="diagram">${svg}</div><details><summary>Mermaid source</summary>${sourceBlock}</details></figure>`;
}

function stripComments(source: string): string {
  return source
    .split('\n')
    .filter((l) => !/^\s*%%/.test(l))
    .join('\n');
}

/** Mermaid labels: quotes removed, `<br/>` kept as a line break, entities like `#quot;` decoded. */
function labelLines(text: string): string[] {
  const plain = text
    .trim()
    .replace(/^"(.*)"$/s, '$1')
    .replace(/#quot;/g, '"')
    .replace(/#amp;/g, '&')
    .replace(/#lt;/g, '<')
    .replace(/#gt;/g, '>');
  return plain.split(/<br\s*\/?>/i).flatMap((line) => wrap(line.trim(), 28));
}

function wrap(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const out: string[] = [];
  let current = '';
  for (const word of line.split(/\s+/)) {
    if (current && (current + ' ' + word).length > width) {
      out.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) out.push(current);
  return out;
}

const charWidth = 7;
const lineHeight = 16;

// ---- flowchart ------------------------------------------------------------------------------------------------

type Shape = 'rect' | 'round' | 'stadium' | 'circle' | 'diamond' | 'cylinder' | 'flag' | 'hexagon';
export interface FlowNode {
  id: string;
  label: string[];
  shape: Shape;
}
export interface FlowEdge {
  from: string;
  to: string;
  label?: string;
  dashed: boolean;
  thick: boolean;
  arrow: boolean;
}
export interface Flowchart {
  direction: 'TB' | 'LR' | 'BT' | 'RL';
  nodes: FlowNode[];
  edges: FlowEdge[];
}

const shapes: Array<[RegExp, Shape]> = [
  [/^\(\((.*)\)\)$/s, 'circle'],
  [/^\(\[(.*)\]\)$/s, 'stadium'],
  [/^\[\((.*)\)\]$/s, 'cylinder'],
  [/^\{\{(.*)\}\}$/s, 'hexagon'],
  [/^\[(.*)\]$/s, 'rect'],
  [/^\((.*)\)$/s, 'round'],
  [/^\{(.*)\}$/s, 'diamond'],
  [/^>(.*)\]$/s, 'flag'],
];

const nodeToken =
  /^([A-Za-z0-9_][\w.-]*)(\(\(.*?\)\)|\(\[.*?\]\)|\[\(.*?\)\]|\{\{.*?\}\}|\[.*?\]|\(.*?\)|\{.*?\}|>.*?\])?/s;
const edgeToken =
  /^\s*(<?(?:-->|---|-\.->|-\.-|==>|===|--[ox]|-->>)|<?--\s+(.+?)\s+-->|<?==\s+(.+?)\s+==>|<?-\.\s+(.+?)\s+\.->)\s*(?:\|([^|]*)\|)?\s*/s;

export function parseFlowchart(source: string): Flowchart {
  const statements = stripComments(source)
    .split(/\n|;(?=(?:[^"]*"[^"]*")*[^"]*$)/)
    .map((s) => s.trim())
    .filter(Boolean);
  const header = /^(flowchart|graph)\s*(TB|TD|LR|BT|RL)?/i.exec(statements.shift() ?? '');
  if (!header) throw new Error('not a flowchart');
  const dir = (header[2] ?? 'TB').toUpperCase();
  const chart: Flowchart = {
    direction: (dir === 'TD' ? 'TB' : dir) as Flowchart['direction'],
    nodes: [],
    edges: [],
  };
  const byId = new Map<string, FlowNode>();
  const node = (id: string, shapeText?: string): string => {
    let found = byId.get(id);
    if (!found) {
      found = { id, label: [id], shape: 'rect' };
      byId.set(id, found);
      chart.nodes.push(found);
    }
    if (shapeText) {
      for (const [pattern, shape] of shapes) {
        const m = pattern.exec(shapeText);
        if (m) {
          found.shape = shape;
          found.label = labelLines(m[1]);
          break;
        }
      }
    }
    return id;
  };
  for (const statement of statements) {
    if (/^(classDef|class|style|linkStyle|click|direction|end\b|subgraph\b)/.test(statement)) continue;
    let rest = statement;
    const first = nodeToken.exec(rest);
    if (!first) continue;
    let previous = [node(first[1], first[2])];
    rest = rest.slice(first[0].length);
    // `A & B --> C` groups.
    while (/^\s*&\s*/.test(rest)) {
      rest = rest.replace(/^\s*&\s*/, '');
      const more = nodeToken.exec(rest);
      if (!more) break;
      previous.push(node(more[1], more[2]));
      rest = rest.slice(more[0].length);
    }
    while (rest.trim()) {
      const edge = edgeToken.exec(rest);
      if (!edge) break;
      rest = rest.slice(edge[0].length);
      const targets: string[] = [];
      let target = nodeToken.exec(rest);
      if (!target) break;
      targets.push(node(target[1], target[2]));
      rest = rest.slice(target[0].length);
      while (/^\s*&\s*/.test(rest)) {
        rest = rest.replace(/^\s*&\s*/, '');
        target = nodeToken.exec(rest);
        if (!target) break;
        targets.push(node(target[1], target[2]));
        rest = rest.slice(target[0].length);
      }
      const op = edge[1];
      const label = (edge[5] ?? edge[2] ?? edge[3] ?? edge[4])?.trim();
      for (const from of previous)
        for (const to of targets)
          chart.edges.push({
            from,
            to,
            label: label ? labelLines(label).join(' ') : undefined,
            dashed: op.includes('.'),
            thick: op.includes('='),
            arrow: /[>ox]$/.test(op) || /-->|==>|\.->/.test(op),
          });
      previous = targets;
    }
  }
  if (chart.nodes.length === 0) throw new Error('the flowchart has no nodes');
  return chart;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Layers by longest path from the sources (back edges ignored), ordered within a layer by the barycentre of their parents. */
function layout(chart: Flowchart): Map<string, Box> {
  const index = new Map(chart.nodes.map((n, i) => [n.id, i]));
  const out = new Map<string, string[]>(chart.nodes.map((n) => [n.id, []]));
  // Depth-first search marks back edges so cycles (state machines) still get layers.
  const state = new Map<string, number>();
  const forward: FlowEdge[] = [];
  const visit = (id: string) => {
    state.set(id, 1);
    for (const e of chart.edges.filter((x) => x.from === id)) {
      const s = state.get(e.to) ?? 0;
      if (s === 1) continue;
      forward.push(e);
      if (s === 0) visit(e.to);
    }
    state.set(id, 2);
  };
  const hasIncoming = new Set(chart.edges.map((e) => e.to));
  for (const n of chart.nodes) if (!hasIncoming.has(n.id) && !state.has(n.id)) visit(n.id);
  for (const n of chart.nodes) if (!state.has(n.id)) visit(n.id);
  for (const e of forward) out.get(e.from)!.push(e.to);

  const rank = new Map<string, number>(chart.nodes.map((n) => [n.id, 0]));
  for (let pass = 0; pass < chart.nodes.length; pass++) {
    let changed = false;
    for (const e of forward) {
      if (rank.get(e.to)! < rank.get(e.from)! + 1) {
        rank.set(e.to, rank.get(e.from)! + 1);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const layers: string[][] = [];
  for (const n of chart.nodes) (layers[rank.get(n.id)!] ??= []).push(n.id);
  const position = new Map<string, number>();
  layers.forEach((layer, r) => {
    if (r > 0) {
      const centre = (id: string) => {
        const parents = forward.filter((e) => e.to === id).map((e) => position.get(e.from) ?? 0);
        return parents.length ? parents.reduce((a, b) => a + b, 0) / parents.length : index.get(id)!;
      };
      layer.sort((a, b) => centre(a) - centre(b) || index.get(a)! - index.get(b)!);
    }
    layer.forEach((id, i) => position.set(id, i));
  });

  const size = new Map(
    chart.nodes.map((n) => {
      const w = Math.max(60, Math.max(...n.label.map((l) => l.length)) * charWidth + 24);
      const h = n.label.length * lineHeight + 18;
      if (n.shape === 'circle') {
        const d = Math.max(w, h);
        return [n.id, { w: d, h: d }];
      }
      if (n.shape === 'diamond') return [n.id, { w: w + 30, h: h + 20 }];
      return [n.id, { w, h }];
    }),
  );
  const horizontal = chart.direction === 'LR' || chart.direction === 'RL';
  const gapAcross = 30;
  // Edge labels sit between layers, so the gap grows with the longest label (wrapped as flowchartSvg wraps it).
  const labels = chart.edges.filter((e) => e.label).map((e) => wrap(e.label!, 24));
  const labelAlong = labels.length
    ? Math.max(
        ...labels.map((l) =>
          horizontal ? Math.max(...l.map((x) => x.length)) * 6.2 + 8 : l.length * 14 + 4,
        ),
      )
    : 0;
  const gapAlong = Math.min(260, Math.max(70, labelAlong + 40));
  const boxes = new Map<string, Box>();
  let along = 20;
  const layerExtents = layers.map((layer) =>
    layer.reduce((sum, id) => sum + (horizontal ? size.get(id)!.h : size.get(id)!.w) + gapAcross, -gapAcross),
  );
  const widest = Math.max(...layerExtents);
  layers.forEach((layer, r) => {
    const depth = Math.max(...layer.map((id) => (horizontal ? size.get(id)!.w : size.get(id)!.h)));
    let across = 20 + (widest - layerExtents[r]) / 2;
    for (const id of layer) {
      const s = size.get(id)!;
      const box = horizontal
        ? { x: along + (depth - s.w) / 2, y: across, w: s.w, h: s.h }
        : { x: across, y: along + (depth - s.h) / 2, w: s.w, h: s.h };
      boxes.set(id, box);
      across += (horizontal ? s.h : s.w) + gapAcross;
    }
    along += depth + gapAlong;
  });
  if (chart.direction === 'BT' || chart.direction === 'RL') {
    const extent = along - gapAlong + 20;
    for (const box of boxes.values()) {
      if (horizontal) box.x = extent - box.x - box.w;
      else box.y = extent - box.y - box.h;
    }
  }
  return boxes;
}

/** Where the line from a box's centre towards (tx, ty) leaves the box. */
function border(box: Box, tx: number, ty: number, shape: Shape): [number, number] {
  const cx = box.x + box.w / 2;
  const cy = box.y + box.h / 2;
  const dx = tx - cx;
  const dy = ty - cy;
  if (dx === 0 && dy === 0) return [cx, cy];
  if (shape === 'circle') {
    const r = box.w / 2;
    const len = Math.hypot(dx, dy);
    return [cx + (dx / len) * r, cy + (dy / len) * r];
  }
  if (shape === 'diamond') {
    const t = 1 / (Math.abs(dx) / (box.w / 2) + Math.abs(dy) / (box.h / 2));
    return [cx + dx * t, cy + dy * t];
  }
  const t = Math.min(Math.abs(box.w / 2 / (dx || 1e-9)), Math.abs(box.h / 2 / (dy || 1e-9)));
  return [cx + dx * t, cy + dy * t];
}

function textBlock(lines: string[], cx: number, cy: number, cls = ''): string {
  const top = cy - ((lines.length - 1) * lineHeight) / 2;
  return lines
    .map(
      (line, i) =>
        `<text x="${cx.toFixed(1)}" y="${(top + i * lineHeight).toFixed(1)}" text-anchor="middle" dominant-baseline="central"${cls ? ` class="${cls}"` : ''}>${escapeHtml(line)}</text>`,
    )
    .join('');
}

/** Marker ids derived from the diagram itself, so the same report renders to the same bytes. */
const markerId = (prefix: string, value: unknown) =>
  `${prefix}-${createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 10)}`;

export function flowchartSvg(chart: Flowchart): string {
  const boxes = layout(chart);
  const shapeOf = new Map(chart.nodes.map((n) => [n.id, n.shape]));
  const marker = markerId('arrow', chart);
  const parts: string[] = [];
  for (const e of chart.edges) {
    const a = boxes.get(e.from)!;
    const b = boxes.get(e.to)!;
    const [x1, y1] = border(a, b.x + b.w / 2, b.y + b.h / 2, shapeOf.get(e.from)!);
    const [x2, y2] = border(b, a.x + a.w / 2, a.y + a.h / 2, shapeOf.get(e.to)!);
    const cls = ['edge', e.dashed ? 'dashed' : '', e.thick ? 'thick' : ''].filter(Boolean).join(' ');
    if (e.from === e.to) {
      parts.push(
        `<path class="${cls}" d="M${a.x + a.w - 10},${a.y} c30,-30 50,10 10,${a.h / 2}"${e.arrow ? ` marker-end="url(#${marker})"` : ''}/>`,
      );
    } else {
      parts.push(
        `<line class="${cls}" x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}"${e.arrow ? ` marker-end="url(#${marker})"` : ''}/>`,
      );
    }
    if (e.label) {
      const mx = e.from === e.to ? a.x + a.w + 20 : (x1 + x2) / 2;
      const my = e.from === e.to ? a.y : (y1 + y2) / 2;
      const lines = wrap(e.label, 24);
      const w = Math.max(...lines.map((l) => l.length)) * 6.2 + 8;
      const h = lines.length * 14 + 4;
      parts.push(
        `<rect class="edge-label" x="${(mx - w / 2).toFixed(1)}" y="${(my - h / 2).toFixed(1)}" width="${w.toFixed(1)}" height="${h}" rx="3"/>`,
      );
      parts.push(
        lines
          .map(
            (l, i) =>
              `<text class="small" x="${mx.toFixed(1)}" y="${(my - ((lines.length - 1) * 14) / 2 + i * 14).toFixed(1)}" text-anchor="middle" dominant-baseline="central">${escapeHtml(l)}</text>`,
          )
          .join(''),
      );
    }
  }
  for (const n of chart.nodes) {
    const b = boxes.get(n.id)!;
    const cx = b.x + b.w / 2;
    const cy = b.y + b.h / 2;
    const shape =
      n.shape === 'circle'
        ? `<circle class="node" cx="${cx}" cy="${cy}" r="${b.w / 2}"/>`
        : n.shape === 'diamond'
          ? `<polygon class="node" points="${cx},${b.y} ${b.x + b.w},${cy} ${cx},${b.y + b.h} ${b.x},${cy}"/>`
          : n.shape === 'hexagon'
            ? `<polygon class="node" points="${b.x + 12},${b.y} ${b.x + b.w - 12},${b.y} ${b.x + b.w},${cy} ${b.x + b.w - 12},${b.y + b.h} ${b.x + 12},${b.y + b.h} ${b.x},${cy}"/>`
            : `<rect class="node" x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="${n.shape === 'round' ? 10 : n.shape === 'stadium' ? b.h / 2 : n.shape === 'cylinder' ? 14 : 3}"/>`;
    parts.push(`<g>${shape}${textBlock(n.label, cx, cy)}</g>`);
  }
  const width = Math.max(...[...boxes.values()].map((b) => b.x + b.w)) + 40;
  const height = Math.max(...[...boxes.values()].map((b) => b.y + b.h)) + 30;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="flowchart" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" width="${Math.ceil(width)}" role="img" aria-label="flowchart with ${chart.nodes.length} nodes and ${chart.edges.length} edges"><defs><marker id="${marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>${parts.join('')}</svg>`;
}

// ---- sequence diagram -----------------------------------------------------------------------------------------

type SequenceStep =
  | { kind: 'message'; from: string; to: string; text: string; dashed: boolean; arrow: boolean }
  | { kind: 'note'; over: string[]; text: string }
  | { kind: 'block'; label: string }
  | { kind: 'end' };

export interface Sequence {
  participants: Array<{ id: string; label: string; actor: boolean }>;
  steps: SequenceStep[];
  autonumber: boolean;
}

export function parseSequence(source: string): Sequence {
  const seq: Sequence = { participants: [], steps: [], autonumber: false };
  const ensure = (id: string, label = id, actor = false) => {
    const found = seq.participants.find((p) => p.id === id);
    if (!found) seq.participants.push({ id, label, actor });
    else if (label !== id) {
      found.label = label;
      found.actor ||= actor;
    }
  };
  for (const rawLine of stripComments(source).split('\n').slice(1)) {
    const line = rawLine.trim();
    if (!line) continue;
    let m: RegExpExecArray | null;
    if (line === 'autonumber') seq.autonumber = true;
    else if ((m = /^(participant|actor)\s+(\S+?)(?:\s+as\s+(.+))?$/.exec(line)))
      ensure(m[2], m[3]?.trim() ?? m[2], m[1] === 'actor');
    else if ((m = /^note\s+(over|left of|right of)\s+([^:]+):\s*(.*)$/i.exec(line))) {
      const over = m[2].split(',').map((s) => s.trim());
      over.forEach((id) => ensure(id));
      seq.steps.push({ kind: 'note', over, text: m[3] });
    } else if ((m = /^(alt|else|opt|loop|par|and|critical|break|rect)\b\s*(.*)$/.exec(line)))
      seq.steps.push({ kind: 'block', label: `${m[1]}${m[2] ? ` ${m[2]}` : ''}` });
    else if (line === 'end') seq.steps.push({ kind: 'end' });
    else if (
      (m = /^([^\s\-<>+]+?)\s*(-->>|->>|-->|->|--x|-x|--\)|-\))\s*([+-]?)([^\s:]+)\s*:\s*(.*)$/.exec(line))
    ) {
      ensure(m[1]);
      ensure(m[4]);
      seq.steps.push({
        kind: 'message',
        from: m[1],
        to: m[4],
        text: m[5],
        dashed: m[2].startsWith('--'),
        arrow: m[2].includes('>') || m[2].includes(')') || m[2].includes('x'),
      });
    }
  }
  if (seq.participants.length === 0) throw new Error('the sequence diagram has no participants');
  return seq;
}

export function sequenceSvg(seq: Sequence): string {
  const colWidth = Math.max(150, ...seq.participants.map((p) => p.label.length * charWidth + 30));
  const x = new Map(seq.participants.map((p, i) => [p.id, 30 + colWidth / 2 + i * colWidth]));
  const marker = markerId('seq-arrow', seq);
  const parts: string[] = [];
  let y = 70;
  let number = 0;
  const blocks: Array<{ label: string; top: number }> = [];
  for (const step of seq.steps) {
    if (step.kind === 'message') {
      const x1 = x.get(step.from)!;
      const x2 = x.get(step.to)!;
      const text = `${seq.autonumber ? `${++number}. ` : ''}${step.text}`;
      const lines = wrap(text, Math.max(20, Math.floor(Math.abs(x2 - x1) / 7) || 30));
      y += lines.length * 14 + 8;
      const mid = x1 === x2 ? x1 + 50 : (x1 + x2) / 2;
      parts.push(
        lines
          .map(
            (l, i) =>
              `<text class="small" x="${mid}" y="${y - (lines.length - i) * 14 - 2}" text-anchor="middle">${escapeHtml(l)}</text>`,
          )
          .join(''),
      );
      const cls = `edge${step.dashed ? ' dashed' : ''}`;
      if (x1 === x2) {
        parts.push(
          `<path class="${cls}" fill="none" d="M${x1},${y} h40 v16 h-36" marker-end="url(#${marker})"/>`,
        );
        y += 16;
      } else
        parts.push(
          `<line class="${cls}" x1="${x1}" y1="${y}" x2="${x2 + (x2 > x1 ? -4 : 4)}" y2="${y}"${step.arrow ? ` marker-end="url(#${marker})"` : ''}/>`,
        );
      y += 14;
    } else if (step.kind === 'note') {
      const xs = step.over.map((id) => x.get(id)!);
      const left = Math.min(...xs) - colWidth / 2 + 15;
      const width = Math.max(...xs) - Math.min(...xs) + colWidth - 30;
      const lines = wrap(step.text, Math.max(12, Math.floor((width - 12) / 6.6)));
      const h = lines.length * 14 + 10;
      y += 6;
      parts.push(`<rect class="note" x="${left}" y="${y}" width="${width}" height="${h}"/>`);
      parts.push(
        lines
          .map(
            (l, i) =>
              `<text class="small" x="${left + width / 2}" y="${y + 16 + i * 14}" text-anchor="middle">${escapeHtml(l)}</text>`,
          )
          .join(''),
      );
      y += h + 10;
    } else if (step.kind === 'block') {
      if (/^(else|and)\b/.test(step.label) && blocks.length) {
        parts.push(
          `<line class="block-divider" x1="20" y1="${y + 4}" x2="${30 + seq.participants.length * colWidth}" y2="${y + 4}"/><text class="small muted-text" x="26" y="${y + 18}">[${escapeHtml(step.label)}]</text>`,
        );
      } else {
        blocks.push({ label: step.label, top: y + 4 });
        parts.push(`<text class="small block-label" x="26" y="${y + 18}">${escapeHtml(step.label)}</text>`);
      }
      y += 26;
    } else {
      const block = blocks.pop();
      if (block)
        parts.push(
          `<rect class="block" x="18" y="${block.top}" width="${seq.participants.length * colWidth + 14}" height="${y - block.top + 6}"/>`,
        );
      y += 12;
    }
  }
  const bottom = y + 20;
  const heads = seq.participants
    .map((p) => {
      const cx = x.get(p.id)!;
      const w = colWidth - 30;
      const head = (top: number) =>
        `<rect class="${p.actor ? 'node actor' : 'node'}" x="${cx - w / 2}" y="${top}" width="${w}" height="34" rx="${p.actor ? 17 : 3}"/>${textBlock([p.label], cx, top + 17)}`;
      return `<line class="lifeline" x1="${cx}" y1="54" x2="${cx}" y2="${bottom}"/>${head(20)}${head(bottom)}`;
    })
    .join('');
  const width = 60 + seq.participants.length * colWidth;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="sequence" viewBox="0 0 ${width} ${bottom + 60}" width="${width}" role="img" aria-label="sequence diagram with ${seq.participants.length} participants"><defs><marker id="${marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>${heads}${parts.join('')}</svg>`;
}
