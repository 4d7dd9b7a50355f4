// Fanout's benchmark: one generated input, transcoded in one run by
//   - the native CLI with --jobs 1 and --jobs 2,
//   - ffmpeg + librav1e on one thread (rav1e with its assembly: the ceiling
//     for the same encoder) at the same speed preset and quantizer,
//   - Fanout in headless Chromium with 1 and 2 workers (`--no-browser` skips).
// For each: wall time, fps, × real time, peak memory, size, bitrate and
// PSNR-Y against the source; then the ratios.
//
//   node bench/run.mjs [seconds=60] [size=1280x720] [--no-browser]
//
// Writes bench/results/<date>.{md,json}. Not run in CI: at 720p it takes
// about an hour on 2 cores.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { open, repo, www } from '../tests/browser/harness.mjs';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const seconds = Number(args[0] ?? 60);
const size = args[1] ?? '1280x720';
const browser = !process.argv.includes('--no-browser');
const speed = 10;
const quantizer = 100;
const work = join(repo, 'bench', 'work');
await mkdir(work, { recursive: true });
await mkdir(join(repo, 'bench', 'results'), { recursive: true });

const input = join(work, `input-${size}-${seconds}s.ts`);
if (!(await stat(input).catch(() => null))) {
  // Camera-like: a moving test pattern with temporal noise, 30 fps, 2 s GOPs, AAC.
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30,noise=alls=4:allf=t`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '96k', '-f', 'mpegts', input]);
}
const frames = Number(execFileSync('ffprobe', ['-v', 'error', '-count_packets', '-select_streams', 'v:0',
  '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', input]).toString().trim().split('\n')[0]);

function psnrY(output) {
  const log = spawnSync('ffmpeg', ['-nostats', '-i', output, '-i', input, '-filter_complex',
    '[0:v]setpts=PTS-STARTPTS[a];[1:v]setpts=PTS-STARTPTS[b];[a][b]psnr=shortest=1', '-f', 'null', '-'], { encoding: 'utf8' }).stderr;
  return Number(/PSNR y:([0-9.]+)/.exec(log)?.[1]);
}

/** Runs a command under /usr/bin/time; returns wall seconds and peak RSS bytes. */
function timed(command, commandArgs) {
  const t0 = performance.now();
  const run = spawnSync('/usr/bin/time', ['-v', command, ...commandArgs], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = (performance.now() - t0) / 1000;
  if (run.status !== 0) throw new Error(`${command} failed: ${run.stderr}`);
  return { wall, peakBytes: Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)[1]) * 1024 };
}

/** Resident memory of all Chromium processes, in bytes. */
async function chromiumRss() {
  let total = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (!(await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes('chromium')) continue;
      total += Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch { /* the process ended */ }
  }
  return total;
}

const runs = [];
/** Measures a finished run and rewrites the results, so nothing is lost if a later run fails. */
async function record(run) {
  const bytes = await readFile(run.output);
  run.bytes = bytes.length;
  run.sha256 = createHash('sha256').update(bytes).digest('hex');
  // Byte-identical outputs have the same PSNR: measure once.
  run.psnrY = runs.find((r) => r.sha256 === run.sha256)?.psnrY ?? psnrY(run.output);
  run.fps = frames / run.wall;
  runs.push(run);
  await writeReport();
}

async function writeReport() {
  await mkdir(join(repo, 'bench', 'results'), { recursive: true });
  const date = new Date().toISOString().slice(0, 10);
  const find = (prefix) => runs.find((r) => r.name.startsWith(prefix));
  const n1 = find('Fanout native --jobs 1'), n2 = find('Fanout native --jobs 2'), ref = find('ffmpeg');
  const b1 = find('Fanout in Chromium, 1'), b2 = find('Fanout in Chromium, 2');
  const chromium = execFileSync('/usr/bin/chromium', ['--version']).toString().trim();
  const ffmpeg = execFileSync('ffmpeg', ['-version']).toString().split('\n')[0].split(' ').slice(0, 3).join(' ');
  const lines = [
    `# Benchmark, ${date}`,
    '',
    `Command: \`node bench/run.mjs ${process.argv.slice(2).join(' ')}\` on ${cpus().length} cores (${cpus()[0].model}); ${ffmpeg}; ${chromium}.`,
    `Input: ${seconds} s ${size} 30 fps testsrc2 with temporal noise, libx264 2 s GOPs + AAC, ${frames} frames. rav1e speed ${speed}, quantizer ${quantizer}; Fanout with 2 s chunks, rav1e without assembly (identical bytes natively and in wasm), wasm built with simd128, one wasm instance per worker.`,
    '',
    '| run | wall s | fps | × real time | peak memory MB | output MB | kbit/s | PSNR-Y dB |',
    '|---|---|---|---|---|---|---|---|',
    ...runs.map((r) => `| ${r.name} | ${r.wall.toFixed(1)} | ${r.fps.toFixed(2)} | ${(seconds / r.wall).toFixed(3)} | ${(r.peakBytes / 1e6).toFixed(0)} | ${(r.bytes / 1e6).toFixed(2)} | ${(r.bytes * 8 / seconds / 1000).toFixed(0)} | ${r.psnrY.toFixed(2)} |`),
    '',
  ];
  if (n1 && n2) lines.push(`- --jobs 2 over --jobs 1: ${(n1.wall / n2.wall).toFixed(2)}× faster`);
  if (n1 && ref) lines.push(`- Fanout native per job vs ffmpeg + librav1e on one thread (fps): ${(ref.wall / n1.wall).toFixed(2)}`);
  if (n1 && n2 && ref && b1 && b2) {
    lines.push(
      `- 2 workers over 1 in Chromium: ${(b1.wall / b2.wall).toFixed(2)}× faster`,
      `- browser / native (fps): 1 worker vs --jobs 1 ${(n1.wall / b1.wall).toFixed(2)}, 2 workers vs --jobs 2 ${(n2.wall / b2.wall).toFixed(2)}`,
      `- browser per worker vs ffmpeg + librav1e on one thread (fps): ${(ref.wall / b1.wall).toFixed(2)}`,
      `- browser output byte-identical to native: ${b2.sha256 === n2.sha256 && b1.sha256 === n1.sha256 ? 'yes' : 'NO'}`,
      `- one encoder's wasm memory (largest worker instance): ${(b2.peakWorkerMemory / 1048576).toFixed(0)} MiB; browser peak memory is the sum of the resident sets of all Chromium processes, sampled every 0.5 s`,
    );
  }
  lines.push('- native and ffmpeg peak memory: maximum resident set from /usr/bin/time -v');
  await writeFile(join(repo, 'bench', 'results', `${date}.md`), lines.join('\n') + '\n');
  await writeFile(join(repo, 'bench', 'results', `${date}.json`), JSON.stringify({ date, seconds, size, frames, speed, quantizer, runs }, null, 2) + '\n');
  console.log(lines.join('\n'));
}

const cli = join(repo, 'target', 'release', 'fanout');
for (const jobs of [1, 2]) {
  const output = join(work, `native-jobs${jobs}.mp4`);
  const t = timed(cli, [input, '-o', output, '--jobs', String(jobs), '--speed', String(speed), '--quality', String(quantizer), '--json']);
  await record({ name: `Fanout native --jobs ${jobs}`, parallel: jobs, ...t, output });
}
{
  const output = join(work, 'ffmpeg-librav1e.mp4');
  const t = timed('ffmpeg', ['-v', 'error', '-y', '-i', input, '-fps_mode', 'passthrough', '-c:v', 'librav1e',
    '-speed', String(speed), '-qp', String(quantizer), '-rav1e-params', 'threads=1', '-c:a', 'copy', output]);
  await record({ name: 'ffmpeg + librav1e, 1 thread', parallel: 1, ...t, output });
}
if (browser) {
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
        const t0 = performance.now();
        const r = await page.evaluate(async (workers) => {
          const { transcode } = await import('/fanout/index.js');
          const blob = await (await fetch('/bench-input.ts')).blob();
          const { blob: mp4, stats } = await transcode(blob, { workers });
          window.benchOutput = URL.createObjectURL(mp4);
          return { peakWorkerMemory: stats.peakWorkerMemory, frames: stats.frames };
        }, workers);
        const wall = (performance.now() - t0) / 1000;
        clearInterval(sampler);
        const output = join(work, `browser-workers${workers}.mp4`);
        const [download] = await Promise.all([page.waitForEvent('download'), page.evaluate(() => {
          const a = Object.assign(document.createElement('a'), { href: window.benchOutput, download: 'out.mp4' });
          document.body.append(a);
          a.click();
        })]);
        await download.saveAs(output);
        await record({ name: `Fanout in Chromium, ${workers} worker${workers > 1 ? 's' : ''}`, parallel: workers, wall, peakBytes: peak, output, peakWorkerMemory: r.peakWorkerMemory });
      } finally {
        await close();
      }
    }
  } finally {
    await rm(served, { force: true });
  }
}
