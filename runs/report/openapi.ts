import { parse as parseYaml } from 'yaml';
import { escapeHtml } from './html';

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** An OpenAPI document as a table of its operations; undefined when the text is not an OpenAPI document. */
export function renderOpenApi(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object') return undefined;
  const api = doc as {
    openapi?: string;
    swagger?: string;
    info?: { title?: string; version?: string; description?: string };
    paths?: Record<string, Record<string, unknown>>;
  };
  if (!api.openapi && !api.swagger) return undefined;
  const rows: string[] = [];
  for (const [path, item] of Object.entries(api.paths ?? {})) {
    for (const method of methods) {
      const op = item?.[method] as
        | {
            operationId?: string;
            summary?: string;
            description?: string;
            responses?: Record<string, unknown>;
            security?: unknown[];
            tags?: string[];
          }
        | undefined;
      if (!op) continue;
      const responses = Object.keys(op.responses ?? {}).join(' ');
      rows.push(
        `<tr><td><span class="method method-${method}">${method.toUpperCase()}</span></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op.operationId ?? '')}</td><td>${escapeHtml(op.summary ?? op.description?.split('\n')[0] ?? '')}</td><td>${escapeHtml(responses)}</td></tr>`,
      );
    }
  }
  const title = `${api.info?.title ?? 'API'}${api.info?.version ? ` ${api.info.version}` : ''}`;
  return `<p><strong>${escapeHtml(title)}</strong> (OpenAPI ${escapeHtml(api.openapi ?? api.swagger ?? '')}): ${rows.length} operation(s)</p><div class="table-wrap"><table class="operations"><thead><tr><th>Method</th><th>Path</th><th>Operation</th><th>Summary</th><th>Responses</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}
