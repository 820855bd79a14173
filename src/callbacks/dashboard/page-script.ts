/**
 * The dashboard page's own script, inlined into the page. It listens to the server's event stream
 * (no polling) and draws charts as inline SVG and digits on canvases, with no libraries or
 * network access beyond `/events`. Written without template literals so it can live in this string.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var MAX_POINTS = 5000;
  var state = null;
  var connection = 'connecting';
  var drawn = { samples: null };
  var pending = false;

  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function schedule() {
    if (pending) return;
    pending = true;
    // Coalesce bursts of events into one redraw per frame (a hidden tab simply draws later).
    requestAnimationFrame(function () { pending = false; render(); });
  }
  function trim(list) {
    if (list.length <= MAX_POINTS) return list;
    return list.filter(function (_, i) { return i % 2 === 0; });
  }

  var es = new EventSource('/events');
  es.addEventListener('open', function () { connection = 'open'; schedule(); });
  // After the end of training the server closes; that is not a lost connection.
  function finishedStream() {
    if (state && state.status === 'done' && !state.keepAlive) { connection = 'closed'; es.close(); }
  }
  es.addEventListener('error', function () {
    if (connection === 'closed') return;
    connection = state && state.status === 'done' ? 'closed' : 'offline';
    schedule();
  });
  es.addEventListener('state', function (e) { state = JSON.parse(e.data); finishedStream(); schedule(); });
  es.addEventListener('batch', function (e) {
    if (!state) return;
    var d = JSON.parse(e.data);
    state.batches = trim(state.batches.concat(d.points));
    state.progress = d.progress;
    state.status = 'training';
    schedule();
  });
  es.addEventListener('epoch', function (e) {
    if (!state) return;
    var d = JSON.parse(e.data);
    state.epochs.push({ epoch: d.epoch, logs: d.logs });
    state.progress = d.progress;
    schedule();
  });
  es.addEventListener('samples', function (e) {
    if (!state) return;
    state.samples = JSON.parse(e.data);
    schedule();
  });
  es.addEventListener('end', function (e) {
    if (!state) return;
    var d = JSON.parse(e.data);
    state.status = 'done';
    state.stoppedEarly = d.stoppedEarly;
    state.progress = d.progress;
    finishedStream();
    schedule();
  });

  function fmtNum(v) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    var a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
  }
  function fmtTime(s) {
    if (s === null || s === undefined || !isFinite(s)) return '–';
    s = Math.round(s);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var mm = (h > 0 && m < 10 ? '0' : '') + m, ss = (sec < 10 ? '0' : '') + sec;
    return (h > 0 ? h + ':' : '') + mm + ':' + ss;
  }

  function niceTicks(lo, hi, count) {
    if (!(hi > lo)) { hi = lo + 1; }
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / count)));
    var err = (hi - lo) / count / step;
    if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
    var ticks = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.round(t / step) * step);
    return ticks;
  }
  function tickLabel(t) { return Math.abs(t) < 1e-12 ? '0' : String(+t.toPrecision(6)); }

  // One metric's chart: per-batch running value (thin), per-epoch train (blue) and validation (red)
  // with point markers, grid, legend upper right, x label epoch, as in the lecture's figure.
  function drawChart(el, metric) {
    var W = 520, H = 300, L = 58, R = 14, T = 14, B = 42;
    var pw = W - L - R, ph = H - T - B;
    var epochs = state.params ? state.params.epochs : 1;
    var batchPts = [], trainPts = [], valPts = [];
    state.batches.forEach(function (p) { if (isFinite(p.logs[metric])) batchPts.push([p.x, p.logs[metric]]); });
    state.epochs.forEach(function (e) {
      if (isFinite(e.logs[metric])) trainPts.push([e.epoch + 1, e.logs[metric]]);
      if (isFinite(e.logs['val_' + metric])) valPts.push([e.epoch + 1, e.logs['val_' + metric]]);
    });
    var all = batchPts.concat(trainPts, valPts);
    var ylo = Infinity, yhi = -Infinity;
    all.forEach(function (p) { if (p[1] < ylo) ylo = p[1]; if (p[1] > yhi) yhi = p[1]; });
    if (!isFinite(ylo)) { ylo = 0; yhi = 1; }
    var pad = (yhi - ylo) * 0.06 || Math.abs(yhi) * 0.1 || 0.1;
    ylo -= pad; yhi += pad;
    var xhi = Math.max(1, epochs);
    function X(x) { return L + (x / xhi) * pw; }
    function Y(y) { return T + (1 - (y - ylo) / (yhi - ylo)) * ph; }
    var s = [];
    s.push('<svg viewBox="0 0 ' + W + ' ' + H + '" role="img" aria-label="' + esc(metric) + ' per epoch">');
    niceTicks(ylo, yhi, 5).forEach(function (t) {
      if (t < ylo || t > yhi) return;
      s.push('<line class="grid" x1="' + L + '" x2="' + (L + pw) + '" y1="' + Y(t) + '" y2="' + Y(t) + '"/>');
      s.push('<text x="' + (L - 6) + '" y="' + (Y(t) + 4) + '" text-anchor="end">' + tickLabel(t) + '</text>');
    });
    niceTicks(0, xhi, Math.min(10, xhi)).forEach(function (t) {
      if (t !== Math.round(t)) return;
      s.push('<line class="grid" y1="' + T + '" y2="' + (T + ph) + '" x1="' + X(t) + '" x2="' + X(t) + '"/>');
      s.push('<text x="' + X(t) + '" y="' + (T + ph + 16) + '" text-anchor="middle">' + t + '</text>');
    });
    s.push('<rect class="frame" x="' + L + '" y="' + T + '" width="' + pw + '" height="' + ph + '"/>');
    function line(pts, color, width, opacity, cls) {
      if (pts.length < 2) return;
      s.push('<polyline class="' + cls + '" fill="none" stroke="' + color + '" stroke-width="' + width + '" stroke-opacity="' + opacity +
        '" points="' + pts.map(function (p) { return X(p[0]).toFixed(1) + ',' + Y(p[1]).toFixed(1); }).join(' ') + '"/>');
    }
    function dots(pts, color, cls, label) {
      pts.forEach(function (p, i) {
        s.push('<circle class="' + cls + '" cx="' + X(p[0]).toFixed(1) + '" cy="' + Y(p[1]).toFixed(1) + '" r="3" fill="' + color + '">' +
          '<title>' + label + ' epoch ' + p[0] + ': ' + fmtNum(p[1]) + '</title></circle>');
      });
    }
    line(batchPts, '#7ea2f0', 1, 0.6, 'batch-line');
    line(valPts, 'red', 1.6, 1, 'val-line');
    line(trainPts, 'blue', 1.6, 1, 'train-line');
    dots(valPts, 'red', 'pt-val', 'Testset');
    dots(trainPts, 'blue', 'pt-train', 'Trainset');
    var legend = [['red', 'Testset_' + metric, valPts.length], ['blue', 'Trainset_' + metric, 1], ['#7ea2f0', 'per batch (epoch mean so far)', batchPts.length]]
      .filter(function (l) { return l[2] > 0; });
    var lw = 196, lx = L + pw - lw - 8, ly = T + 8;
    s.push('<rect x="' + lx + '" y="' + ly + '" width="' + lw + '" height="' + (legend.length * 17 + 8) + '" fill="#fff" fill-opacity=".85" stroke="#bbb" rx="3"/>');
    legend.forEach(function (l, i) {
      var y = ly + 14 + i * 17;
      s.push('<line x1="' + (lx + 8) + '" x2="' + (lx + 26) + '" y1="' + (y - 4) + '" y2="' + (y - 4) + '" stroke="' + l[0] + '" stroke-width="2"/>');
      s.push('<text x="' + (lx + 32) + '" y="' + y + '">' + esc(l[1]) + '</text>');
    });
    s.push('<text class="axis-label" x="' + (L + pw / 2) + '" y="' + (H - 6) + '" text-anchor="middle">epoch</text>');
    s.push('<text class="axis-label" transform="translate(14 ' + (T + ph / 2) + ') rotate(-90)" text-anchor="middle">' + esc(metric) + '</text>');
    s.push('</svg>');
    el.innerHTML = s.join('');
    el.setAttribute('data-epochs', String(trainPts.length));
    el.setAttribute('data-batches', String(batchPts.length));
  }

  function chartMetrics() {
    var names = (state.params && state.params.metrics) ? state.params.metrics.slice() : [];
    state.epochs.concat(state.batches.slice(-1)).forEach(function (e) {
      Object.keys(e.logs).forEach(function (k) {
        var base = k.indexOf('val_') === 0 ? k.slice(4) : k;
        if (names.indexOf(base) < 0) names.push(base);
      });
    });
    return names;
  }

  function renderCharts() {
    var host = $('charts');
    chartMetrics().forEach(function (m) {
      var id = 'chart-' + m.replace(/[^A-Za-z0-9_-]/g, '_');
      var box = document.getElementById(id);
      if (!box) {
        var sec = document.createElement('section');
        sec.innerHTML = '<h2>' + esc(m) + '</h2><div class="chart" id="' + id + '" data-metric="' + esc(m) + '"></div>';
        host.appendChild(sec);
        box = document.getElementById(id);
      }
      drawChart(box, m);
    });
  }

  function renderStats() {
    var p = state.progress || {};
    var status = $('status');
    var label = connection === 'offline' ? 'disconnected' : state.status === 'done' ? (state.stoppedEarly ? 'stopped early' : 'finished') : state.status;
    status.textContent = label;
    status.className = connection === 'offline' ? 'offline' : state.status === 'done' ? (state.stoppedEarly ? 'stopped' : 'done') : state.status;
    var epochs = p.epochs || (state.params ? state.params.epochs : 0);
    var stats = [
      ['epoch', (p.epoch === undefined ? '–' : Math.min(p.epoch + 1, epochs)) + ' / ' + (epochs || '–')],
      ['batch', (p.batch === undefined ? '–' : p.batch) + ' / ' + (p.steps || '–')],
      ['samples / s', p.samplesPerSec ? Math.round(p.samplesPerSec).toLocaleString() : '–'],
      ['ETA', state.status === 'done' ? '0:00' : fmtTime(p.etaSeconds)],
      ['elapsed', fmtTime(p.elapsedSeconds)],
      ['samples seen', p.samplesSeen !== undefined ? p.samplesSeen.toLocaleString() : '–'],
    ];
    $('stats').innerHTML = stats.map(function (s) { return '<div class="stat"><b>' + esc(s[1]) + '</b><span>' + esc(s[0]) + '</span></div>'; }).join('');
    $('bar').style.width = ((state.status === 'done' ? 1 : p.fraction || 0) * 100).toFixed(1) + '%';
    var last = state.epochs[state.epochs.length - 1];
    $('last').innerHTML = last
      ? '<table class="logs">' + Object.keys(last.logs).map(function (k) { return '<tr><td class="muted">' + esc(k) + '</td><td>' + fmtNum(last.logs[k]) + '</td></tr>'; }).join('') + '</table>'
      : '<span class="muted">no epoch finished yet</span>';
  }

  function renderSummary() {
    var text = state.summary && state.summary.length ? state.summary.join('\n') : '(no summary)';
    var el = $('summary');
    if (el.textContent !== text) el.textContent = text;
  }

  function decode(b64) {
    var bin = atob(b64), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  // Light to dark blue through three stops, like the 'blues' scheme of the PNG figure.
  var BLUES = [[247, 251, 255], [107, 174, 214], [8, 48, 107]];
  function blues(t) {
    var k = t <= 0.5 ? 0 : 1, u = t <= 0.5 ? t * 2 : (t - 0.5) * 2, a = BLUES[k], b = BLUES[k + 1];
    return 'rgb(' + [0, 1, 2].map(function (c) { return Math.round(a[c] + u * (b[c] - a[c])); }).join(',') + ')';
  }

  function renderSamples() {
    var s = state.samples;
    if (s === drawn.samples) return;
    drawn.samples = s;
    $('samples-section').hidden = !s;
    if (!s) return;
    var name = function (c) { return s.classNames && s.classNames[c] !== undefined ? s.classNames[c] : String(c); };
    $('samples-note').textContent = s.correct === null ? s.total + ' test samples'
      : s.correct + ' of ' + s.total + ' right (' + (100 * s.correct / Math.max(1, s.total)).toFixed(2) + '% accuracy). Red: predicted, true in brackets.';
    var grid = $('grid');
    grid.textContent = '';
    s.items.forEach(function (it) {
      var wrong = it.prediction !== null && it.prediction !== it.label;
      var cell = document.createElement('div');
      cell.className = 'cell' + (wrong ? ' wrong' : '');
      cell.title = 'test sample #' + it.index;
      var c = document.createElement('canvas');
      c.width = s.width; c.height = s.height;
      var ctx = c.getContext('2d');
      var img = ctx.createImageData(s.width, s.height);
      var px = decode(it.px);
      for (var i = 0; i < px.length; i++) {
        var g = 255 - px[i]; // matplotlib's 'Greys': ink dark on white
        img.data[4 * i] = g; img.data[4 * i + 1] = g; img.data[4 * i + 2] = g; img.data[4 * i + 3] = 255;
      }
      ctx.putImageData(img, 0, 0);
      var label = document.createElement('div');
      label.textContent = it.prediction === null ? name(it.label) : wrong ? name(it.prediction) + ' (' + name(it.label) + ')' : name(it.prediction);
      cell.appendChild(c);
      cell.appendChild(label);
      grid.appendChild(cell);
    });
    var cm = s.confusion;
    $('cm-section').hidden = !cm;
    if (!cm) return;
    var max = 1;
    cm.forEach(function (row) { row.forEach(function (v) { if (v > max) max = v; }); });
    var h = ['<table class="cm"><tr><th></th><th colspan="' + cm.length + '">predicted</th></tr><tr><th>true</th>'];
    cm.forEach(function (_, j) { h.push('<th>' + esc(name(j)) + '</th>'); });
    h.push('</tr>');
    cm.forEach(function (row, i) {
      h.push('<tr><th>' + esc(name(i)) + '</th>');
      row.forEach(function (v, j) {
        var t = v / max;
        h.push('<td data-true="' + i + '" data-pred="' + j + '" style="background:' + blues(t) + ';color:' + (t > 0.5 ? '#fff' : '#222') + '">' + v + '</td>');
      });
      h.push('</tr>');
    });
    h.push('</table>');
    $('cm').innerHTML = h.join('');
  }

  function render() {
    if (!state) return;
    renderStats();
    renderCharts();
    renderSummary();
    renderSamples();
  }
})();
`;
