// Audio benchmark: decode + AAC encode speed per source codec, natively
// (the CLI, one job) and in WebAssembly (the same chunk jobs in Node), and
// quality against ffmpeg's own AAC encoder at the same bitrate.
//
//   node bench/audio/run.mjs [--seconds=60] [--out=bench/results/DATE-audio]
//
// Speed is measured as a difference, in the same run: a copy-mode transcode
// with the audio, minus the same transcode with `--audio none` (the video
// copy and the demux are the same in both), so what is left is the audio's
// decode + encode. Reported as seconds of audio per CPU-second.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cpus, loadavg } from 'node:os';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const seconds = Number(arg('seconds', 60));
const date = new Date().toISOString().slice(0, 10);
const out = resolve(arg('out', `bench/results/${date}-audio`));
const repo = resolve(new URL('../..', import.meta.url).pathname);
// Inputs and outputs (large) go to bench/work/audio; the report to `out`.
const work = join(repo, 'bench/work/audio');
mkdirSync(out, { recursive: true });
mkdirSync(work, { recursive: true });
const cli = join(repo, 'target/release/fanout');
const pkgDir = join(repo, 'www/fanout/pkg');

// Speech-like bursts over a tone bed with noise: what broadcast audio has.
const STEREO = 'aevalsrc=0.3*sin(2*PI*440*t)*(0.6+0.4*sin(2*PI*1.3*t))+0.2*sin(2*PI*(200+100*sin(2*PI*3*t))*t)*gt(sin(2*PI*0.5*t)\\,0)'
  + '|0.3*sin(2*PI*660*t)*(0.6+0.4*cos(2*PI*0.7*t))+0.02*random(0):s=48000:c=stereo';
const SURROUND = 'aevalsrc=0.3*sin(2*PI*440*t)|0.3*sin(2*PI*550*t)|0.3*sin(2*PI*660*t)*(0.6+0.4*sin(2*PI*1.7*t))'
  + '|0.3*sin(2*PI*60*t)|0.2*sin(2*PI*880*t)+0.02*random(0)|0.2*sin(2*PI*990*t):s=48000:c=5.1';
const CASES = [
  { name: 'mp2-stereo', signal: STEREO, audio: ['-c:a', 'mp2', '-b:a', '192k'], bitrate: 128 },
  { name: 'ac3-5.1', signal: SURROUND, audio: ['-c:a', 'ac3', '-b:a', '384k'], bitrate: 384 },
  { name: 'eac3-5.1', signal: SURROUND, audio: ['-c:a', 'eac3', '-b:a', '384k'], bitrate: 384 },
  { name: 'aac-latm-stereo', signal: STEREO, audio: ['-c:a', 'aac', '-b:a', '128k'], extra: ['-mpegts_flags', 'latm'], bitrate: 128 },
  { name: 'lpcm-stereo', signal: STEREO, audio: ['-c:a', 'pcm_bluray'], extra: ['-mpegts_m2ts_mode', '1'], bitrate: 128 },
];

function fixture(c) {
  const file = join(work, `${c.name}.ts`);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25', '-f', 'lavfi',
    '-i', c.signal, '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', ...c.audio,
    ...(c.extra ?? []), '-f', 'mpegts', file]);
  return file;
}

/** CPU seconds (user + sys) of one command, from /usr/bin/time. */
function cpuSeconds(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', cmd, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  const [u, s] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return u + s;
}

function best(n, f) {
  let min = Infinity;
  for (let i = 0; i < n; i += 1) min = Math.min(min, f());
  return min;
}

/** Decoded f32 PCM of audio track 0 (all channels interleaved) and the channel count. */
function pcm(file) {
  const channels = Number(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries',
    'stream=channels', '-of', 'csv=p=0', file]).toString().trim().split('\n')[0]);
  const buf = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:a:0', '-f', 'f32le', '-'], { maxBuffer: 1 << 30 });
  return { samples: new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4), channels };
}

/** Waveform SNR over all channels, at the lag within ±32 samples (both
 * encoders' MP4s cut their priming with an edit list, so it should be 0)
 * that correlates best over the first second, all channels summed. */
function snr(ref, test) {
  const ch = ref.channels;
  const score = (lag, n) => {
    let s = 0;
    for (let i = 0; i < n; i += 1) {
      const j = i + lag;
      if (j < 0 || (j + 1) * ch > test.samples.length) continue;
      for (let c = 0; c < ch; c += 1) s += ref.samples[i * ch + c] * test.samples[j * ch + c];
    }
    return s;
  };
  let lag = 0;
  let top = -Infinity;
  for (let l = -32; l <= 32; l += 1) {
    const v = score(l, 48000);
    if (v > top) { top = v; lag = l; }
  }
  let sig = 0;
  let err = 0;
  const frames = Math.min(ref.samples.length / ch, test.samples.length / ch - lag);
  for (let i = Math.max(0, -lag); i < frames; i += 1) {
    for (let c = 0; c < ch; c += 1) {
      const x = ref.samples[i * ch + c];
      const y = test.samples[(i + lag) * ch + c];
      sig += x * x;
      err += (x - y) * (x - y);
    }
  }
  return { db: 10 * Math.log10(sig / err), lag };
}

async function wasmSeconds(file, audio) {
  const script = `
    const { readFile } = await import('node:fs/promises');
    const pkg = await import(${JSON.stringify(join(pkgDir, 'fanout.js'))});
    await pkg.default({ module_or_path: await readFile(${JSON.stringify(join(pkgDir, 'fanout_bg.wasm'))}) });
    const analyzer = new pkg.WasmAnalyzer(JSON.stringify({ video: 'Copy', chunk_seconds: 2, split: 'Keyframes',
      deinterlace: 'Auto', duration_limit: null, audio: { mode: ${JSON.stringify(audio)}, tracks: 'All', bitrate: null, channels: null } }));
    analyzer.push(await readFile(${JSON.stringify(file)}));
    analyzer.finish();
    const job = analyzer.jobSettings();
    for (let next; (next = analyzer.nextChunk());) pkg.runChunk(next[1], job, () => true);`;
  return cpuSeconds(process.execPath, ['--input-type=module', '-e', script]);
}

const rows = [];
const started = Date.now();
for (const c of CASES) {
  const file = fixture(c);
  const native = best(3, () => cpuSeconds(cli, [file, '-o', join(work, `${c.name}.mp4`), '--video', 'copy', '--jobs', '1']));
  const nativeNone = best(3, () => cpuSeconds(cli, [file, '-o', join(work, `${c.name}-none.mp4`), '--video', 'copy', '--jobs', '1', '--audio', 'none']));
  let wasm = null;
  let wasmNone = null;
  try {
    wasm = Math.min(await wasmSeconds(file, 'Aac'), await wasmSeconds(file, 'Aac'));
    wasmNone = Math.min(await wasmSeconds(file, 'None'), await wasmSeconds(file, 'None'));
  } catch (e) {
    console.error(`wasm run failed (build www/fanout/pkg first: scripts/build-web): ${e.message}`);
  }
  // Quality: ours vs ffmpeg's aac at the same bitrate, both against ffmpeg's decode of the source.
  const ffAac = join(work, `${c.name}-ffmpeg-aac.mp4`);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', file, '-vn', '-c:a', 'aac', '-b:a', `${c.bitrate}k`, ffAac]);
  const ref = pcm(file);
  const ours = snr(ref, pcm(join(work, `${c.name}.mp4`)));
  const theirs = snr(ref, pcm(ffAac));
  const row = {
    case: c.name,
    bitrate_kbps: c.bitrate,
    native_audio_cpu_s: +(native - nativeNone).toFixed(3),
    native_x_realtime: +(seconds / (native - nativeNone)).toFixed(1),
    wasm_audio_cpu_s: wasm === null ? null : +(wasm - wasmNone).toFixed(3),
    wasm_x_realtime: wasm === null ? null : +(seconds / (wasm - wasmNone)).toFixed(1),
    snr_db: +ours.db.toFixed(2),
    snr_lag: ours.lag,
    ffmpeg_aac_snr_db: +theirs.db.toFixed(2),
  };
  rows.push(row);
  console.log(JSON.stringify(row));
}

// Share of a two-hour transcode: audio CPU per content second next to the
// video's (AV1 balanced at 720p: 2.43 fps per core, H.264 mode: 96 fps per
// core, both from bench/results/2026-11-29-b at 30 fps). Audio fans out
// with the video chunks, so the share is the same on 2 or 16 workers.
const videoCpuPerSecond = { av1_720p: 30 / 2.43, h264_720p: 30 / 96.3 };
const lines = [
  `# Audio benchmark, ${date}`,
  '',
  `Command: \`node bench/audio/run.mjs --seconds=${seconds}\` (${cpus().length} × ${cpus()[0]?.model}, load ${loadavg()[0].toFixed(2)} at the end, ${((Date.now() - started) / 1000).toFixed(0)} s).`,
  `Inputs: ${seconds} s of ffmpeg-made audio per codec (tone bed, speech-like bursts, noise; 5.1 with a tone per channel), 160×120 H.264 in copy mode.`,
  'Audio CPU = the copy-mode transcode with audio minus the same with `--audio none` (best of 3 natively, 2 in wasm under Node 20).',
  '',
  '| source | AAC kbit/s | native × real time | wasm (Node 20) × real time | SNR dB (Fanout, rusty_aac) | SNR dB (ffmpeg aac, same rate) |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.case} | ${r.bitrate_kbps} | ${r.native_x_realtime} | ${r.wasm_x_realtime ?? '—'} | ${r.snr_db} | ${r.ffmpeg_aac_snr_db} |`),
  '',
  'Share of the CPU time of a transcode taken by audio (audio CPU / (audio + video CPU) per content second, video from the 2026-11-29-b run):',
  '',
  '| source | AV1 balanced 720p (native / wasm) | H.264 mode 720p (native / wasm) |',
  '|---|---|---|',
  ...rows.map((r) => {
    const share = (audio, video) => (audio === null ? '—' : `${((100 * audio) / (audio + video)).toFixed(1)}%`);
    const n = r.native_audio_cpu_s / seconds;
    const w = r.wasm_audio_cpu_s === null ? null : r.wasm_audio_cpu_s / seconds;
    return `| ${r.case} | ${share(n, videoCpuPerSecond.av1_720p)} / ${share(w, videoCpuPerSecond.av1_720p)} | ${share(n, videoCpuPerSecond.h264_720p)} / ${share(w, videoCpuPerSecond.h264_720p)} |`;
  }),
  '',
  'Audio runs inside the chunk jobs, so it fans out with the video: the same share on 2 workers and on 16 (a two-hour file has ~3600 chunks; each carries its 2 s of audio).',
];
writeFileSync(join(out, 'results.json'), JSON.stringify(rows, null, 2));
writeFileSync(join(out, 'report.md'), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
