import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The whole dashboard page: one self-contained HTML document. */
export function renderPage(title: string): string {
  const t = escapeHtml(title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header><h1>${t}</h1><span id="status">connecting</span></header>
<main>
  <section class="wide"><h2>Progress</h2><div id="stats"></div><div class="bar"><div id="bar"></div></div></section>
  <div id="charts" style="display: contents"></div>
  <section><h2>Last epoch</h2><div id="last"></div></section>
  <section><h2>Model</h2><pre id="summary">(waiting for training to start)</pre></section>
  <section class="wide" id="samples-section" hidden><h2>Test predictions</h2><p id="samples-note" class="muted"></p><div id="grid"></div></section>
  <section id="cm-section" hidden><h2>Confusion matrix</h2><div id="cm"></div></section>
</main>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
