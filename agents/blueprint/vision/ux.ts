import { z } from 'zod';
import type { Backlog } from '../../../toolchain/schemas/backlog';
import type { Vision, VisionAttribute, VisionEntity } from '../../../toolchain/schemas/vision';
import { kebabCase, labelOf, plural } from '../../../toolchain/vision/language';
import { html } from '../../../toolchain/escaping/html';
import { moneyBounds, moneyInputPattern, moneyPattern } from '../../../toolchain/money';

/** User journeys per persona and one static HTML mockup per main screen. */
export const uxJourneysSchema = z.object({
  product: z.string(),
  screens: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z][a-z0-9-]*$/),
        title: z.string(),
        entity: z.string(),
        kind: z.enum(['list', 'detail']),
        mockup: z.string(),
      }),
    )
    .min(1),
  journeys: z
    .array(
      z.object({
        persona: z.string(),
        goal: z.string(),
        steps: z
          .array(
            z.object({
              step: z.number().int().positive(),
              action: z.string(),
              screen: z.string(),
              story: z.string().optional(),
            }),
          )
          .min(1),
      }),
    )
    .min(1),
});
export type UxJourneys = z.infer<typeof uxJourneysSchema>;

const title = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function mockupPath(screen: string): string {
  return `ux/mockups/${screen}.html`;
}

function screenIds(entity: VisionEntity) {
  return { list: `${kebabCase(entity.plural)}-list`, detail: `${kebabCase(entity.name)}-detail` };
}

export function buildJourneys(vision: Vision, backlog: Backlog): UxJourneys {
  const main = vision.domain.entities.filter((e) => backlog.stories.some((s) => s.entity === e.name));
  const screens: UxJourneys['screens'] = [];
  for (const e of main) {
    const ids = screenIds(e);
    screens.push({
      id: ids.list,
      title: `${title(plural(e.label))}`,
      entity: e.name,
      kind: 'list',
      mockup: mockupPath(ids.list),
    });
    screens.push({
      id: ids.detail,
      title: `${title(e.label)}`,
      entity: e.name,
      kind: 'detail',
      mockup: mockupPath(ids.detail),
    });
  }
  const journeys: UxJourneys['journeys'] = [];
  for (const p of vision.personas) {
    const stories = backlog.stories.filter((s) => s.persona === p.name);
    if (stories.length === 0) continue;
    const steps: UxJourneys['journeys'][number]['steps'] = [];
    for (const s of stories) {
      const entity = vision.domain.entities.find((e) => e.name === s.entity)!;
      const ids = screenIds(entity);
      if (!steps.some((x) => x.screen === ids.list))
        steps.push({ step: steps.length + 1, action: `Open ${plural(entity.label)}`, screen: ids.list });
      steps.push({
        step: steps.length + 1,
        action: title(s.iWant.replace(/^to /, '')),
        screen: s.operation === 'list' ? ids.list : ids.detail,
        story: s.id,
      });
    }
    journeys.push({ persona: p.name, goal: p.description, steps });
  }
  if (journeys.length === 0) {
    const s = backlog.stories[0];
    const ids = screenIds(vision.domain.entities.find((e) => e.name === s.entity)!);
    journeys.push({
      persona: s.persona,
      goal: s.soThat,
      steps: [{ step: 1, action: s.title, screen: ids.detail, story: s.id }],
    });
  }
  return uxJourneysSchema.parse({ product: vision.title, screens, journeys });
}

function input(a: VisionAttribute): string {
  const id = `f-${kebabCase(a.name)}`;
  const label = `<label for="${id}">${html(title(labelOf(a.name)))}${a.required ? ' *' : ''}</label>`;
  const req = a.required ? ' required' : '';
  switch (a.type) {
    case 'enum':
      return `${label}\n        <select id="${id}" name="${a.name}"${req}>${(a.enumValues ?? []).map((v) => `<option value="${v}">${html(title(v.replace(/_/g, ' ')))}</option>`).join('')}</select>`;
    case 'text':
      return `${label}\n        <textarea id="${id}" name="${a.name}" rows="3"${req}></textarea>`;
    case 'boolean':
      return `<label for="${id}"><input type="checkbox" id="${id}" name="${a.name}"> ${html(title(labelOf(a.name)))}</label>`;
    case 'money':
      // Amounts are decimal strings in the API; a text input keeps what was typed exactly.
      return `${label}\n        <input type="text" inputmode="decimal" id="${id}" name="${a.name}" pattern="${html(moneyInputPattern(moneyPattern(moneyBounds(a))))}" placeholder="19.99"${req}>`;
    default: {
      const type =
        {
          date: 'date',
          datetime: 'datetime-local',
          email: 'email',
          integer: 'number',
          number: 'number',
        }[a.type as string] ?? 'text';
      const step = a.type === 'integer' ? ' step="1"' : '';
      return `${label}\n        <input type="${type}" id="${id}" name="${a.name}"${step}${req}>`;
    }
  }
}

const styles = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
    header{background:#23395d;color:#fff;padding:12px 24px;display:flex;gap:24px;align-items:center}
    header nav a{color:#dfe7f5;margin-right:16px;text-decoration:none}
    main{max-width:960px;margin:24px auto;background:#fff;padding:24px;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
    table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:8px;border-bottom:1px solid #e3e6eb}
    form{display:grid;gap:8px;max-width:480px}label{font-weight:600}input,select,textarea{padding:6px;border:1px solid #b8c0cc;border-radius:4px;font:inherit}
    .actions{display:flex;gap:8px;flex-wrap:wrap;margin-top:16px}button{padding:8px 14px;border-radius:4px;border:1px solid #23395d;background:#23395d;color:#fff;font:inherit;cursor:pointer}
    button.secondary{background:#fff;color:#23395d}.status{display:inline-block;padding:2px 8px;border-radius:12px;background:#e6eefb;font-size:.9em}`;

function page(vision: Vision, heading: string, body: string, nav: string[]): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${html(heading)} · ${html(vision.title)}</title>
  <style>
    ${styles}
  </style>
</head>
<body>
  <header>
    <strong>${html(vision.title)}</strong>
    <nav>${nav.join('')}</nav>
  </header>
  <main>
${body}
  </main>
</body>
</html>
`;
}

export function renderMockup(vision: Vision, journeys: UxJourneys, screenId: string): string {
  const screen = journeys.screens.find((s) => s.id === screenId)!;
  const entity = vision.domain.entities.find((e) => e.name === screen.entity)!;
  const nav = journeys.screens
    .filter((s) => s.kind === 'list')
    .map((s) => `<a href="${s.id}.html">${html(s.title)}</a>`);
  const visible = entity.attributes.slice(0, 5);
  if (screen.kind === 'list') {
    const cells = (i: number) =>
      visible
        .map((a) => {
          const sample =
            a.type === 'enum'
              ? title((a.enumValues ?? ['-'])[i % (a.enumValues?.length ?? 1)].replace(/_/g, ' '))
              : a.type === 'date'
                ? `2026-0${i + 1}-1${i}`
                : a.type === 'money'
                  ? `${(i + 1) * 5}.00`
                  : a.type === 'integer'
                    ? String(i + 2)
                    : a.type === 'email'
                      ? `person${i + 1}@example.org`
                      : `${title(entity.label)} ${i + 1}`;
          return `<td>${html(sample)}</td>`;
        })
        .join('');
    const status = (i: number) =>
      entity.states
        ? `<td><span class="status">${html(entity.states[i % entity.states.length].replace(/_/g, ' '))}</span></td>`
        : '';
    const body = `    <h1>${html(screen.title)}</h1>
    <form role="search" action="#" method="get"><label for="q">Search ${html(plural(entity.label))}</label><input type="search" id="q" name="q"></form>
    <table>
      <thead><tr>${visible.map((a) => `<th scope="col">${html(title(labelOf(a.name)))}</th>`).join('')}${entity.states ? '<th scope="col">Status</th>' : ''}<th scope="col">Actions</th></tr></thead>
      <tbody>
${[0, 1, 2].map((i) => `        <tr>${cells(i)}${status(i)}<td><a href="${kebabCase(entity.name)}-detail.html">Open</a></td></tr>`).join('\n')}
      </tbody>
    </table>
    <div class="actions"><a href="${kebabCase(entity.name)}-detail.html"><button type="button">New ${html(entity.label)}</button></a></div>`;
    return page(vision, screen.title, body, nav);
  }
  const commands = vision.domain.actions.filter((a) => a.entity === entity.name && a.transitionTo);
  const references = entity.references.map((r) => {
    const target = vision.domain.entities.find((e) => e.name === r);
    const id = `f-${kebabCase(r)}-id`;
    return `<label for="${id}">${html(title(target?.label ?? labelOf(r)))} *</label>\n        <select id="${id}" name="${r.charAt(0).toLowerCase()}${r.slice(1)}Id" required><option value="">Choose ${html(target?.label ?? labelOf(r))}</option></select>`;
  });
  const body = `    <h1>${html(screen.title)}</h1>
    ${entity.states ? `<p>Status: <span class="status">${html(entity.states[0].replace(/_/g, ' '))}</span></p>` : ''}
    <form action="#" method="post">
        ${[...entity.attributes.map(input), ...references].join('\n        ')}
      <div class="actions">
        <button type="submit">Save</button>
        ${commands.map((c) => `<button type="button" class="secondary" data-command="${c.name}">${html(title(c.verb.replace(/-/g, ' ')))}</button>`).join('\n        ')}
        <button type="button" class="secondary">Delete</button>
      </div>
    </form>`;
  return page(vision, screen.title, body, nav);
}
