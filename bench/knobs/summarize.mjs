// Summarises rav1e knob sweeps (the JSON lines bench/knobs/run.mjs prints)
// into one table per clip: speed and BD-rate (PSNR-Y) of each variant
// against preset 10 with reordering ("base"), the default before presets.
//
//   node bench/knobs/summarize.mjs bench/knobs/results-<date>.jsonl > bench/knobs/results-<date>.md
import { readFileSync } from 'node:fs';
import { bdRate } from '../lib/metrics.mjs';

const rows = process.argv.slice(2).flatMap((file) => readFileSync(file, 'utf8').split('\n')
  .filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)));
// One measurement per (clip, variant, q): the latest wins.
const key = (r) => `${r.clip}|${r.variant}|${r.q}`;
const unique = [...new Map(rows.map((r) => [key(r), r])).values()];
const out = ['# rav1e knobs: speed vs size at equal PSNR', '',
  'Each variant is rav1e speed preset 10 (or `sN`: preset N) plus the knobs named (`ll` low latency: no frame reordering), one thread, without assembly (as in Fanout), 60 frames per clip. ' +
  'fps = frames per CPU-second (user + sys). BD-rate: bits at equal PSNR-Y against `base` (negative = smaller), over the PSNR range both curves cover (PCHIP, as bench/lib/metrics.mjs). Made by `node bench/knobs/run.mjs VARIANTS QUANTIZERS` runs, summarised by `node bench/knobs/summarize.mjs`.', ''];
for (const clip of [...new Set(unique.map((r) => r.clip))]) {
  const of = (variant) => unique.filter((r) => r.clip === clip && r.variant === variant).sort((a, b) => a.q - b.q);
  const base = of('base');
  const meanFps = (rs) => rs.reduce((s, r) => s + r.fps, 0) / rs.length;
  out.push(`## ${clip}`, '', '| variant | points (q) | mean fps per core | × base speed | BD-rate vs base | PSNR range dB |', '|---|---|---|---|---|---|');
  for (const variant of [...new Set(unique.filter((r) => r.clip === clip).map((r) => r.variant))]) {
    const rs = of(variant);
    // Speed compared over the quantizers both have (speed depends on q).
    const qs = rs.map((r) => r.q).filter((q) => base.some((b) => b.q === q));
    const speed = qs.length ? meanFps(rs.filter((r) => qs.includes(r.q))) / meanFps(base.filter((b) => qs.includes(b.q))) : null;
    const bd = rs.length >= 2 && variant !== 'base'
      ? bdRate(base.map((r) => ({ kbps: r.bytes, psnr: r.psnr })), rs.map((r) => ({ kbps: r.bytes, psnr: r.psnr })))
      : null;
    out.push(`| ${variant} | ${rs.map((r) => r.q).join(', ')} | ${meanFps(rs).toFixed(2)} | ${speed ? speed.toFixed(2) : '–'} | ${bd ? `${bd.bdRate >= 0 ? '+' : ''}${bd.bdRate.toFixed(1)} %` : '–'} | ${bd ? `${bd.from.toFixed(2)}–${bd.to.toFixed(2)}` : '–'} |`);
  }
  out.push('');
}
console.log(out.join('\n'));
