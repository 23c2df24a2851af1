import { parse as parseYaml } from 'yaml';

/** A vision text split into what the analysis needs: front matter, title, sections and their sentences. */
export interface VisionDocument {
  frontMatter: Record<string, unknown>;
  title: string;
  /** Sections by heading (lower case); text before the first `##` heading is under `''`. */
  sections: Array<{ heading: string; paragraphs: string[]; items: string[] }>;
}

export interface VisionSentence {
  text: string;
  heading: string;
  /** True when it came from a list item. */
  item: boolean;
}

/** A vision whose front matter is not YAML: it cannot be read as written, whoever reads it. */
export class VisionFrontMatterError extends Error {
  override name = 'VisionFrontMatterError';
}

/** Front matter is optional; invalid YAML is reported rather than silently ignored. */
export function splitFrontMatter(text: string): { data: Record<string, unknown>; body: string } {
  const match = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (!match) return { data: {}, body: text };
  let data: unknown;
  try {
    data = parseYaml(match[1]);
  } catch (error) {
    throw new VisionFrontMatterError(
      `the vision's front matter is not valid YAML: ${(error as Error).message}`,
    );
  }
  const record =
    data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  return { data: record, body: text.slice(match[0].length) };
}

function stripInline(markdown: string): string {
  return markdown
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/__([^_]+)__/g, '$1')
    .replace(/(^|[^*])\*([^*]+)\*/g, '$1$2')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A vision without a title heading usually opens with the product's name: "ParkPass issues residents'
 * parking permits …", "FixFlow: maintenance requests for …". Capitalised words before a colon or a verb of
 * being or doing at the very start.
 */
function namedInOpening(paragraph: string): string | undefined {
  const named =
    /^([A-Z][A-Za-z0-9]*(?:[ -][A-Z][A-Za-z0-9]*){0,2})(?::|\s+(?:is|are|runs|issues|helps|lets|keeps|gives|makes|connects|manages)\b)/.exec(
      paragraph,
    );
  return named?.[1];
}

export function parseVisionDocument(text: string): VisionDocument {
  const { data, body } = splitFrontMatter(text.replace(/\r\n/g, '\n'));
  let title = typeof data.title === 'string' ? data.title.trim() : '';
  const sections: VisionDocument['sections'] = [{ heading: '', paragraphs: [], items: [] }];
  let paragraph: string[] = [];
  const current = () => sections[sections.length - 1];
  const flush = () => {
    if (paragraph.length > 0) current().paragraphs.push(stripInline(paragraph.join(' ')));
    paragraph = [];
  };
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      if (heading[1].length === 1 && !title) title = stripInline(heading[2]);
      else if (heading[1].length > 1)
        sections.push({ heading: stripInline(heading[2]).toLowerCase(), paragraphs: [], items: [] });
      continue;
    }
    const item = /^(?:[-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (item) {
      flush();
      current().items.push(stripInline(item[1]));
      continue;
    }
    if (line === '') flush();
    else paragraph.push(line);
  }
  flush();
  const opening = sections.find((s) => s.paragraphs.length > 0)?.paragraphs[0] ?? '';
  return {
    frontMatter: data,
    title: title || namedInOpening(opening) || 'Untitled Product',
    sections: sections.filter((s) => s.paragraphs.length + s.items.length > 0),
  };
}

/** Every sentence of the document in reading order; list items count as sentences. */
export function sentencesOf(doc: VisionDocument, split: (paragraph: string) => string[]): VisionSentence[] {
  const result: VisionSentence[] = [];
  for (const section of doc.sections) {
    for (const paragraph of section.paragraphs) {
      for (const text of split(paragraph)) result.push({ text, heading: section.heading, item: false });
    }
    for (const text of section.items) result.push({ text, heading: section.heading, item: true });
  }
  return result;
}
