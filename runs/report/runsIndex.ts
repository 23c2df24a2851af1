import type { RunDocument } from '../../core/ports/runStore';
import { html } from './html';
import { reportCss } from './style';

/** A page listing runs with links to their reports (served by `factory serve` under /reports/). */
export function renderRunsIndex(runs: Array<{ doc: RunDocument; status: string }>, tenantId: string): string {
  const tone = (s: string) =>
    s === 'Completed'
      ? 'ok'
      : ['Failed', 'Rejected', 'Terminated'].includes(s)
        ? 'bad'
        : s === 'WaitingForApproval'
          ? 'waiting'
          : 'running';
  const body = html`<p class="eyebrow">Software factory</p>
    <h1>Runs</h1>
    <p class="muted">Tenant <code>${tenantId}</code> · ${runs.length} run(s)</p>
    ${
      runs.length === 0
        ? html`<p>No runs yet: <code>factory run --vision-file FILE</code></p>`
        : html`<div class="table-wrap">
            <table class="runs">
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Status</th>
                  <th>Title</th>
                  <th>Created</th>
                  <th class="num">Iteration</th>
                  <th class="num">Agent calls</th>
                </tr>
              </thead>
              <tbody>
                ${runs.map(
                  ({ doc, status }) =>
                    html`<tr>
                      <td>
                        <a href="${encodeURIComponent(doc.id)}.html"><code>${doc.id}</code></a>
                      </td>
                      <td><span class="badge ${tone(status)}">${status}</span></td>
                      <td>${doc.visionTitle}</td>
                      <td class="nowrap">${doc.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</td>
                      <td class="num">${doc.iteration}</td>
                      <td class="num">${doc.counters.agentCalls}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Factory runs</title><style>${reportCss}</style></head>
<body><main>${body}</main></body></html>
`;
}
