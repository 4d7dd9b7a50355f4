// Fanout's benchmark. `bench/run` installs and builds what it needs and runs
// this; `node bench/run.mjs [options]` runs it on what is already built.
//
// Phases (all by default; --phases=speed,seam,rd picks, --skip=NAME drops):
//   speed  every contender on each full input at the default quality point:
//          wall, fps, × real time, peak memory, size, bitrate, PSNR, SSIM;
//          Fanout's per-chunk timeline feeds the scaling model (modelled).
//   seam   the 720p camera-like input (an excerpt, 1 s GOPs so 1 s chunks are
//          possible) encoded natively as one chunk and in chunks of 1, 2, 5,
//          10 s: bitrate penalty and PSNR at frames next to chunk seams.
//   rd     a quality sweep (3-4 points) on the first --rd-seconds of each
//          input; BD-rate of each encoder against ffmpeg + librav1e.
//
// Options (defaults in brackets):
//   --quick                 tiny inputs (3 s, 320x180), one quality point: a smoke test
//   --seconds=N [60]        length of the generated inputs for the speed runs
//   --cam-size=WxH [1280x720]  --cuts-size=WxH [1920x1080]  --cut-seconds=N [4]
//   --broadcast-seconds=N [0: the whole 12 s corpus file]
//   --inputs=cam,cuts,broadcast      --phases=speed,seam,rd
//   --only=ID,ID / --skip=ID,ID      contender ids (globs allowed: fanout-*), or phase/input names in --skip
//   --no-browser            skip the contenders that run in Chromium
//   --rd-seconds=N [10]     excerpt length for the quality sweep
//   --points=Q,Q,.. [60,100,140,180]  nominal rav1e quantizers of the sweep
//   --crf-points=.. [24,35,46,57]  SVT-AV1/libaom CRF at those points; --x264-points=.. [20,25,30,35] x264 CRF
//                           (same length as --points; the speed runs' --quality maps through them too)
//   --quality=Q [120]       quantizer of the speed runs     --speed=S [9] rav1e speed preset
//   --low-latency=B [true]  rav1e low-latency mode (Fanout's balanced preset = speed 9, low latency, 120)
//   --chunk-seconds=N [2]   Fanout's chunk length           --seam-seconds=N [20]
//   --chunk-lengths=1,2,5,10   chunk lengths for the seam test
//   --svt-preset=N [10]  --aom-cpu-used=N [8]  --aom-rt-cpu-used=N [8]  --x264-preset=P [veryfast]
//   --wasm-threads=N [cores]  x264 threads in ffmpeg.wasm
//   --webcodecs-rd-scale=F [0.6]  WebCodecs' sweep bitrates = F × librav1e's at the same points (speed run: 1 ×)
//   --out=DIR               results folder [bench/results/<date>, -b, -c... if taken; --quick: bench/work/results-quick/<date>]
//
// Every number comes from this run; only the generated inputs are cached
// (bench/work). Results are rewritten after every run, so a crash loses
// nothing already measured.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { basename, join, relative } from 'node:path';
import { ANCHOR, CONTENDERS, describe, runContender, settingFor } from './lib/contenders.mjs';
import { inputKinds, probe } from './lib/inputs.mjs';
import { perFramePsnr, quality, videoPackets } from './lib/metrics.mjs';
import { timelineOf } from './lib/model.mjs';
import { render } from './lib/report.mjs';
import { collectVersions } from './lib/versions.mjs';
import { log, machineCpu, repo } from './lib/util.mjs';
import { statSync } from 'node:fs';

// ---- options ----
const argv = process.argv.slice(2);
const opt = {};
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (!a.startsWith('--')) throw new Error(`unexpected argument ${a} (options are --name=value)`);
  const eq = a.indexOf('=');
  if (eq > 0) opt[a.slice(2, eq)] = a.slice(eq + 1);
  else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') && !['quick', 'no-browser'].includes(a.slice(2))) opt[a.slice(2)] = argv[++i];
  else opt[a.slice(2)] = true;
}
const list = (v) => String(v).split(',').map((s) => s.trim()).filter(Boolean);
const quick = !!opt.quick;
const cfg = {
  quick,
  seconds: Number(opt.seconds ?? (quick ? 3 : 60)),
  camSize: opt['cam-size'] ?? (quick ? '320x180' : '1280x720'),
  cutsSize: opt['cuts-size'] ?? (quick ? '320x180' : '1920x1080'),
  cutSeconds: Number(opt['cut-seconds'] ?? (quick ? 1 : 4)),
  broadcastSeconds: Number(opt['broadcast-seconds'] ?? (quick ? 3 : 0)),
  rdSeconds: Number(opt['rd-seconds'] ?? (quick ? 3 : 10)),
  seamSeconds: Number(opt['seam-seconds'] ?? (quick ? 3 : 20)),
  chunkLengths: list(opt['chunk-lengths'] ?? (quick ? '1,2' : '1,2,5,10')).map(Number),
  points: list(opt.points ?? (quick ? '100' : '60,100,140,180')).map(Number),
  crfPoints: list(opt['crf-points'] ?? (quick ? '35' : '24,35,46,57')).map(Number),
  x264Points: list(opt['x264-points'] ?? (quick ? '25' : '20,25,30,35')).map(Number),
  quality: Number(opt.quality ?? 120),
  speed: Number(opt.speed ?? 9),
  // rav1e low-latency mode (no frame reordering), as Fanout's default preset.
  lowLatency: String(opt['low-latency'] ?? 'true') === 'true',
  chunkSeconds: Number(opt['chunk-seconds'] ?? 2),
  svtPreset: Number(opt['svt-preset'] ?? 10),
  aomCpuUsed: Number(opt['aom-cpu-used'] ?? 8),
  aomRtCpuUsed: Number(opt['aom-rt-cpu-used'] ?? 8),
  x264Preset: opt['x264-preset'] ?? 'veryfast',
  webcodecsRdScale: Number(opt['webcodecs-rd-scale'] ?? 0.6),
  wasmThreads: Number(opt['wasm-threads'] ?? cpus().length),
  inputs: list(opt.inputs ?? 'cam,cuts,broadcast'),
  phases: list(opt.phases ?? 'speed,seam,rd'),
  only: opt.only ? list(opt.only) : null,
  skip: opt.skip ? list(opt.skip) : [],
  noBrowser: !!opt['no-browser'],
  modelWorkers: [1, 2, 4, 8, 16, 64],
  longSeconds: 7200,
  work: join(repo, 'bench', 'work'),
  cli: join(repo, 'target', 'release', 'fanout'),
  cores: cpus().length,
};
const glob = (pattern, name) => new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$').test(name);
const selected = (c) => (!cfg.only || cfg.only.some((p) => glob(p, c.id))) && !cfg.skip.some((p) => glob(p, c.id))
  && !(cfg.noBrowser && ['fanout-browser', 'webcodecs', 'ffmpeg-wasm'].includes(c.kind));
const phaseOn = (p) => cfg.phases.includes(p) && !cfg.skip.includes(p);
const inputOn = (i) => cfg.inputs.includes(i) && !cfg.skip.includes(i);
const contenders = CONTENDERS.filter(selected);
for (const k of ['crfPoints', 'x264Points']) if (cfg[k].length !== cfg.points.length) throw new Error(`--${k === 'crfPoints' ? 'crf' : 'x264'}-points needs ${cfg.points.length} values, like --points`);

// ---- output folder ----
const date = new Date().toISOString().slice(0, 10);
let outDir = opt.out ? join(process.cwd(), String(opt.out)) : null;
if (!outDir) {
  // A smoke test is not a measurement: --quick writes under bench/work (not tracked).
  const base = quick ? join(cfg.work, 'results-quick') : join(repo, 'bench', 'results');
  for (const suffix of ['', ...'bcdefghijklmnopqrstuvwxyz'.split('').map((c) => '-' + c)]) {
    const d = join(base, date + suffix);
    if (!existsSync(d) && !existsSync(d + '.md')) { outDir = d; break; }
  }
}
await mkdir(join(outDir, 'figures'), { recursive: true });
await mkdir(cfg.work, { recursive: true });

const results = {
  date,
  command: `bench/run ${argv.join(' ')}`.trim(),
  started: new Date().toISOString(),
  loadAverageAtStart: loadavg(),
  config: { ...cfg, work: relative(repo, cfg.work), cli: relative(repo, cfg.cli) },
  versions: await collectVersions(cfg),
  contenders: Object.fromEntries(contenders.map((c) => [c.id, { ...c, ...describe(c, cfg) }])),
  anchor: ANCHOR,
  inputs: {},
  runs: [],
  errors: [],
  finished: null,
};
if (loadavg()[0] > 0.5) log(`warning: load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}: something else is running; timings will be contaminated`);
log(`results: ${relative(repo, outDir)}; contenders: ${contenders.map((c) => c.id).join(', ')}`);

async function save() {
  await writeFile(join(outDir, 'results.json'), JSON.stringify(results, null, 1) + '\n');
  const { markdown, figures } = render(results);
  for (const [name, svg] of Object.entries(figures)) await writeFile(join(outDir, 'figures', name), svg);
  await writeFile(join(outDir, 'report.md'), markdown);
}

// ---- inputs ----
const kinds = inputKinds(cfg, repo);
async function prepare(id, seconds, key, extra) {
  const kind = kinds[id];
  const file = await kind.make(seconds, extra);
  const p = probe(file);
  const entry = { key, kind: id, file: file.startsWith(repo) ? relative(repo, file) : file, description: kind.describe(seconds && (!kind.fullSeconds || seconds < kind.fullSeconds) ? seconds : (kind.fullSeconds ?? seconds), extra?.gop), ...p };
  results.inputs[key] = entry;
  return { ...entry, file, id: key };
}

// ---- one measured run ----
async function measure({ phase, input, contender: c, q, chunkSeconds, tag }) {
  const name = `${phase}-${input.id}-${c.id}-q${q}${tag ? '-' + tag : ''}`;
  const output = join(cfg.work, `out-${name}.mp4`);
  const statsFile = join(cfg.work, `psnr-${name}.log`);
  await rm(output, { force: true });
  // WebCodecs' target bitrate: the anchor's at the same point (in the sweep scaled by --webcodecs-rd-scale, since at
  // equal bitrate Chromium's encoder lands well above rav1e speed 10 in PSNR and the curves would not overlap).
  const anchorKbps = (qq) => {
    const kbps = results.runs.find((r) => r.input === input.id && r.phase === phase && r.contender === ANCHOR && r.q === qq)?.videoKbps;
    return kbps && phase === 'rd' ? kbps * cfg.webcodecsRdScale : kbps;
  };
  const ctx = { cfg, input, output, chunkSeconds, anchorKbps };
  const d = describe(c, cfg);
  log(`${name}: ${d.label}, ${settingFor(c, q, ctx)} ...`);
  try {
    const cpu0 = machineCpu(), w0 = performance.now();
    const r = await runContender(c, q, ctx);
    const cpu1 = machineCpu(), elapsed = (performance.now() - w0) / 1000;
    const bytes = await readFile(output);
    const v = videoPackets(output);
    const qual = await quality(output, input.file, { statsFile });
    const run = {
      phase, input: input.id, contender: c.id, label: d.label, family: d.family, parallel: d.parallel, q,
      setting: settingFor(c, q, ctx), chunkSeconds: c.kind.startsWith('fanout') ? (chunkSeconds ?? cfg.chunkSeconds) : null,
      wall: r.wall, frames: v.frames, sourceFrames: input.frames, fps: v.frames / r.wall, xRealtime: input.duration / r.wall,
      peakBytes: r.peakBytes, peakPssBytes: r.peakPssBytes ?? null,
      bytes: bytes.length, kbps: bytes.length * 8 / input.duration / 1000, videoBytes: v.bytes, videoKbps: v.bytes * 8 / input.duration / 1000,
      keyframes: v.keyframes.length, ...qual,
      // CPU: the whole machine's busy time, in cores, over the contender's whole invocation (a browser's start and
      // the download included), and the run's own (user+sys / wall) where known.
      machineCores: cpu0 && cpu1 ? (cpu1.busy - cpu0.busy) / elapsed : null,
      ownCores: r.cpuSeconds != null ? r.cpuSeconds / r.wall : null,
      binary: c.kind === 'fanout-native' ? statSync(cfg.cli).mtime.toISOString() : c.kind === 'fanout-browser' ? statSync(join(repo, 'www', 'fanout', 'pkg', 'fanout_bg.wasm')).mtime.toISOString() : null,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      note: r.note ?? null,
      summary: r.summary ?? null,
    };
    if (phase === 'seam') {
      run.perFramePsnrY = await perFramePsnr(statsFile);
      run.keyframeIndexes = v.keyframes;
    }
    if (v.frames !== input.frames) run.note = `${run.note ? run.note + '; ' : ''}${v.frames} frames out of ${input.frames}`;
    results.runs.push(run);
    log(`  ${r.wall.toFixed(1)} s, ${run.fps.toFixed(2)} fps, ${run.videoKbps.toFixed(0)} kbit/s video, PSNR-Y ${run.psnrY}, SSIM ${run.ssim}`);
    return run;
  } catch (e) {
    log(`  FAILED: ${e.message.slice(0, 1000)}`);
    results.errors.push({ phase, input: input.id, contender: c.id, q, error: e.message.slice(0, 4000) });
    return null;
  } finally {
    await rm(output, { force: true });
    await rm(statsFile, { force: true });
    await save();
  }
}

// ---- phases ----
const t0 = performance.now();
await save();

if (phaseOn('speed')) {
  for (const id of cfg.inputs.filter(inputOn)) {
    const input = await prepare(id, id === 'broadcast' ? cfg.broadcastSeconds : cfg.seconds, id);
    const here = (c) => c.phases.includes('speed') && (!c.inputs || c.inputs.includes(id));
    for (const c of contenders.filter(here)) await measure({ phase: 'speed', input, contender: c, q: cfg.quality });
  }
}

if (phaseOn('seam')) {
  const native = contenders.filter((c) => c.kind === 'fanout-native' && !c.args?.length).sort((a, b) => b.jobs - a.jobs)[0];
  if (!native) {
    results.errors.push({ phase: 'seam', error: 'no plain fanout-native contender selected; seam test skipped' });
  } else {
    const input = await prepare('cam', cfg.seamSeconds, 'cam-seam', { gop: 1 });
    // One chunk: a chunk length longer than the input.
    await measure({ phase: 'seam', input, contender: native, q: cfg.quality, chunkSeconds: cfg.seamSeconds * 10 + 100, tag: 'single' });
    for (const len of cfg.chunkLengths) await measure({ phase: 'seam', input, contender: native, q: cfg.quality, chunkSeconds: len, tag: `c${len}` });
  }
}

if (phaseOn('rd')) {
  const rd = contenders.filter((c) => c.phases.includes('rd')).sort((a, b) => (b.id === ANCHOR) - (a.id === ANCHOR));
  for (const id of cfg.inputs.filter(inputOn)) {
    const input = await prepare(id, cfg.rdSeconds, `${id}-rd`);
    for (const c of rd) for (const q of cfg.points) await measure({ phase: 'rd', input, contender: c, q });
  }
}

results.finished = new Date().toISOString();
results.totalSeconds = (performance.now() - t0) / 1000;
await save();
log(`done in ${(results.totalSeconds / 60).toFixed(1)} min: ${relative(repo, join(outDir, 'report.md'))}` + (results.errors.length ? `; ${results.errors.length} errors (see the report)` : ''));
