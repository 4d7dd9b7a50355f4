// Sweeps rav1e's speed knobs on one thread (one Fanout chunk job) over two
// 60-frame clips: CPU seconds, size and PSNR-Y per variant, as ratios
// against preset 10 defaults measured in the same run.
//
//   cargo build --release --example rav1e_knobs && node bench/knobs/run.mjs
//
// Writes bench/knobs/results-<date>.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';

const repo = new URL('../..', import.meta.url).pathname;
const work = join(repo, 'bench', 'work', 'knobs');
await mkdir(work, { recursive: true });
const frames = 60;
const clips = [
  { name: 'camera-like 720p (testsrc2 + noise)', file: 'cam720.yuv', size: '1280x720',
    make: ['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30,noise=alls=4:allf=t'] },
  { name: 'broadcast 576p (corpus)', file: 'bcast576.yuv', size: '1024x576',
    make: ['-ss', '2', '-i', join(repo, '..', 'shared', 'corpus', 'broadcast-h264-high-aac-576p.ts')] },
];
const variants = (process.argv[2] ?? 'base,ll,la1,la5,nosd,nocdef,noseg,ll+nosd,ll+nosd+noseg,s9').split(',');
const quantizers = (process.argv[3] ?? '100').split(',').map(Number);
const tool = join(repo, 'target', 'release', 'examples', 'rav1e_knobs');

const rows = [];
for (const clip of clips) {
  const input = join(work, clip.file);
  if (!(await stat(input).catch(() => null))) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', ...clip.make, '-frames:v', String(frames), '-pix_fmt', 'yuv420p', input]);
  }
  for (const q of quantizers) {
    for (const variant of variants) {
      const out = join(work, `${clip.file}-${variant}-${q}.ivf`);
      const run = spawnSync('/usr/bin/time', ['-f', '%U %S', tool, input, clip.size, String(frames), String(q), variant, out], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(run.stderr);
      const [user, sys] = run.stderr.trim().split('\n').pop().split(' ').map(Number);
      const log = spawnSync('ffmpeg', ['-nostats', '-i', out, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', clip.size, '-r', '30', '-i', input,
        '-lavfi', '[0:v][1:v]psnr', '-f', 'null', '-'], { encoding: 'utf8' }).stderr;
      const psnr = Number(/PSNR y:([0-9.]+)/.exec(log)?.[1]);
      const bytes = (await stat(out)).size;
      const row = { clip: clip.name, q, variant, cpu: user + sys, fps: frames / (user + sys), bytes, psnr };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
}
const lines = [
  `# rav1e knobs, ${new Date().toISOString().slice(0, 10)}`, '',
  `Command: \`node bench/knobs/run.mjs ${process.argv.slice(2).join(' ')}\` on ${cpus().length} cores (${cpus()[0].model}). ` +
  `${frames} frames per clip, one thread, rav1e without assembly (as in Fanout), speed preset 10 plus the knobs named; CPU seconds from /usr/bin/time (user + sys), PSNR-Y by ffmpeg against the raw source.`, '',
  '| clip | q | variant | frames per CPU-second | × base speed | KB | × base size | PSNR-Y dB | Δ dB |', '|---|---|---|---|---|---|---|---|---|',
];
for (const r of rows) {
  const base = rows.find((b) => b.clip === r.clip && b.variant === 'base' && b.q === r.q) ?? r;
  lines.push(`| ${r.clip} | ${r.q} | ${r.variant} | ${r.fps.toFixed(2)} | ${(r.fps / base.fps).toFixed(2)} | ${(r.bytes / 1024).toFixed(0)} | ${(r.bytes / base.bytes).toFixed(2)} | ${r.psnr.toFixed(2)} | ${(r.psnr - base.psnr).toFixed(2)} |`);
}
const tag = process.argv.length > 2 ? '-' + process.argv.slice(2).join('-').replace(/[^a-z0-9-]+/gi, '_') : '';
await writeFile(join(repo, 'bench', 'knobs', `results-${new Date().toISOString().slice(0, 10)}${tag}.md`), lines.join('\n') + '\n');
console.log(lines.join('\n'));
