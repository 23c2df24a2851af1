/**
 * A reading of Bicep source good enough for plans and rules: resources (type, API version, symbolic name,
 * whether they repeat or are conditional) with the text of their body, the modules `main.bicep` uses, and the
 * parameter values of each `.bicepparam`. It is not a Bicep compiler; the Bicep CLI compiles when present.
 */
export interface BicepResource {
  file: string;
  line: number;
  symbol: string;
  type: string;
  apiVersion: string;
  existing: boolean;
  loop: boolean;
  conditional: boolean;
  /** The declaration's body text (to the matching closing brace). */
  body: string;
}

export interface BicepModule {
  symbol: string;
  path: string;
  loop: boolean;
}

const resourcePattern = /^resource\s+(\w+)\s+'([^'@]+)@([^']+)'\s*(existing\s*)?=\s*(\[|if\b|\{)/gm;

function bodyFrom(text: string, start: number): string {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  return text.slice(start);
}

export function bicepResources(files: Array<{ path: string; content: Buffer | string }>): BicepResource[] {
  const out: BicepResource[] = [];
  for (const file of files.filter((f) => f.path.endsWith('.bicep'))) {
    const text = file.content.toString();
    for (const match of text.matchAll(resourcePattern)) {
      const index = match.index ?? 0;
      const open = text.indexOf(
        match[5] === 'if' ? '{' : match[5],
        index + match[0].length - match[5].length,
      );
      out.push({
        file: file.path,
        line: text.slice(0, index).split('\n').length,
        symbol: match[1],
        type: match[2],
        apiVersion: match[3],
        existing: Boolean(match[4]),
        loop: match[5] === '[',
        conditional: match[5] === 'if',
        body: bodyFrom(text, open),
      });
    }
  }
  return out;
}

export function bicepModules(mainText: string): BicepModule[] {
  return [...mainText.matchAll(/^module\s+(\w+)\s+'([^']+)'\s*=\s*(\[)?/gm)].map((m) => ({
    symbol: m[1],
    path: m[2],
    loop: Boolean(m[3]),
  }));
}

/** `param name = value` lines of a `.bicepparam` (arrays across lines are joined). */
export function bicepParams(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^param\s+(\w+)\s*=\s*(.*)$/.exec(lines[i].trim());
    if (!match) continue;
    let value = match[2].trim();
    if (value === '[' || (value.startsWith('[') && !value.endsWith(']'))) {
      while (i + 1 < lines.length && !value.endsWith(']')) value += ' ' + lines[++i].trim();
    }
    out[match[1]] = value;
  }
  return out;
}

export function paramString(params: Record<string, string>, name: string): string | undefined {
  const value = params[name];
  return value === undefined ? undefined : value.replace(/^'(.*)'$/, '$1');
}
