import type { Vision } from '../../../toolchain/schemas/vision';
import { markdownText } from '../../../toolchain/escaping/markdownText';

/** The vision as a Markdown document for people; the JSON next to it is what agents read. */
export function renderVision(vision: Vision): string {
  const lines: string[] = [`# ${markdownText(vision.title)}: product vision`, ''];
  lines.push(
    '## Problem',
    '',
    markdownText(vision.problem) || '_Not stated._',
    '',
    '## Opportunity',
    '',
    markdownText(vision.opportunity) || '_Not stated._',
    '',
  );
  lines.push(
    '## Goals',
    '',
    ...(vision.goals.length > 0 ? vision.goals.map((g) => `- ${markdownText(g)}`) : ['_No goals stated._']),
    '',
  );
  lines.push('## Success metrics', '', '| Metric | Target | Source |', '| --- | --- | --- |');
  for (const m of vision.successMetrics)
    lines.push(`| ${markdownText(m.name)} | ${markdownText(m.target)} | ${m.source} |`);
  lines.push('', '## Personas', '');
  for (const p of vision.personas) {
    lines.push(
      `### ${markdownText(p.label.charAt(0).toUpperCase() + p.label.slice(1))}`,
      '',
      markdownText(p.description),
      '',
    );
    if (p.responsibilities.length > 0)
      lines.push(...p.responsibilities.map((r) => `- ${markdownText(r)}`), '');
  }
  lines.push(
    '## Initial feature set',
    '',
    '| Id | Feature | For | Priority | Description |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const f of vision.features)
    lines.push(
      `| ${f.id} | ${markdownText(f.name)} | ${f.persona} | ${f.priority} | ${markdownText(f.description)} |`,
    );
  lines.push(
    '',
    '## Scope',
    '',
    '**In scope**',
    '',
    ...vision.scope.in.map((s) => `- ${markdownText(s)}`),
    '',
    '**Out of scope**',
    '',
    ...vision.scope.out.map((s) => `- ${markdownText(s)}`),
    '',
  );
  lines.push('## Domain', '');
  for (const e of vision.domain.entities) {
    lines.push(`### ${e.name}`, '', markdownText(e.description), '');
    lines.push('| Attribute | Type | Required |', '| --- | --- | --- |');
    for (const a of e.attributes)
      lines.push(
        `| ${a.name} | ${a.type}${a.enumValues ? ` (${a.enumValues.join(', ')})` : ''} | ${a.required ? 'yes' : 'no'} |`,
      );
    if (e.references.length > 0) lines.push('', `Refers to: ${e.references.join(', ')}.`);
    if (e.states) lines.push('', `Lifecycle: ${e.states.join(' → ')}.`);
    lines.push('');
  }
  lines.push('### Actions', '', '| Action | Actor | Entity | Leads to |', '| --- | --- | --- | --- |');
  for (const a of vision.domain.actions)
    lines.push(`| ${a.name} | ${a.actor} | ${a.entity} | ${a.transitionTo ?? '-'} |`);
  lines.push('', '### Rules', '');
  lines.push(
    ...(vision.domain.rules.length > 0
      ? vision.domain.rules.map((r) => `- **${r.entity}** (${r.rule.kind}): ${markdownText(r.text)}`)
      : ['_No rules stated._']),
    '',
  );
  if (vision.hintsUsed.length > 0)
    lines.push('## Hints used', '', `Front matter used over inference: ${vision.hintsUsed.join(', ')}.`, '');
  if (vision.feedbackAddressed.length > 0) {
    lines.push('## Review feedback addressed', '');
    for (const f of vision.feedbackAddressed)
      lines.push(`- "${markdownText(f.feedback)}": ${markdownText(f.outcome)}`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
