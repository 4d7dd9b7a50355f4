// Output-side memory: peak memory of the whole browser (PSS summed over its
// processes) while the page remuxes (`video: 'copy'`) a short and a long
// input, with the output spooled to OPFS (the default) and kept in memory
// (`output: 'memory'`, the previous behaviour). Not part of CI.
//
//   node bench/output/run.mjs [--minutes=1,20] [--out=bench/results/DATE-output]
//
// Inputs: the corpus' 12 s DVB capture (576p H.264 + AAC) looped with
// `ffmpeg -stream_loop -c copy`. The input is handed to the page as a
// disk-backed File (an <input type=file>), as a user's drop would be.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cpus } from 'node:os';
import { openBrowser, sampleMemory } from '../lib/browser.mjs';
import { repo } from '../lib/util.mjs';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const minutes = arg('minutes', '1,20').split(',').map(Number);
const date = new Date().toISOString().slice(0, 10);
const out = resolve(arg('out', `bench/results/${date}-output`));
const work = join(repo, 'bench/work/output');
mkdirSync(out, { recursive: true });
mkdirSync(work, { recursive: true });
const source = join(repo, '..', 'shared', 'corpus', 'broadcast-h264-high-aac-576p.ts');

function input(min) {
  const file = join(work, `dvb-${min}min.ts`);
  if (!existsSync(file)) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-stream_loop', String(Math.ceil(min * 5) - 1), '-i', source,
      '-map', '0', '-c', 'copy', '-f', 'mpegts', file]);
  }
  return file;
}

async function measure(file, output) {
  const browser = await openBrowser({ work });
  try {
    const { page } = browser;
    await page.evaluate(() => {
      const el = Object.assign(document.createElement('input'), { type: 'file', id: 'bench-file' });
      document.body.append(el);
    });
    await page.setInputFiles('#bench-file', file);
    const memory = sampleMemory(browser.profile, 250);
    const t0 = performance.now();
    const r = await page.evaluate(async (output) => {
      const { transcode } = await import('/fanout/index.js');
      const res = await transcode(document.getElementById('bench-file').files[0], { video: 'copy', workers: 2, output });
      const size = res.blob.size;
      await res.release();
      return { size, frames: res.stats.frames, output: res.output };
    }, output);
    const wall = (performance.now() - t0) / 1000;
    const { peakPssBytes } = memory.stop();
    return { ...r, wall, peakPssBytes };
  } finally {
    await browser.close();
  }
}

const rows = [];
for (const min of minutes) {
  const file = input(min);
  for (const output of ['memory', 'opfs']) {
    const r = await measure(file, output);
    rows.push({ minutes: min, inputBytes: statSync(file).size, ...r });
    console.log(`${min} min, ${output}: ${(r.peakPssBytes / 2 ** 20).toFixed(0)} MiB peak PSS, ${r.wall.toFixed(1)} s, ${(r.size / 2 ** 20).toFixed(0)} MiB out`);
  }
}
const mib = (n) => (n / 2 ** 20).toFixed(0);
const command = `node bench/output/run.mjs --minutes=${minutes.join(',')}`;
const md = [
  `# Browser memory while the output is built (${date})`,
  '',
  `Command: \`${command}\` on ${cpus().length}× ${cpus()[0].model}; Chromium headless, 2 chunk workers, \`video: 'copy'\`.`,
  'Peak PSS summed over every process of the browser, sampled every 250 ms; the input is a disk-backed File.',
  '',
  '| input | input MiB | output | peak PSS MiB | wall s | output MiB |',
  '|---|---:|---|---:|---:|---:|',
  ...rows.map((r) => `| ${r.minutes} min DVB 576p | ${mib(r.inputBytes)} | ${r.output} | ${mib(r.peakPssBytes)} | ${r.wall.toFixed(1)} | ${mib(r.size)} |`),
  '',
].join('\n');
writeFileSync(join(out, 'report.md'), md);
writeFileSync(join(out, 'results.json'), JSON.stringify({ command, date, rows }, null, 2));
console.log(md);
