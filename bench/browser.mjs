// Browser benchmark: the same generated input transcoded by Fanout in
// headless Chromium with 1 and 2 workers and by the native CLI with --jobs 1
// and --jobs 2, in one run. Records wall time, fps, the browser's peak
// memory (all Chromium processes, sampled) and the ratios.
//
//   node bench/browser.mjs [seconds=60] [size=1280x720]
//
// Writes bench/results/<date>-browser.{md,json}. Not run in CI.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { open, repo, www } from '../tests/browser/harness.mjs';

const seconds = Number(process.argv[2] ?? 60);
const size = process.argv[3] ?? '1280x720';
const work = join(repo, 'bench', 'work');
await mkdir(work, { recursive: true });
const input = join(work, `input-${size}-${seconds}s.ts`);
try {
  await readFile(input, { length: 1 });
} catch {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30,noise=alls=4:allf=t`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '96k', '-f', 'mpegts', input]);
}
const frames = Number(execFileSync('ffprobe', ['-v', 'error', '-count_packets', '-select_streams', 'v:0',
  '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', input]).toString().trim());

/** Resident memory of all Chromium processes, in bytes. */
async function chromiumRss() {
  let total = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('chromium')) continue;
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      total += kb * 1024;
    } catch { /* process ended */ }
  }
  return total;
}

const results = [];
const cli = join(repo, 'target', 'release', 'fanout');
for (const jobs of [1, 2]) {
  const out = join(work, `native-jobs${jobs}.mp4`);
  const t0 = performance.now();
  const run = spawnSync('/usr/bin/time', ['-v', cli, input, '-o', out, '--jobs', String(jobs), '--json'], { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (run.status !== 0) throw new Error(run.stderr);
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)[1]) * 1024;
  results.push({ name: `native --jobs ${jobs}`, workers: jobs, wall, peakBytes: rss, output: out });
}

// Serve the input next to the page so the browser reads it like a dropped file.
const served = join(www, 'bench-input.ts');
await copyFile(input, served);
try {
  for (const workers of [1, 2]) {
    const { url, context, close } = await open();
    try {
      const page = await context.newPage();
      await page.goto(url + 'fanout/package.json');
      let peak = 0;
      const sampler = setInterval(async () => { peak = Math.max(peak, await chromiumRss()); }, 500);
      const r = await page.evaluate(async (workers) => {
        const { transcode } = await import('/fanout/index.js');
        const blob = await (await fetch('/bench-input.ts')).blob();
        const t0 = performance.now();
        const { blob: mp4, stats } = await transcode(blob, { workers });
        return { wall: (performance.now() - t0) / 1000, bytes: mp4.size, frames: stats.frames, peakWorkerMemory: stats.peakWorkerMemory };
      }, workers);
      clearInterval(sampler);
      results.push({ name: `browser, ${workers} worker${workers > 1 ? 's' : ''}`, workers, wall: r.wall, peakBytes: peak, frames: r.frames, peakWorkerMemory: r.peakWorkerMemory, bytes: r.bytes });
    } finally {
      await close();
    }
  }
} finally {
  await rm(served, { force: true });
}

const date = new Date().toISOString().slice(0, 10);
const by = (name) => results.find((r) => r.name === name);
const n1 = by('native --jobs 1'), n2 = by('native --jobs 2'), b1 = by('browser, 1 worker'), b2 = by('browser, 2 workers');
const lines = [
  `# Browser benchmark, ${date}`,
  '',
  `Command: \`node bench/browser.mjs ${seconds} ${size}\` on ${cpus().length} cores (${cpus()[0].model}), Chromium ${execFileSync('/usr/bin/chromium', ['--version']).toString().trim()}.`,
  `Input: ${seconds} s ${size} 30 fps testsrc2 with temporal noise, libx264 2 s GOPs, ${frames} frames; rav1e speed 10, quantizer 100, 2 s chunks. Browser: wasm + simd128, one wasm instance per worker.`,
  '',
  '| run | wall s | fps | × real time | peak memory MB |',
  '|---|---|---|---|---|',
  ...results.map((r) => `| ${r.name} | ${r.wall.toFixed(1)} | ${(frames / r.wall).toFixed(2)} | ${(seconds / r.wall).toFixed(3)} | ${(r.peakBytes / 1e6).toFixed(0)} |`),
  '',
  `- browser / native, 1 worker vs --jobs 1 (fps): ${(n1.wall / b1.wall).toFixed(2)}`,
  `- browser / native, 2 workers vs --jobs 2 (fps): ${(n2.wall / b2.wall).toFixed(2)}`,
  `- 2 workers over 1 in the browser: ${(b1.wall / b2.wall).toFixed(2)}×; --jobs 2 over --jobs 1: ${(n1.wall / n2.wall).toFixed(2)}×`,
  `- one encoder's wasm memory (largest worker): ${(b2.peakWorkerMemory / 1048576).toFixed(0)} MiB`,
  `- browser peak memory is the sum of the resident sets of all Chromium processes, sampled every 0.5 s; native is /usr/bin/time's maximum RSS.`,
];
await writeFile(join(repo, 'bench', 'results', `${date}-browser.md`), lines.join('\n') + '\n');
await writeFile(join(repo, 'bench', 'results', `${date}-browser.json`), JSON.stringify({ date, seconds, size, frames, results }, null, 2) + '\n');
console.log(lines.join('\n'));
