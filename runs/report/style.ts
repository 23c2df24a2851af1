/** The report's stylesheet: inline, system fonts, light and dark schemes, print-friendly. */
export const reportCss = `
:root{--bg:#f6f7f9;--card:#fff;--text:#1d2330;--muted:#667085;--line:#e3e6eb;--ok:#1a7f4b;--ok-bg:#e5f5ec;--bad:#b42318;--bad-bg:#fdecea;--wait:#9a6700;--wait-bg:#fff4d6;--run:#175cd3;--run-bg:#e8f0fe;--pend:#667085;--pend-bg:#eef0f3;--accent:#3b5bdb}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--card:#1a1e24;--text:#e6e8eb;--muted:#98a2b3;--line:#2c323b;--ok:#5cd08d;--ok-bg:#163526;--bad:#ff8a80;--bad-bg:#3d1715;--wait:#f5c451;--wait-bg:#3a2e0c;--run:#84adff;--run-bg:#15264a;--pend:#98a2b3;--pend-bg:#262b33;--accent:#91a7ff}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif}
main{max-width:1200px;margin:0 auto;padding:24px 24px 48px}
h1{font-size:26px;margin:2px 0 4px}h2{font-size:19px;margin:32px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}h3{font-size:15px;margin:18px 0 8px}
a{color:var(--accent)}code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
pre{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:10px 12px;overflow:auto;max-height:480px}
.muted{color:var(--muted)}.small{font-size:12px}.nowrap{white-space:nowrap}.eyebrow{text-transform:uppercase;letter-spacing:.08em;font-size:11px;color:var(--muted);margin:0}
.top{display:flex;justify-content:space-between;align-items:flex-start;gap:16px}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600;background:var(--pend-bg);color:var(--pend);white-space:nowrap}
.badge.big{font-size:15px;padding:4px 14px}
.ok{--tone:var(--ok);--tone-bg:var(--ok-bg)}.bad{--tone:var(--bad);--tone-bg:var(--bad-bg)}.waiting{--tone:var(--wait);--tone-bg:var(--wait-bg)}.running{--tone:var(--run);--tone-bg:var(--run-bg)}.pending{--tone:var(--pend);--tone-bg:var(--pend-bg)}
.badge.ok,.badge.bad,.badge.waiting,.badge.running,.badge.pending{background:var(--tone-bg);color:var(--tone)}
.isolation.warning{background:var(--bad-bg);color:var(--bad);padding:8px 12px;border-radius:6px;font-weight:600}
.ok-text{color:var(--ok)}.bad-text{color:var(--bad)}
.alert{background:var(--bad-bg);color:var(--bad);border-radius:8px;padding:10px 14px;margin:12px 0;max-height:9.5em;overflow:auto;overflow-wrap:anywhere}
.toc{display:flex;gap:14px;flex-wrap:wrap;margin:14px 0 4px}.toc a{text-decoration:none;font-weight:600}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:10px;margin-top:14px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 12px;display:flex;flex-direction:column}.tile strong{font-size:18px}
.flow{display:flex;align-items:stretch;gap:6px;overflow-x:auto;padding-bottom:6px}
.phase{flex:1 1 0;min-width:150px;background:var(--card);border:1px solid var(--line);border-top:4px solid var(--tone);border-radius:10px;padding:10px;display:flex;flex-direction:column;gap:4px}
.phase .step{font-size:11px;color:var(--muted)}.phase .badge{align-self:flex-start}
.arrow{align-self:center;color:var(--muted);font-size:20px}.arrow.loop{font-size:22px}
.gantt{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:8px 12px}
.gantt-row{display:grid;grid-template-columns:minmax(180px,280px) 1fr 70px;align-items:center;gap:10px;min-height:22px}
.gantt-row.phase{margin-top:8px;border-top:1px dashed var(--line);padding-top:6px}
.gantt-label{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-size:12.5px}
.gantt-row.agent .gantt-label,.gantt-row.gate .gantt-label{padding-left:14px}
.gantt-track{position:relative;height:14px;background:repeating-linear-gradient(90deg,transparent 0 calc(20% - 1px),var(--line) calc(20% - 1px) 20%)}
.gantt-track.ticks{height:18px;background:none}.gantt-track.ticks span{position:absolute;transform:translateX(-50%);font-size:11px;color:var(--muted);white-space:nowrap}.gantt-track.ticks span:first-child{transform:none}.gantt-track.ticks span:last-child{transform:translateX(-100%)}
.gantt-bar{position:absolute;top:2px;height:10px;border-radius:3px;background:var(--tone)}
.gantt-bar.phase{top:0;height:14px;opacity:.35}.gantt-bar.approval{background:repeating-linear-gradient(45deg,var(--wait) 0 4px,transparent 4px 8px);border:1px solid var(--wait)}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;margin:8px 0;padding:0 12px}
.card>summary{cursor:pointer;padding:9px 0;list-style-position:outside}
.card[open]>summary{border-bottom:1px solid var(--line);margin-bottom:8px}
.table-wrap{overflow-x:auto}.table-wrap.scroll{max-height:420px;overflow-y:auto}
table{border-collapse:collapse;width:100%;background:var(--card)}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}th{font-size:12px;color:var(--muted);font-weight:600;position:sticky;top:0;background:var(--card)}
table.compact td,table.compact th{padding:3px 8px}.num{text-align:right;font-variant-numeric:tabular-nums}
tr.fail-row td{background:var(--bad-bg)}ul.findings{margin:0;padding-left:18px}
.kind{display:inline-block;min-width:120px;font-size:12px;font-weight:600;color:var(--accent)}
.toolbar{display:flex;gap:8px;margin-bottom:8px}.toolbar input{flex:1;padding:6px 10px;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--text)}
.toolbar button{padding:6px 12px;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--text);cursor:pointer}
.artifact-body{padding-bottom:10px;overflow-x:auto}.markdown table{width:auto}.markdown img{max-width:100%}
figure.mermaid{margin:8px 0}.diagram{overflow-x:auto;background:var(--card)}
svg .node{fill:var(--run-bg);stroke:var(--run);stroke-width:1.2}svg .node.actor{fill:var(--ok-bg);stroke:var(--ok)}
svg text{fill:var(--text);font:12.5px system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif}svg text.small{font-size:11px}
svg .edge{stroke:var(--muted);stroke-width:1.3;fill:none}svg .edge.dashed{stroke-dasharray:5 4}svg .edge.thick{stroke-width:2.4}svg .arrowhead{fill:var(--muted)}
svg .edge-label{fill:var(--card);stroke:none;opacity:.92}svg .lifeline{stroke:var(--line);stroke-dasharray:4 4}
svg .note{fill:var(--wait-bg);stroke:var(--wait)}svg .block{fill:none;stroke:var(--muted);stroke-dasharray:3 3}svg .block-divider{stroke:var(--muted);stroke-dasharray:3 3}svg .block-label{font-weight:600}
.method{display:inline-block;min-width:58px;text-align:center;border-radius:4px;font:600 11px ui-monospace,monospace;padding:2px 4px;background:var(--pend-bg)}
.method-get{background:var(--run-bg);color:var(--run)}.method-post{background:var(--ok-bg);color:var(--ok)}.method-delete{background:var(--bad-bg);color:var(--bad)}.method-put,.method-patch{background:var(--wait-bg);color:var(--wait)}
ul.files{columns:2;font-size:12.5px}
footer{margin-top:36px;font-size:12px}
.runs td a{font-weight:600}
@media print{.toolbar,.toc{display:none}details{break-inside:avoid}details:not([open])>*:not(summary){display:none}}
`;

/** Filtering and expand/collapse for the artifact list; the page is complete without it. */
export const reportScript = `
(function () {
  var filter = document.getElementById('artifact-filter');
  var items = Array.prototype.slice.call(document.querySelectorAll('details.artifact'));
  if (filter) filter.addEventListener('input', function () {
    var q = filter.value.trim().toLowerCase();
    items.forEach(function (d) { d.style.display = !q || d.getAttribute('data-search').indexOf(q) >= 0 ? '' : 'none'; });
  });
  function setAll(open) { items.forEach(function (d) { if (d.style.display !== 'none') d.open = open; }); }
  var expand = document.getElementById('expand-all');
  var collapse = document.getElementById('collapse-all');
  if (expand) expand.addEventListener('click', function () { setAll(true); });
  if (collapse) collapse.addEventListener('click', function () { setAll(false); });
  // A link to an artifact opens it.
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (target && target.tagName === 'DETAILS') target.open = true;
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();
})();
`;
