// Line charts as standalone SVG, no dependencies.

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceTicks(lo, hi, count = 6) {
  if (!(hi > lo)) { hi = lo + 1; }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Ticks for a log10 axis spanning [lo, hi] (in log10 units): 1-2-5 steps, finer or linear when the span is short. */
function logTicks(lo, hi) {
  for (const ms of [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const t = [];
    for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) for (const m of ms) { const v = m * 10 ** k; if (Math.log10(v) >= lo && Math.log10(v) <= hi) t.push(v); }
    if (t.length >= 3) return t;
  }
  return niceTicks(10 ** lo, 10 ** hi, 4).filter((v) => v > 0);
}

const fmt = (v) => (Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(4)).toString());

/**
 * series: [{ name, points: [[x, y], ...], dashed?, line? (default true), marker? (default true) }]
 * logX / logY: logarithmic axes (base 10 grid, or base 2 with log2X).
 */
export function lineChart({ title, xLabel, yLabel, series, logX = false, log2X = false, logY = false, width = 760, height = 460, note }) {
  const L = 70, R = 230, T = 40, B = note ? 70 : 55;
  const pw = width - L - R, ph = height - T - B;
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const tx = (v) => (log2X ? Math.log2(v) : logX ? Math.log10(v) : v);
  const ty = (v) => (logY ? Math.log10(v) : v);
  let [x0, x1] = [Math.min(...all.map((p) => tx(p[0]))), Math.max(...all.map((p) => tx(p[0])))];
  let [y0, y1] = [Math.min(...all.map((p) => ty(p[1]))), Math.max(...all.map((p) => ty(p[1])))];
  if (!all.length) { x0 = 0; x1 = 1; y0 = 0; y1 = 1; }
  const padX = (x1 - x0 || 1) * 0.05, padY = (y1 - y0 || 1) * 0.08;
  x0 -= padX; x1 += padX; y0 -= padY; y1 += padY;
  if (!logY && y0 > 0 && y0 < (y1 - y0) * 0.3) y0 = 0;
  const sx = (v) => L + (tx(v) - x0) / (x1 - x0) * pw;
  const sy = (v) => T + ph - (ty(v) - y0) / (y1 - y0) * ph;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${L + pw / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`];
  const xt = log2X ? Array.from({ length: Math.floor(x1) - Math.ceil(x0) + 1 }, (_, i) => 2 ** (Math.ceil(x0) + i))
    : logX ? logTicks(x0, x1) : niceTicks(x0, x1);
  const yt = logY ? logTicks(y0, y1) : niceTicks(y0, y1);
  for (const v of xt) {
    const x = sx(v);
    out.push(`<line x1="${x}" y1="${T}" x2="${x}" y2="${T + ph}" stroke="#e4e4e4"/>`, `<text x="${x}" y="${T + ph + 16}" text-anchor="middle">${fmt(v)}</text>`);
  }
  for (const v of yt) {
    const y = sy(v);
    out.push(`<line x1="${L}" y1="${y}" x2="${L + pw}" y2="${y}" stroke="#e4e4e4"/>`, `<text x="${L - 6}" y="${y + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  out.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`,
    `<text x="${L + pw / 2}" y="${T + ph + 36}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(18 ${T + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  if (note) out.push(`<text x="${L}" y="${height - 10}" font-size="11" fill="#555">${esc(note)}</text>`);
  series.forEach((s, i) => {
    const color = s.color ?? COLORS[i % COLORS.length];
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).sort((a, b) => a[0] - b[0]);
    if (s.line !== false && pts.length > 1) {
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`);
    }
    if (s.marker !== false) for (const [x, y] of pts) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3.5" fill="${color}"/>`);
    const ly = T + 8 + i * 18;
    out.push(s.line === false ? `<circle cx="${L + pw + 24}" cy="${ly}" r="3.5" fill="${color}"/>` : `<line x1="${L + pw + 12}" y1="${ly}" x2="${L + pw + 36}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${L + pw + 42}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
