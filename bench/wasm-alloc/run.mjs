// Times the chunk job in WebAssembly under Node (V8, the same engine as
// Chromium) for one wasm build: plans the input, then runs the first
// chunks one after another in this thread. Used to compare global
// allocators (bench/wasm-alloc/README.md).
//
//   node bench/wasm-alloc/run.mjs PKG_DIR INPUT.ts [chunks=3] [settings JSON]
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const [pkgDir, input, count = '3', settingsJson] = process.argv.slice(2);
const pkg = await import(join(resolve(pkgDir), 'fanout.js'));
await pkg.default({ module_or_path: await readFile(join(resolve(pkgDir), 'fanout_bg.wasm')) });
const settings = settingsJson ?? JSON.stringify({
  video: { Av1: { speed: 9, quantizer: 120, max_keyframe_interval: 0, low_latency: true } },
  chunk_seconds: 2, split: 'Anywhere', deinterlace: 'Auto', duration_limit: null,
});
const analyzer = new pkg.WasmAnalyzer(settings);
analyzer.push(await readFile(input));
analyzer.finish();
const chunks = [];
for (let next; (next = analyzer.nextChunk()) && chunks.length < Number(count);) chunks.push(next);
const job = analyzer.jobSettings();
let frames = 0;
const t0 = performance.now();
for (const [info, bytes] of chunks) {
  pkg.runChunk(bytes, job, () => true);
  frames += JSON.parse(info).frames;
}
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ pkg: pkgDir, frames, seconds, fps: frames / seconds }));
