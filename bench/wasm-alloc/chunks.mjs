// The wasm side of examples/chunk_bytes.rs: every chunk job's encoded
// result for an input, one file per chunk, to compare with native output.
//
//   [ONLY=3,4] node bench/wasm-alloc/chunks.mjs PKG_DIR INPUT.ts OUT_DIR [settings JSON]
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const [pkgDir, input, out, settingsJson] = process.argv.slice(2);
const pkg = await import(join(resolve(pkgDir), 'fanout.js'));
await pkg.default({ module_or_path: await readFile(join(resolve(pkgDir), 'fanout_bg.wasm')) });
await mkdir(out, { recursive: true });
const defaults = {
  video: { Av1: { speed: 9, quantizer: 120, max_keyframe_interval: 0, low_latency: true } },
  chunk_seconds: 2, split: 'Anywhere', deinterlace: 'Auto', duration_limit: null,
};
const analyzer = new pkg.WasmAnalyzer(settingsJson ?? JSON.stringify(defaults));
analyzer.push(await readFile(input));
analyzer.finish();
const job = analyzer.jobSettings();
// ONLY=3,4 runs just those chunks.
const only = process.env.ONLY?.split(',').map(Number);
for (let next; (next = analyzer.nextChunk());) {
  const [info, bytes] = next;
  const { index } = JSON.parse(info);
  if (only && !only.includes(index)) continue;
  await writeFile(join(out, `${String(index).padStart(4, '0')}.bin`), pkg.runChunk(bytes, job, () => true));
  console.log(`chunk ${index}`);
}
