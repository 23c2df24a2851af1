import { z } from 'zod';
import type { ArtifactFile } from '../../core/agent';
import { markdownText } from '../escaping/markdownText';

/** An architecture decision record, rendered in MADR (Markdown Architectural Decision Records) format. */
export const adrSchema = z.object({
  number: z.number().int().positive(),
  slug: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
  title: z.string().min(1),
  status: z.enum(['proposed', 'accepted', 'superseded']),
  context: z.string().min(1),
  drivers: z.array(z.string()).min(1),
  options: z
    .array(z.object({ name: z.string(), pros: z.array(z.string()), cons: z.array(z.string()) }))
    .min(2),
  chosen: z.string(),
  because: z.string(),
  consequences: z.object({ good: z.array(z.string()).min(1), bad: z.array(z.string()).min(1) }),
  moreInformation: z.array(z.string()),
});

export type Adr = z.infer<typeof adrSchema>;

/**
 * Decision numbers are fixed per decision rather than counted at run time: the four architecture agents write
 * into the same `architecture/adr/` folder without seeing each other's records, and artifact paths are immutable.
 */
export const adrNumbers = {
  'bounded-contexts': 1,
  'service-per-bounded-context': 2,
  'postgresql-database-per-service': 3,
  'event-driven-integration': 4,
  'service-hosting': 5,
  'identity-and-secrets': 6,
  'domain-events-as-cloudevents-on-service-bus': 7,
  'api-versioning-in-the-path': 8,
  'contract-first-openapi-with-problem-details': 9,
} as const;

export type AdrKey = keyof typeof adrNumbers;

export function adrPath(adr: Adr): string {
  return `architecture/adr/${String(adr.number).padStart(4, '0')}-${adr.slug}.md`;
}

export function renderAdr(adr: Adr): string {
  const lines: string[] = [
    '---',
    `status: ${adr.status}`,
    '---',
    '',
    `# ${String(adr.number).padStart(4, '0')}. ${markdownText(adr.title)}`,
    '',
    '## Context and Problem Statement',
    '',
    adr.context,
    '',
    '## Decision Drivers',
    '',
    ...adr.drivers.map((d) => `* ${d}`),
    '',
    '## Considered Options',
    '',
    ...adr.options.map((o) => `* ${o.name}`),
    '',
    '## Decision Outcome',
    '',
    `Chosen option: "${adr.chosen}", because ${adr.because}`,
    '',
    '### Consequences',
    '',
    ...adr.consequences.good.map((c) => `* Good, because ${c}`),
    ...adr.consequences.bad.map((c) => `* Bad, because ${c}`),
    '',
    '## Pros and Cons of the Options',
  ];
  for (const option of adr.options) {
    lines.push('', `### ${option.name}`, '');
    for (const pro of option.pros) lines.push(`* Good, because ${pro}`);
    for (const con of option.cons) lines.push(`* Bad, because ${con}`);
  }
  if (adr.moreInformation.length > 0) {
    lines.push('', '## More Information', '', ...adr.moreInformation.map((m) => `* ${m}`));
  }
  return `${lines.join('\n')}\n`;
}

export function adrFiles(adrs: Adr[]): ArtifactFile[] {
  return adrs.map((adr) => ({
    path: adrPath(adr),
    kind: 'adr',
    contentType: 'text/markdown',
    content: renderAdr(adr),
  }));
}

/** A feedback item recorded in an ADR, so a reviewer sees where their comment landed. */
export function feedbackNotes(feedback: string[], applied: string[]): string[] {
  return [
    ...feedback.map((item) => `Review feedback received: ${item}`),
    ...applied.map((item) => `Applied: ${item}`),
  ];
}

/** The MADR sections the gate requires; each entry is a section name and how to find it in a record. */
export const madrSections: Array<{ name: string; pattern: RegExp }> = [
  { name: 'Status', pattern: /^(?:status:\s*\S+|[*-]?\s*\**status\**\s*:\s*\S+|#{1,6}\s+status\b)/im },
  { name: 'Context', pattern: /^#{1,6}\s+.*\bcontext\b/im },
  { name: 'Decision', pattern: /^#{1,6}\s+.*\bdecision\b(?!\s+drivers)/im },
  { name: 'Consequences', pattern: /^#{1,6}\s+.*\bconsequences\b/im },
];

/** The MADR sections missing from a record. */
export function missingMadrSections(markdown: string): string[] {
  return madrSections.filter((section) => !section.pattern.test(markdown)).map((section) => section.name);
}
