/** The dashboard page's CSS, inlined into the page (no external assets). */
export const PAGE_STYLE = String.raw`
:root { --fg: #1d2330; --muted: #6b7280; --line: #e5e7eb; --card: #fff; --bg: #f4f5f7; --train: #1f4fd8; --val: #e0201b; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: center; gap: 12px; padding: 12px 20px; background: #111827; color: #fff; }
header h1 { font-size: 16px; font-weight: 600; margin: 0; }
#status { padding: 2px 10px; border-radius: 999px; font-size: 12px; background: #4b5563; }
#status.training { background: #2563eb; }
#status.done { background: #059669; }
#status.stopped { background: #b45309; }
#status.offline { background: #991b1b; }
main { padding: 16px 20px 40px; display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; }
section.wide { grid-column: 1 / -1; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 0 0 8px; font-weight: 600; }
#stats { display: flex; flex-wrap: wrap; gap: 8px 28px; }
.stat b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
.stat span { color: var(--muted); font-size: 12px; }
.bar { height: 6px; background: var(--line); border-radius: 3px; margin-top: 10px; overflow: hidden; }
.bar div { height: 100%; width: 0; background: var(--train); transition: width .2s; }
.chart svg { width: 100%; height: auto; display: block; }
.chart text { font: 11px system-ui, "DejaVu Sans", sans-serif; fill: #374151; }
.chart .axis-label { font-size: 12px; fill: #111827; }
.chart .grid { stroke: #e5e7eb; }
.chart .frame { fill: none; stroke: #9ca3af; }
pre#summary { margin: 0; font: 12px/1.35 ui-monospace, "DejaVu Sans Mono", monospace; overflow: auto; max-height: 420px; }
table.logs { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.logs td { padding: 2px 14px 2px 0; }
#grid { display: flex; flex-wrap: wrap; gap: 10px; }
.cell { text-align: center; font-size: 12px; width: 64px; }
.cell canvas { width: 56px; height: 56px; image-rendering: pixelated; border: 1px solid #d1d5db; display: block; margin: 0 auto 2px; }
.cell.wrong canvas { border: 2px solid var(--val); }
.cell.wrong { color: var(--val); font-weight: 700; }
table.cm { border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; }
table.cm td, table.cm th { width: 34px; height: 30px; text-align: center; }
table.cm th { color: var(--muted); font-weight: 500; }
.muted { color: var(--muted); }
`;
