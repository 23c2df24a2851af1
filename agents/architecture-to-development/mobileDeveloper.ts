import type { AgentDefinition } from '../../core/agent';
import { clientAppBlueprint } from '../blueprint/clients/clientAppBlueprint';
import { clientAppOutputSchema, type ClientAppOutput } from './frontendDeveloper';

export const mobileDeveloper: AgentDefinition<ClientAppOutput> = {
  name: 'mobileDeveloper',
  role: 'Mobile Developer',
  phase: 'architecture-to-development',
  purpose:
    'Writes an installable progressive web app, mobile-first and with an offline app shell, on the same typed API client as the web client.',
  uses: 'model',
  deployment: 'code',
  reads: ['domain-model', 'openapi', 'backlog', 'development-plan'],
  writes: ['mobile-source'],
  output: clientAppOutputSchema,
  prompt: {
    version: '1.1.0',
    system: [
      'You are the Mobile Developer of a software factory. Write an installable progressive web app under mobile/:',
      'manifest.webmanifest (name, short_name, start_url, display standalone, theme and background colours, icons),',
      'sw.js (a service worker that precaches the app shell at install, deletes old caches at activate, serves',
      'navigations network-first with the cached shell as the offline fallback, and never caches API calls under /v1/),',
      'index.html with a viewport meta, theme-color and the manifest link, a mobile-first stylesheet (one column, 44px',
      'touch targets, bottom tab navigation, wider layouts only from a min-width media query), and src/ in plain',
      'TypeScript reusing the same generated API client as the web app (src/api/, ApiError with problem+json): card',
      'lists with paging, create forms from <Entity>Create, detail views with one button per command, enabled only in',
      "the command's allowedFrom states. It must type-check under strict with lib DOM. When feedback names type errors",
      'or files, fix exactly those and say what you changed.',
      'Money fields are decimal strings in the API (a string schema with a money pattern): read them from an <input',
      'inputmode="decimal"> and send the value as a string normalised to two decimals ("19.9" -> "19.90"), show them as text.',
    ].join(' '),
    user: 'Domain model:\n{{domain-model}}\n\nOpenAPI documents:\n{{openapi}}\n\nUser stories:\n{{backlog}}\n\nFeedback to fix (may be empty):\n{{feedback}}\n\nReturn JSON: { folder: "mobile", files: [{ path, content }], screens: [...], missing: [], feedbackAddressed: [{ feedback, action }] }.',
  },
  blueprint: (ctx) => clientAppBlueprint(ctx, 'mobile'),
  artifacts(output) {
    return [{ folder: output.folder, kind: 'mobile-source', files: output.files }];
  },
};
