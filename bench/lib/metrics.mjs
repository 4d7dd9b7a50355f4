// Quality and rate: PSNR/SSIM with ffmpeg's filters, video-only bitrate
// from the packets, and the Bjøntegaard delta rate.
import { readFile } from 'node:fs/promises';
import { runCommand, sh } from './util.mjs';

/**
 * PSNR (Y and average) and SSIM (all and Y) of `output` against the decoded
 * `reference`, both timelines moved to start at 0 (setpts=PTS-STARTPTS) so
 * frames pair by position. With `statsFile`, ffmpeg's per-frame PSNR log
 * goes there (see `perFramePsnr`).
 */
export async function quality(output, reference, { statsFile } = {}) {
  const psnrArgs = statsFile ? `psnr=stats_file='${statsFile.replace(/'/g, "\\'")}'` : 'psnr';
  const graph = '[0:v]setpts=PTS-STARTPTS,split[a1][a2];[1:v]setpts=PTS-STARTPTS,split[b1][b2];' +
    `[a1][b1]${psnrArgs}[p];[a2][b2]ssim[s]`;
  const r = await runCommand('ffmpeg', ['-nostats', '-i', output, '-i', reference, '-filter_complex', graph,
    '-map', '[p]', '-f', 'null', '-', '-map', '[s]', '-f', 'null', '-']);
  if (r.status !== 0) throw new Error(`psnr/ssim failed: ${r.stderr.slice(-2000)}`);
  const psnr = /PSNR y:([0-9.inf]+) u:([0-9.inf]+) v:([0-9.inf]+) average:([0-9.inf]+)/.exec(r.stderr);
  const ssim = /SSIM Y:([0-9.]+) .*All:([0-9.]+)/.exec(r.stderr);
  return {
    psnrY: psnr ? Number(psnr[1]) : null,
    psnrAvg: psnr ? Number(psnr[4]) : null,
    ssimY: ssim ? Number(ssim[1]) : null,
    ssim: ssim ? Number(ssim[2]) : null,
  };
}

/** Per-frame PSNR-Y from a psnr stats_file: an array indexed by frame (0-based). */
export async function perFramePsnr(statsFile) {
  const text = await readFile(statsFile, 'utf8');
  return text.trim().split('\n').map((line) => {
    const m = /psnr_y:([0-9.inf]+)/.exec(line);
    return m ? (m[1] === 'inf' ? 100 : Number(m[1])) : NaN;
  });
}

/** Video packets of a file: count, bytes, duration (s), keyframe indexes (in presentation order). */
export function videoPackets(file) {
  const csv = sh('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,size,flags', '-of', 'csv=p=0', file]);
  const packets = csv.trim().split('\n').filter(Boolean).map((l) => {
    const [pts, size, flags] = l.split(',');
    return { pts: Number(pts), size: Number(size), key: flags.includes('K') };
  });
  packets.sort((a, b) => a.pts - b.pts);
  const bytes = packets.reduce((s, p) => s + p.size, 0);
  const frames = packets.length;
  const first = packets[0]?.pts ?? 0, last = packets.at(-1)?.pts ?? 0;
  const duration = frames > 1 ? (last - first) * frames / (frames - 1) : 0;
  const keyframes = packets.map((p, i) => (p.key ? i : -1)).filter((i) => i >= 0);
  return { frames, bytes, duration, keyframes };
}

// Monotone piecewise cubic (Fritsch–Carlson PCHIP) through sorted (x, y).
function pchip(xs, ys) {
  const n = xs.length;
  const h = [], d = [];
  for (let i = 0; i < n - 1; i++) { h.push(xs[i + 1] - xs[i]); d.push((ys[i + 1] - ys[i]) / h[i]); }
  const m = new Array(n).fill(0);
  if (n === 2) { m[0] = m[1] = d[0]; } else {
    for (let i = 1; i < n - 1; i++) {
      if (d[i - 1] * d[i] <= 0) m[i] = 0;
      else { const w1 = 2 * h[i] + h[i - 1], w2 = h[i] + 2 * h[i - 1]; m[i] = (w1 + w2) / (w1 / d[i - 1] + w2 / d[i]); }
    }
    const end = (h0, h1, d0, d1) => {
      let v = ((2 * h0 + h1) * d0 - h0 * d1) / (h0 + h1);
      if (Math.sign(v) !== Math.sign(d0)) v = 0;
      else if (Math.sign(d0) !== Math.sign(d1) && Math.abs(v) > Math.abs(3 * d0)) v = 3 * d0;
      return v;
    };
    m[0] = end(h[0], h[1], d[0], d[1]);
    m[n - 1] = end(h[n - 2], h[n - 3], d[n - 2], d[n - 3]);
  }
  return (x) => {
    let i = 0;
    while (i < n - 2 && x > xs[i + 1]) i++;
    const t = (x - xs[i]) / h[i];
    const h00 = (1 + 2 * t) * (1 - t) ** 2, h10 = t * (1 - t) ** 2, h01 = t * t * (3 - 2 * t), h11 = t * t * (t - 1);
    return h00 * ys[i] + h10 * h[i] * m[i] + h01 * ys[i + 1] + h11 * h[i] * m[i + 1];
  };
}

function curve(points) {
  const pts = points.filter((p) => Number.isFinite(p.psnr) && p.kbps > 0).sort((a, b) => a.psnr - b.psnr);
  const uniq = pts.filter((p, i) => i === 0 || p.psnr > pts[i - 1].psnr + 1e-9);
  return { xs: uniq.map((p) => p.psnr), ys: uniq.map((p) => Math.log10(p.kbps)) };
}

/**
 * Bjøntegaard delta rate of `test` against `anchor` (arrays of {kbps, psnr}):
 * the average difference in log-rate at equal PSNR over the PSNR interval
 * both curves cover, each curve interpolated by a monotone piecewise cubic
 * (PCHIP) of log10(rate) against PSNR. Negative: `test` needs fewer bits.
 * Returns { bdRate (percent), from, to (the PSNR interval) } or null when
 * the curves do not overlap or have fewer than 2 points.
 */
export function bdRate(anchor, test) {
  const a = curve(anchor), t = curve(test);
  if (a.xs.length < 2 || t.xs.length < 2) return null;
  const from = Math.max(a.xs[0], t.xs[0]), to = Math.min(a.xs.at(-1), t.xs.at(-1));
  if (!(to > from)) return null;
  const fa = pchip(a.xs, a.ys), ft = pchip(t.xs, t.ys);
  const steps = 1000;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const x = from + (to - from) * i / steps;
    const w = i === 0 || i === steps ? 1 : i % 2 ? 4 : 2; // Simpson
    sum += w * (ft(x) - fa(x));
  }
  const mean = sum / (3 * steps);
  return { bdRate: (10 ** mean - 1) * 100, from, to };
}
