// Output-side memory: peak memory of the whole browser (PSS summed over its
// processes) while the page transcodes short and long inputs: remuxes
// (`video: 'copy'`) with the output spooled to OPFS (the default), kept in
// memory (`output: 'memory'`, the old behaviour) and fragmented; and H.264
// and AV1 re-encodes, whose memory should be bounded by the workers, not
// by the duration. Not part of CI.
//
//   node bench/output/run.mjs [--cases=copy:1:memory,copy:120:opfs,...] [--out=bench/results/DATE-output]
//
// A case is video:minutes:output[:fmp4]. Inputs: the corpus' 12 s DVB
// capture (576p H.264 + AAC) looped with `ffmpeg -stream_loop -c copy`;
// for AV1 the same scaled to 320x180 first (AV1 in wasm is ~4 fps at 576p,
// so a long 576p AV1 run would take hours). The input is handed to the
// page as a disk-backed File (an <input type=file>), as a drop would be.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cpus } from 'node:os';
import { openBrowser, sampleMemory } from '../lib/browser.mjs';
import { repo } from '../lib/util.mjs';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const DEFAULT_CASES = [
  'copy:1:memory', 'copy:1:opfs', 'copy:120:memory', 'copy:120:opfs', 'copy:120:opfs:fmp4', 'copy:480:opfs',
  'h264:1:opfs', 'h264:10:opfs', 'av1:1:opfs', 'av1:5:opfs',
].join(',');
const cases = arg('cases', DEFAULT_CASES).split(',').map((c) => {
  const [video, min, output, container = 'mp4'] = c.split(':');
  return { video, minutes: Number(min), output, container };
});
const date = new Date().toISOString().slice(0, 10);
const out = resolve(arg('out', `bench/results/${date}-output`));
const work = join(repo, 'bench/work/output');
mkdirSync(out, { recursive: true });
mkdirSync(work, { recursive: true });
const source = join(repo, '..', 'shared', 'corpus', 'broadcast-h264-high-aac-576p.ts');

/** The 12 s capture scaled to 320x180 (for the AV1 cases). */
function smallSource() {
  const file = join(work, 'dvb-180p-12s.ts');
  if (!existsSync(file)) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', source, '-map', '0:v:0', '-map', '0:a:0', '-vf', 'scale=320:180',
      '-c:v', 'libx264', '-preset', 'veryfast', '-g', '25', '-c:a', 'copy', '-f', 'mpegts', file]);
  }
  return file;
}

function input(min, small) {
  const file = join(work, `dvb-${small ? '180p-' : ''}${min}min.ts`);
  if (!existsSync(file)) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-stream_loop', String(Math.ceil(min * 5) - 1),
      '-i', small ? smallSource() : source, '-map', '0', '-c', 'copy', '-f', 'mpegts', file]);
  }
  return file;
}

async function measure(file, { video, output, container }) {
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
    const r = await page.evaluate(async ({ video, output, container }) => {
      const { transcode } = await import('/fanout/index.js');
      const res = await transcode(document.getElementById('bench-file').files[0], {
        video, preset: 'fast', workers: 2, output, container,
      });
      const size = res.blob.size;
      await res.release();
      return { size, frames: res.stats.frames, output: res.output };
    }, { video, output, container });
    const wall = (performance.now() - t0) / 1000;
    const { peakPssBytes } = memory.stop();
    return { ...r, wall, peakPssBytes };
  } finally {
    await browser.close();
  }
}

const rows = [];
for (const c of cases) {
  const file = input(c.minutes, c.video === 'av1');
  const r = await measure(file, c);
  rows.push({ ...c, inputBytes: statSync(file).size, ...r });
  console.log(`${c.video} ${c.minutes} min, ${c.output} ${c.container}: ${(r.peakPssBytes / 2 ** 20).toFixed(0)} MiB peak PSS, `
    + `${r.wall.toFixed(1)} s, ${(r.size / 2 ** 20).toFixed(0)} MiB out`);
}
const mib = (n) => (n / 2 ** 20).toFixed(0);
const command = `node bench/output/run.mjs --cases=${cases.map((c) => `${c.video}:${c.minutes}:${c.output}${c.container === 'fmp4' ? ':fmp4' : ''}`).join(',')}`;
const md = [
  `# Browser memory while the output is built (${date})`,
  '',
  `Command: \`${command}\` on ${cpus().length}× ${cpus()[0].model}; Chromium headless, 2 chunk workers, AV1 at preset fast.`,
  'Peak PSS summed over every process of the browser, sampled every 250 ms; the input is a disk-backed File.',
  '',
  '| video | input | input MiB | output | container | peak PSS MiB | wall s | output MiB | frames |',
  '|---|---|---:|---|---|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.video} | ${r.minutes} min DVB ${r.video === 'av1' ? '180p' : '576p'} | ${mib(r.inputBytes)} | ${r.output} | ${r.container} `
    + `| ${mib(r.peakPssBytes)} | ${r.wall.toFixed(1)} | ${mib(r.size)} | ${r.frames} |`),
  '',
].join('\n');
writeFileSync(join(out, 'report.md'), md);
writeFileSync(join(out, 'results.json'), JSON.stringify({ command, date, rows }, null, 2));
console.log(md);
