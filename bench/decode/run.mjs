// Video decode benchmark: pictures per second per source codec, one
// thread, natively (examples/decode_speed.rs) and in Chromium (the same
// chunks decoded by the WebAssembly package in the page), on ffmpeg-made
// inputs. Not part of CI.
//
//   node bench/decode/run.mjs [--seconds=10] [--only=mpeg2-576i,...] [--out=bench/results/DATE-decode]
//
// Needs `cargo build --release --example decode_speed` and `scripts/build-web`.
// Each decoder sees the chunks the planner cuts (warm-up units included),
// exactly the work a chunk job's decode does; the encoder does not run.
// The ratio wasm/native of each row is the number to compare across runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { openBrowser } from '../lib/browser.mjs';
import { repo } from '../lib/util.mjs';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const seconds = Number(arg('seconds', 10));
const only = arg('only', null)?.split(',');
const date = new Date().toISOString().slice(0, 10);
const out = resolve(arg('out', `bench/results/${date}-decode`));
const work = join(repo, 'bench/work/decode');
mkdirSync(out, { recursive: true });
mkdirSync(work, { recursive: true });

const interlaced = ['-flags', '+ildct+ilme', '-top', '1'];
const CASES = [
  { name: 'h264-576i', size: '720x576', codec: ['-c:v', 'libx264', '-preset', 'fast', '-b:v', '5M', ...interlaced, '-x264-params', 'interlaced=1'] },
  { name: 'h264-1080p', size: '1920x1080', codec: ['-c:v', 'libx264', '-preset', 'fast', '-b:v', '8M'] },
  { name: 'hevc-720p', size: '1280x720', codec: ['-c:v', 'libx265', '-preset', 'fast', '-b:v', '3M', '-x265-params', 'log-level=error'] },
  { name: 'hevc-1080p-10bit', size: '1920x1080', codec: ['-pix_fmt', 'yuv420p10le', '-c:v', 'libx265', '-preset', 'fast', '-b:v', '6M', '-x265-params', 'log-level=error'] },
  { name: 'mpeg2-576i', size: '720x576', codec: ['-c:v', 'mpeg2video', '-b:v', '5M', '-maxrate', '8M', '-bufsize', '2M', '-g', '12', '-bf', '2', ...interlaced] },
  { name: 'mpeg2-1080i', size: '1920x1080', codec: ['-c:v', 'mpeg2video', '-b:v', '15M', '-maxrate', '20M', '-bufsize', '8M', '-g', '12', '-bf', '2', ...interlaced] },
].filter((c) => !only || only.includes(c.name));

function fixture(c) {
  const file = join(work, `${c.name}-${seconds}s.ts`);
  if (!existsSync(file)) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${c.size}:rate=25`, '-t', String(seconds),
      ...c.codec, '-f', 'mpegts', file]);
  }
  return file;
}

const native = (file) => JSON.parse(execFileSync(join(repo, 'target/release/examples/decode_speed'), [file]).toString());

async function inBrowser(page, url) {
  return page.evaluate(async (url) => {
    const { default: init, WasmAnalyzer, decodeChunk } = await import('/fanout/pkg/fanout.js');
    await init();
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const analyzer = new WasmAnalyzer(JSON.stringify({
      video: { Av1: { speed: 10, quantizer: 120, max_keyframe_interval: 0, low_latency: true } },
      chunk_seconds: 2, split: 'Anywhere', deinterlace: 'Auto', duration_limit: null,
      audio: { mode: 'None', tracks: 'All', bitrate: null, channels: null },
    }));
    for (let i = 0; i < bytes.length; i += 1 << 22) analyzer.push(bytes.subarray(i, i + (1 << 22)));
    analyzer.finish();
    const job = analyzer.jobSettings();
    const chunks = [];
    for (let c = analyzer.nextChunk(); c; c = analyzer.nextChunk()) chunks.push(c[1]);
    const t0 = performance.now();
    let pictures = 0;
    for (const chunk of chunks) pictures += decodeChunk(chunk, job);
    const s = (performance.now() - t0) / 1000;
    return { pictures, seconds: s, fps: pictures / s };
  }, url);
}

const rows = [];
const browser = await openBrowser({ work });
try {
  for (const c of CASES) {
    const file = fixture(c);
    const n = native(file);
    const w = await inBrowser(browser.page, `/bench-work/${file.slice(work.length + 1)}`);
    rows.push({ ...c, codec: n.codec, width: n.width, height: n.height, pictures: n.pictures, native: n.fps, wasm: w.fps, wasmPictures: w.pictures });
    console.log(`${c.name}: ${n.pictures} pictures, native ${n.fps.toFixed(1)} fps, Chromium ${w.fps.toFixed(1)} fps`);
  }
} finally {
  await browser.close();
}

const command = `node bench/decode/run.mjs --seconds=${seconds}${only ? ` --only=${only.join(',')}` : ''}`;
const md = [
  `# Decode speed per codec (${date})`,
  '',
  `Command: \`${command}\` on ${cpus().length}× ${cpus()[0].model}, load average ${loadavg()[0].toFixed(2)} at the end.`,
  `Inputs: ffmpeg \`testsrc2\`, ${seconds} s at 25 fps each; one thread; every chunk's units decoded (warm-up included), no encoding.`,
  'Chromium: Debian\'s, headless, the package\'s wasm in the page.',
  '',
  '| input | codec | size | pictures decoded (with warm-up) | native fps | Chromium fps | Chromium / native |',
  '|---|---|---|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.name} | ${r.codec} | ${r.width}x${r.height} | ${r.pictures} | ${r.native.toFixed(1)} | ${r.wasm.toFixed(1)} | ${(r.wasm / r.native).toFixed(2)} |`),
  '',
].join('\n');
writeFileSync(join(out, 'report.md'), md);
writeFileSync(join(out, 'results.json'), JSON.stringify({ command, date, rows }, null, 2));
console.log(md);
