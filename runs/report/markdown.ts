import { escapeHtml } from './html';
import { renderMermaid } from './mermaid';

/**
 * A small Markdown renderer for the factory's own documents: ATX headings, paragraphs, emphasis, inline code,
 * links, lists (nested by indentation, task items), block quotes, fenced code, GFM tables and horizontal
 * rules. Everything is escaped; link targets are limited to http(s), mailto and in-page anchors, so a
 * document cannot inject script. Fenced `mermaid` blocks become diagrams (see mermaid.ts).
 */
export function renderMarkdown(source: string): string {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let i = 0;
  const isBlank = (line: string | undefined) => line === undefined || line.trim() === '';
  const startsBlock = (line: string) =>
    /^(#{1,6}\s|```|~~~|>\s?|\s*([-*+]|\d+[.)])\s+|\s*([-*_])(\s*\3){2,}\s*$)/.test(line) ||
    isTableStart(lines, lines.indexOf(line));

  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = /^(```|~~~)\s*([\w-]*)/.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].startsWith(fence[1])) body.push(lines[i++]);
      i++;
      const lang = fence[2].toLowerCase();
      out.push(
        lang === 'mermaid'
          ? renderMermaid(body.join('\n'))
          : `<pre><code${lang ? ` class="language-${escapeHtml(lang)}"` : ''}>${escapeHtml(body.join('\n'))}</code></pre>`,
      );
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const level = heading[1].length;
      out.push(`<h${level}>${inline(heading[2])}</h${level}>`);
      i++;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.push('<hr>');
      i++;
      continue;
    }
    if (/^>\s?/.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && /^>\s?/.test(lines[i])) quoted.push(lines[i++].replace(/^>\s?/, ''));
      out.push(`<blockquote>${renderMarkdown(quoted.join('\n'))}</blockquote>`);
      continue;
    }
    if (isTableStart(lines, i)) {
      const header = cells(lines[i]);
      const aligns = cells(lines[i + 1]).map((c) =>
        /^:-+:$/.test(c) ? 'center' : /-+:$/.test(c) ? 'right' : '',
      );
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && lines[i].includes('|') && !isBlank(lines[i])) rows.push(cells(lines[i++]));
      const cell = (tag: string, text: string, col: number) =>
        `<${tag}${aligns[col] ? ` style="text-align:${aligns[col]}"` : ''}>${inline(text)}</${tag}>`;
      out.push(
        `<div class="table-wrap"><table><thead><tr>${header.map((h, c) => cell('th', h, c)).join('')}</tr></thead><tbody>${rows
          .map((r) => `<tr>${header.map((_, c) => cell('td', r[c] ?? '', c)).join('')}</tr>`)
          .join('')}</tbody></table></div>`,
      );
      continue;
    }
    if (/^\s*([-*+]|\d+[.)])\s+/.test(line)) {
      const block: string[] = [];
      while (
        i < lines.length &&
        !isBlank(lines[i]) &&
        (/^\s*([-*+]|\d+[.)])\s+/.test(lines[i]) || /^\s{2,}\S/.test(lines[i]))
      )
        block.push(lines[i++]);
      out.push(renderList(block));
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && !isBlank(lines[i]) && (paragraph.length === 0 || !startsBlock(lines[i])))
      paragraph.push(lines[i++].trim());
    out.push(`<p>${inline(paragraph.join('\n')).replace(/\n/g, ' ')}</p>`);
  }
  return out.join('\n');
}

function isTableStart(lines: string[], i: number): boolean {
  if (i < 0 || i + 1 >= lines.length) return false;
  return lines[i].includes('|') && /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/.test(lines[i + 1]);
}

function cells(line: string): string[] {
  const trimmed = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  // Pipes escaped as \| stay inside their cell.
  return trimmed.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

function renderList(block: string[]): string {
  const indentOf = (line: string) => /^\s*/.exec(line)![0].length;
  const base = indentOf(block[0]);
  const ordered = /^\s*\d+[.)]\s+/.test(block[0]);
  const items: Array<{ text: string; children: string[] }> = [];
  for (const line of block) {
    const marker = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (marker && marker[1].length <= base) items.push({ text: marker[3], children: [] });
    else if (items.length) {
      if (marker) items[items.length - 1].children.push(line);
      else if (items[items.length - 1].children.length) items[items.length - 1].children.push(line);
      else items[items.length - 1].text += ` ${line.trim()}`;
    }
  }
  const tag = ordered ? 'ol' : 'ul';
  const body = items
    .map(({ text, children }) => {
      const task = /^\[([ xX])\]\s+(.*)$/.exec(text);
      const content = task
        ? `<input type="checkbox" disabled${task[1] === ' ' ? '' : ' checked'}> ${inline(task[2])}`
        : inline(text);
      return `<li>${content}${children.length ? renderList(children) : ''}</li>`;
    })
    .join('');
  return `<${tag}>${body}</${tag}>`;
}

// Code spans are set aside behind a character no document contains, then put back after the other rules.
const placeholder = String.fromCharCode(0);

/** Inline Markdown: code spans first (their content is literal), then links, bold, italics. */
export function inline(text: string): string {
  const codes: string[] = [];
  let s = text.replace(/`([^`]+)`/g, (_, code: string) => {
    codes.push(`<code>${escapeHtml(code)}</code>`);
    return `${placeholder}${codes.length - 1}${placeholder}`;
  });
  s = escapeHtml(s);
  s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, label: string, href: string) => {
    const target = href.replace(/&amp;/g, '&');
    if (!/^(https?:|mailto:|#)/i.test(target)) return label;
    const external = !target.startsWith('#');
    return `<a href="${escapeHtml(target)}"${external ? ' rel="noopener noreferrer"' : ''}>${label}</a>`;
  });
  s = s.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>').replace(/__([^_]+)__/g, '<strong>$1</strong>');
  s = s
    .replace(/(^|[^*\w])\*([^*\s][^*]*?)\*(?!\w)/g, '$1<em>$2</em>')
    .replace(/(^|[^\w])_([^_\s][^_]*?)_(?!\w)/g, '$1<em>$2</em>');
  return s.replace(new RegExp(`${placeholder}(\\d+)${placeholder}`, 'g'), (_, n: string) => codes[Number(n)]);
}
