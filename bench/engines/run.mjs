// Fanout's speed in each browser engine on the same input, in one run:
// Chromium (playwright-core), Firefox ESR and WebKitGTK (the browser tests'
// adapters, tests/browser/engines.mjs). The bundled sample (134 frames,
// 388x300) with each mode, 1 worker and 2 workers; fps per worker is the
// fps divided by the workers. The output's SHA-256 shows the engines make
// the same bytes.
//
//   node bench/engines/run.mjs [--engines=chromium,firefox,webkit] [--modes=av1,h264] [--workers=1,2] [--out=DIR]
//
// after scripts/setup and scripts/build-web. Results: DIR/results.json and
// DIR/report.md (default bench/results/<date>-engines).
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { open, repo } from '../../tests/browser/harness.mjs';
import { versions } from '../../tests/browser/engines.mjs';

const opt = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const list = (v, d) => (v ?? d).split(',').filter(Boolean);
const engines = list(opt.engines, 'chromium,firefox,webkit');
const modes = list(opt.modes, 'av1,h264');
const workerCounts = list(opt.workers, '1,2').map(Number);
const date = new Date().toISOString().slice(0, 10);
const out = opt.out ?? join(repo, 'bench', 'results', `${date}-engines`);

const rows = [];
for (const engine of engines) {
  const { url, context, close } = await open({ engine });
  try {
    const page = await context.newPage();
    await page.goto(`${url}fanout/package.json`);
    for (const video of modes) {
      for (const workers of workerCounts) {
        const r = await page.evaluate(async ({ video, workers }) => {
          const { transcode } = await import('/fanout/index.js');
          const input = await (await fetch('/sample.ts')).blob();
          const t = performance.now();
          const res = await transcode(input, { video, workers, output: 'memory', checkpoints: false });
          const wall = (performance.now() - t) / 1000;
          const bytes = new Uint8Array(await res.blob.arrayBuffer());
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
          return { wall, frames: res.stats.frames, bytes: bytes.length,
            sha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join('') };
        }, { video, workers });
        const fps = r.frames / r.wall;
        const row = { engine, video, workers, ...r, fps, fpsPerWorker: fps / workers, load: loadavg()[0] };
        rows.push(row);
        console.log(`${engine} ${video} ${workers}w: ${r.wall.toFixed(2)} s, ${fps.toFixed(1)} fps, ${(fps / workers).toFixed(1)} fps/worker, ${r.sha256.slice(0, 12)}`);
      }
    }
  } finally {
    await close();
  }
}

// Cross-check: the same mode gives the same bytes everywhere.
const same = {};
for (const video of modes) same[video] = new Set(rows.filter((r) => r.video === video).map((r) => r.sha256)).size === 1;
const v = versions();
const command = `node bench/engines/run.mjs ${process.argv.slice(2).join(' ')}`.trim();
await mkdir(out, { recursive: true });
await writeFile(join(out, 'results.json'), JSON.stringify({ date, command, cpu: cpus()[0]?.model, cores: cpus().length, versions: v, rows, sameBytes: same }, null, 2));
const md = [
  '# Fanout in each browser engine',
  '',
  `\`${command}\` on ${date}; ${cpus().length} cores (${cpus()[0]?.model}), shared with other work (1-minute load in the table).`,
  `Input: www/sample.ts (134 frames, 388x300, 8.9 s). AV1 = the balanced preset (rav1e speed 9, quantizer 120); H.264 = QP 28. Output kept in memory, no checkpoints.`,
  '',
  `Engines: ${v.chromium}; ${v.firefox}; ${v.webkit} (MiniBrowser under Xvfb).`,
  '',
  '| engine | video | workers | wall s | fps | fps per worker | bytes | same bytes in every engine | load |',
  '|---|---|---:|---:|---:|---:|---:|---|---:|',
  ...rows.map((r) => `| ${r.engine} | ${r.video} | ${r.workers} | ${r.wall.toFixed(2)} | ${r.fps.toFixed(1)} | ${r.fpsPerWorker.toFixed(1)} | ${r.bytes} | ${same[r.video] ? 'yes' : 'NO'} (${r.sha256.slice(0, 12)}) | ${r.load.toFixed(1)} |`),
  '',
].join('\n');
await writeFile(join(out, 'report.md'), md);
console.log(md);
