import { singleLine } from './lineTerminators';

/**
 * Inline Markdown text that renders as the characters given: one line (no new blocks), and every character
 * that can start markup inline (HTML tags and entities, links and images, code spans, emphasis, table cells) is
 * backslash-escaped; a leading character that would open a heading, quote or list is escaped too.
 */
export function markdownText(text: string): string {
  return singleLine(text)
    .replace(/[\\`*_[\]<>|&]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([#>+=-]|\d+(?=[.)]))/, (_, space: string, lead: string) =>
      /\d/.test(lead) ? `${space}${lead}\\` : `${space}\\${lead}`,
    );
}
