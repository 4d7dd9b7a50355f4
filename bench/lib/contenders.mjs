// The contenders: one table. Each entry names a kind (how it runs) and its
// settings; add a row to add a contender (e.g. a Fanout preset:
//   { id: 'fanout-native-j2-fast', kind: 'fanout-native', jobs: 2, args: ['--preset', 'fast'], phases: ['speed', 'rd'] }
//   { id: 'fanout-browser-w2-any', kind: 'fanout-browser', workers: 2, options: { split: 'anywhere' }, phases: ['speed'] }).
//
// Quality is given to every contender as the nominal rav1e quantizer q
// (0-255, --points); each kind maps it to its own knob (`setting`) through
// a list of the same length: SVT-AV1/libaom CRF from --crf-points, x264 CRF
// from --x264-points (piecewise linear between the listed pairs). The lists
// are chosen wide, so that every curve overlaps rav1e's in PSNR (at equal
// CRF-ish numbers SVT-AV1 and libaom land several dB above rav1e speed 10).
// WebCodecs gets a target bitrate: the one ffmpeg + librav1e reached at the
// same q on the same input in this run, else 0.1 bit/pixel scaled by q.
import { copyFile, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { cpus } from 'node:os';
import { download, openBrowser, sampleMemory } from './browser.mjs';
import { timed } from './util.mjs';

const cores = cpus().length;

// `inputs` limits a row to some inputs; `speed`/`quality`/`lowLatency` pin
// a row's rav1e settings instead of the run's (the "before" row is Fanout as
// the benchmark issue first measured it: speed 10 with frame reordering,
// quantizer 100, chunks only at the source's keyframes).
export const CONTENDERS = [
  { id: 'fanout-native-j1', kind: 'fanout-native', jobs: 1, inputs: ['cam', 'broadcast'], phases: ['speed'] },
  { id: 'fanout-native-j2', kind: 'fanout-native', jobs: 2, phases: ['speed', 'rd'] },
  { id: 'fanout-browser-w1', kind: 'fanout-browser', workers: 1, inputs: ['cam', 'broadcast'], phases: ['speed'] },
  { id: 'fanout-browser-w2', kind: 'fanout-browser', workers: 2, phases: ['speed'] },
  { id: 'fanout-native-j2-before', kind: 'fanout-native', jobs: 2, speed: 10, quality: 100, lowLatency: false,
    args: ['--split', 'keyframes'], phases: ['speed'] },
  { id: 'fanout-native-j2-fast', kind: 'fanout-native', jobs: 2, speed: 10, args: ['--preset', 'fast'], phases: ['speed'] },
  { id: 'fanout-native-j2-h264', kind: 'fanout-native', jobs: 2, args: ['--video', 'h264'], phases: ['speed'] },
  { id: 'fanout-browser-w2-h264', kind: 'fanout-browser', workers: 2, options: { video: 'h264' }, phases: ['speed'] },
  { id: 'librav1e-t1', kind: 'ffmpeg', encoder: 'librav1e', threads: 1, phases: ['speed', 'rd'] },
  { id: 'svtav1-t1', kind: 'ffmpeg', encoder: 'libsvtav1', threads: 1, phases: ['speed'] },
  { id: 'svtav1-tall', kind: 'ffmpeg', encoder: 'libsvtav1', threads: 'all', phases: ['speed', 'rd'] },
  { id: 'aom-t1', kind: 'ffmpeg', encoder: 'libaom-av1', threads: 1, phases: ['speed'] },
  { id: 'aom-tall', kind: 'ffmpeg', encoder: 'libaom-av1', threads: 'all', phases: ['speed', 'rd'] },
  { id: 'aom-rt-tall', kind: 'ffmpeg', encoder: 'libaom-av1', realtime: true, threads: 'all', phases: ['speed', 'rd'] },
  { id: 'webcodecs-av1', kind: 'webcodecs', phases: ['speed', 'rd'] },
  { id: 'ffmpegwasm-x264', kind: 'ffmpeg-wasm', phases: ['speed', 'rd'] },
];

/** rav1e settings of a row: pinned, else the run's. */
const rav1e = (c, cfg, q) => ({
  speed: c.speed ?? cfg.speed,
  quality: c.quality ?? q,
  lowLatency: c.lowLatency ?? cfg.lowLatency,
});

/** The anchor every BD-rate is measured against. */
export const ANCHOR = 'librav1e-t1';

/** Maps q through the pairs (from[i], to[i]), linear in between and beyond; `slope` when there is one pair. */
function mapQ(q, from, to, slope) {
  if (from.length !== to.length) throw new Error(`point lists differ in length: ${from} vs ${to}`);
  if (from.length === 1) return to[0] + (q - from[0]) * slope;
  const order = from.map((x, i) => [x, to[i]]).sort((a, b) => a[0] - b[0]);
  let i = 0;
  while (i < order.length - 2 && q > order[i + 1][0]) i++;
  const [x0, y0] = order[i], [x1, y1] = order[i + 1];
  return y0 + (q - x0) * (y1 - y0) / (x1 - x0);
}
const x264Crf = (q, cfg) => Math.max(0, Math.min(51, Math.round(mapQ(q, cfg.points, cfg.x264Points, 1 / 8))));
const av1Crf = (q, cfg) => Math.max(0, Math.min(63, Math.round(mapQ(q, cfg.points, cfg.crfPoints, 0.27))));

/** Table label, encoder family and a description of how it runs. */
export function describe(c, cfg) {
  const t1 = c.threads === 1;
  switch (c.kind) {
    case 'fanout-native':
      return { label: `Fanout native --jobs ${c.jobs}${c.args?.length ? ' ' + c.args.join(' ') : ''}`, family: 'Fanout (rav1e 0.8, no asm)', parallel: c.jobs,
        how: `target/release/fanout --jobs ${c.jobs} --speed ${rav1e(c, cfg, 'Q').speed} --quality ${rav1e(c, cfg, 'Q').quality} --low-latency ${rav1e(c, cfg).lowLatency} --chunk-seconds ${cfg.chunkSeconds}${c.args?.length ? ' ' + c.args.join(' ') : ''}` };
    case 'fanout-browser':
      return { label: `Fanout in Chromium, ${c.workers} worker${c.workers > 1 ? 's' : ''}${c.options ? ' ' + JSON.stringify(c.options) : ''}`, family: 'Fanout (rav1e 0.8, no asm)', parallel: c.workers,
        how: `npm package: transcode(blob, {workers: ${c.workers}, speed: ${rav1e(c, cfg).speed}, quality: Q, lowLatency: ${rav1e(c, cfg).lowLatency}, chunkSeconds: ${cfg.chunkSeconds}${c.options ? ', ' + JSON.stringify(c.options).slice(1, -1) : ''}})` };
    case 'ffmpeg': {
      const threads = t1 ? '1 thread, pinned to one core (taskset -c 0)' : `all threads (${cores} cores)`;
      if (c.encoder === 'librav1e') return { label: `ffmpeg + librav1e, ${threads}`, family: 'ffmpeg + librav1e', parallel: t1 ? 1 : cores, how: `-c:v librav1e -speed ${cfg.speed} -qp Q -rav1e-params threads=1:low_latency=${cfg.lowLatency}${t1 ? ' (taskset -c 0)' : ''}` };
      if (c.encoder === 'libsvtav1') return { label: `ffmpeg + SVT-AV1 preset ${cfg.svtPreset}, ${threads}`, family: 'ffmpeg + SVT-AV1', parallel: t1 ? 1 : cores, how: `-c:v libsvtav1 -preset ${cfg.svtPreset} -crf C(Q)${t1 ? ' -svtav1-params lp=1 (taskset -c 0)' : ''}` };
      if (c.encoder === 'libaom-av1') return c.realtime
        ? { label: `ffmpeg + libaom realtime cpu-used ${cfg.aomRtCpuUsed}, ${threads}`, family: 'ffmpeg + libaom (realtime)', parallel: t1 ? 1 : cores, how: `-c:v libaom-av1 -usage realtime -cpu-used ${cfg.aomRtCpuUsed} -row-mt 1 -crf C(Q) -b:v 0 -threads ${t1 ? 1 : cores}${t1 ? ' (taskset -c 0)' : ''}` }
        : { label: `ffmpeg + libaom cpu-used ${cfg.aomCpuUsed}, ${threads}`, family: 'ffmpeg + libaom (good)', parallel: t1 ? 1 : cores, how: `-c:v libaom-av1 -cpu-used ${cfg.aomCpuUsed} -row-mt 1 -crf C(Q) -b:v 0 -threads ${t1 ? 1 : cores}${t1 ? ' (taskset -c 0)' : ''}` };
      throw new Error(`unknown encoder ${c.encoder}`);
    }
    case 'webcodecs':
      return { label: 'Chromium WebCodecs AV1 via Mediabunny Conversion', family: 'WebCodecs AV1 (Chromium)', parallel: null,
        how: 'Mediabunny Conversion: TS demuxed by Mediabunny, H.264 decoded and AV1 encoded by WebCodecs (codec av1, target bitrate, forceTranscode), AAC copied, MP4 out' };
    case 'ffmpeg-wasm':
      return { label: `ffmpeg.wasm (core-mt) libx264 ${cfg.x264Preset} — H.264, no AV1 encoder in ffmpeg.wasm`, family: 'ffmpeg.wasm x264 (H.264)', parallel: null,
        how: `@ffmpeg/ffmpeg + @ffmpeg/core-mt in Chromium: -fps_mode passthrough -c:v libx264 -preset ${cfg.x264Preset} -crf C264(Q) -threads ${cfg.wasmThreads ?? cores} -c:a copy (x264's automatic thread count, 6 with 2 lookahead threads here, crashes core-mt 0.12.10 with 'function signature mismatch' on 576p)` };
    default:
      throw new Error(`unknown kind ${c.kind}`);
  }
}

/** The contender's own knob for nominal quantizer q (a string for the table). */
export function settingFor(c, q, ctx) {
  switch (c.kind) {
    case 'fanout-native': case 'fanout-browser': return `quantizer ${rav1e(c, ctx.cfg, q).quality}`;
    case 'ffmpeg': return c.encoder === 'librav1e' ? `qp ${q}` : `crf ${av1Crf(q, ctx.cfg)}`;
    case 'ffmpeg-wasm': return `crf ${x264Crf(q, ctx.cfg)}`;
    case 'webcodecs': return `${Math.round(webcodecsBitrate(q, ctx) / 1000)} kbit/s target`;
    default: return String(q);
  }
}

function webcodecsBitrate(q, { input, anchorKbps }) {
  const kbps = anchorKbps?.(q);
  if (kbps) return Math.round(kbps * 1000);
  return Math.round(0.1 * 2 ** ((100 - q) / 40) * input.width * input.height * input.fps);
}

/**
 * Runs contender `c` on ctx.input at nominal quantizer q, writing ctx.output.
 * Resolves { wall, peakBytes, peakPssBytes?, summary?, note? }.
 */
export async function runContender(c, q, ctx) {
  const { cfg, input, output } = ctx;
  switch (c.kind) {
    case 'fanout-native': {
      const r = rav1e(c, cfg, q);
      const t = await timed(cfg.cli, [input.file, '-o', output, '--jobs', String(c.jobs), '--speed', String(r.speed),
        '--quality', String(r.quality), '--low-latency', String(r.lowLatency), '--chunk-seconds', String(ctx.chunkSeconds ?? cfg.chunkSeconds), '--json', ...(c.args ?? [])]);
      return { wall: t.wall, peakBytes: t.peakBytes, cpuSeconds: t.cpuSeconds, summary: JSON.parse(t.stdout) };
    }
    case 'ffmpeg': {
      const t1 = c.threads === 1;
      const threads = t1 ? 1 : cores;
      const crf = String(av1Crf(q, cfg));
      const video = {
        librav1e: ['-c:v', 'librav1e', '-speed', String(cfg.speed), '-qp', String(q), '-rav1e-params', `threads=1:low_latency=${cfg.lowLatency}`],
        libsvtav1: ['-c:v', 'libsvtav1', '-preset', String(cfg.svtPreset), '-crf', crf, ...(t1 ? ['-svtav1-params', 'lp=1'] : [])],
        'libaom-av1': [...(c.realtime ? ['-usage', 'realtime'] : []), '-c:v', 'libaom-av1', '-cpu-used', String(c.realtime ? cfg.aomRtCpuUsed : cfg.aomCpuUsed),
          '-row-mt', '1', '-crf', crf, '-b:v', '0', '-threads', String(threads)],
      }[c.encoder];
      const args = ['-v', 'error', '-y', '-i', input.file, '-fps_mode', 'passthrough', ...video, '-c:a', 'copy', output];
      const t = t1 ? await timed('taskset', ['-c', '0', 'ffmpeg', ...args]) : await timed('ffmpeg', args);
      return { wall: t.wall, peakBytes: t.peakBytes, cpuSeconds: t.cpuSeconds };
    }
    case 'fanout-browser':
    case 'webcodecs':
    case 'ffmpeg-wasm':
      return runInBrowser(c, q, ctx);
    default:
      throw new Error(`unknown kind ${c.kind}`);
  }
}

async function runInBrowser(c, q, ctx) {
  const { cfg, input, output } = ctx;
  // The input is served from bench/work (mounted at /bench-work/).
  const served = `/bench-work/${basename(input.file)}`;
  let servedCopy = null;
  if (!input.file.startsWith(cfg.work + '/')) {
    servedCopy = `${cfg.work}/served-${basename(input.file)}`;
    await copyFile(input.file, servedCopy);
  }
  const url = servedCopy ? `/bench-work/${basename(servedCopy)}` : served;
  const b = await openBrowser({ work: cfg.work });
  try {
    const mem = sampleMemory(b.profile);
    let r;
    try {
      if (c.kind === 'fanout-browser') {
        r = await b.page.evaluate(async ({ url, options }) => {
          const { transcode } = await import('/fanout/index.js');
          const blob = await (await fetch(url)).blob();
          const t0 = performance.now();
          const { blob: mp4, stats } = await transcode(blob, options);
          const wall = (performance.now() - t0) / 1000;
          window.benchOutput = URL.createObjectURL(mp4);
          return { wall, summary: JSON.parse(JSON.stringify(stats)) };
        }, { url, options: { workers: c.workers, speed: rav1e(c, cfg, q).speed, quality: rav1e(c, cfg, q).quality, lowLatency: rav1e(c, cfg, q).lowLatency, chunkSeconds: ctx.chunkSeconds ?? cfg.chunkSeconds, ...(c.options ?? {}) } });
      } else if (c.kind === 'webcodecs') {
        const bitrate = webcodecsBitrate(q, ctx);
        r = await b.page.evaluate(async ({ url, bitrate }) => {
          const mb = await import('/node_modules/mediabunny/dist/bundles/mediabunny.mjs');
          const blob = await (await fetch(url)).blob();
          const t0 = performance.now();
          const input = new mb.Input({ source: new mb.BlobSource(blob), formats: mb.ALL_FORMATS });
          const output = new mb.Output({ format: new mb.Mp4OutputFormat(), target: new mb.BufferTarget() });
          const conversion = await mb.Conversion.init({ input, output, video: { codec: 'av1', bitrate, forceTranscode: true } });
          if (!conversion.isValid) throw new Error('Mediabunny: conversion invalid: ' + JSON.stringify(conversion.discardedTracks.map((d) => [d.track.type, d.reason])));
          const discarded = conversion.discardedTracks.map((d) => `${d.track.type}: ${d.reason}`);
          await conversion.execute();
          const wall = (performance.now() - t0) / 1000;
          window.benchOutput = URL.createObjectURL(new Blob([output.target.buffer], { type: 'video/mp4' }));
          const vt = await input.getPrimaryVideoTrack();
          return { wall, note: `input format ${(await input.getFormat()).name}, video ${vt.codec}${discarded.length ? '; discarded ' + discarded.join(', ') : ''}; target ${Math.round(bitrate / 1000)} kbit/s` };
        }, { url, bitrate });
      } else {
        r = await b.page.evaluate(async ({ url, args }) => {
          const { FFmpeg } = await import('/node_modules/@ffmpeg/ffmpeg/dist/esm/index.js');
          const ff = new FFmpeg();
          const logs = [];
          ff.on('log', ({ message }) => { logs.push(message); if (logs.length > 400) logs.splice(0, 200); });
          const base = '/node_modules/@ffmpeg/core-mt/dist/esm/';
          await ff.load({ coreURL: base + 'ffmpeg-core.js', wasmURL: base + 'ffmpeg-core.wasm', workerURL: base + 'ffmpeg-core.worker.js' });
          await ff.writeFile('in.ts', new Uint8Array(await (await fetch(url)).arrayBuffer()));
          const t0 = performance.now();
          const rc = await ff.exec(['-nostats', '-i', 'in.ts', ...args, 'out.mp4']);
          const wall = (performance.now() - t0) / 1000;
          if (rc !== 0) throw new Error(`ffmpeg.wasm exited ${rc}: ${logs.slice(-20).join('\n')}`);
          const out = await ff.readFile('out.mp4');
          window.benchOutput = URL.createObjectURL(new Blob([out], { type: 'video/mp4' }));
          ff.terminate();
          const x264 = logs.find((l) => l.includes('x264 - core')) ?? '';
          return { wall, note: `x264 ${/threads=\d+ lookahead_threads=\d+/.exec(x264)?.[0] ?? ''}; load and writeFile not timed` };
        }, { url, args: ['-fps_mode', 'passthrough', '-c:v', 'libx264', '-preset', cfg.x264Preset, '-crf', String(x264Crf(q, cfg)), '-threads', String(cfg.wasmThreads ?? cores), '-c:a', 'copy'] });
      }
    } finally {
      var memory = mem.stop();
    }
    await download(b.page, 'benchOutput', output);
    return { wall: r.wall, summary: r.summary, note: r.note, ...memory };
  } finally {
    await b.close();
    if (servedCopy) await rm(servedCopy, { force: true });
  }
}
