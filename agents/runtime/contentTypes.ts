import { extname } from 'node:path';

const byExtension: Record<string, string> = {
  '.md': 'text/markdown',
  '.json': 'application/json',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.html': 'text/html',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.ts': 'text/x-typescript',
  '.tsx': 'text/x-typescript',
  '.sql': 'application/sql',
  '.bicep': 'text/x-bicep',
  '.bicepparam': 'text/x-bicep',
  '.mmd': 'text/vnd.mermaid',
  '.feature': 'text/x-gherkin',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain',
  '.tgz': 'application/gzip',
  '.gz': 'application/gzip',
};

/** The content type of a generated file, from its extension. */
export function contentTypeOf(path: string): string {
  const base = path.split('/').pop() ?? path;
  if (base === 'Dockerfile' || base.startsWith('.')) return 'text/plain';
  return byExtension[extname(path).toLowerCase()] ?? 'application/octet-stream';
}
