// The report: Markdown and SVG figures, rendered from results.json alone
// (so it can be re-rendered after a crash: node bench/lib/report.mjs DIR).
import { bdRate } from './metrics.mjs';
import { extrapolate, modelWall, scaling, timelineOf, uncoveredSeconds } from './model.mjs';
import { lineChart } from './svg.mjs';

const f = (v, d = 2) => (v == null || !Number.isFinite(v) ? '–' : v.toFixed(d));
const mb = (b) => (b == null ? '–' : (b / 1e6).toFixed(0));
const pct = (v) => (v == null || !Number.isFinite(v) ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(1)} %`);

/** Seam positions (first frame of every chunk but the first) and where they came from. */
function seamsOf(run, single) {
  const t = timelineOf(run.summary);
  if (t) {
    const seams = [];
    let acc = 0;
    for (const c of t.chunks.slice(0, -1)) { acc += c.frames; seams.push(acc); }
    return { seams, source: 'timeline' };
  }
  // No timeline (older binary): every chunk starts with a keyframe; keyframes the one-chunk encode also has are scene cuts.
  const own = new Set(single?.keyframeIndexes ?? []);
  return { seams: (run.keyframeIndexes ?? []).filter((k) => k > 0 && !own.has(k)), source: 'keyframes of the output not in the one-chunk output (no timeline in the CLI summary)' };
}

function seamStats(run, single, window = 2) {
  const { seams, source } = seamsOf(run, single);
  const near = new Set();
  for (const s of seams) for (let k = s - window; k < s + window; k++) if (k >= 0) near.add(k);
  const mean = (arr, pick) => { const v = arr.filter((_, i) => pick(i)).filter(Number.isFinite); return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null; };
  const p = run.perFramePsnrY ?? [], ps = single?.perFramePsnrY ?? [];
  return {
    seams: seams.length, source, nearFrames: near.size,
    near: mean(p, (i) => near.has(i)), elsewhere: mean(p, (i) => !near.has(i)),
    singleNear: mean(ps, (i) => near.has(i)), singleElsewhere: mean(ps, (i) => !near.has(i)),
  };
}

export function render(results) {
  const { config: cfg, versions: v, runs } = results;
  const figures = {};
  const L = [];
  const label = (id) => results.contenders[id]?.label ?? id;
  const get = (phase, input, contender, q) => runs.find((r) => r.phase === phase && r.input === input && r.contender === contender && (q == null || r.q === q));
  const speedInputs = [...new Set(runs.filter((r) => r.phase === 'speed').map((r) => r.input))];

  L.push(`# Fanout benchmark, ${results.date}${cfg.quick ? ' (QUICK smoke test: tiny inputs, not a measurement)' : ''}`, '');
  L.push(`Command: \`${results.command}\` (${results.finished ? `finished, ${f(results.totalSeconds / 60, 1)} min` : 'IN PROGRESS or interrupted'}).`, '');
  L.push(`Machine: ${v.cpu}, ${v.memory} RAM, ${v.os}; Node ${v.node}. Load average when the run started: ${(results.loadAverageAtStart ?? []).map((x) => x.toFixed(2)).join(' ')}${results.loadAverageAtStart?.[0] > 0.5 ? ' (**something else was running**)' : ''}.`, '');
  L.push('Versions:',
    `- ${v.ffmpeg}; Debian libraries: ${v.debianLibraries.join(', ')}`,
    `- ${v.chromium} (headless, --disable-gpu: software codecs only)`,
    `- Fanout: ${v.fanoutCli ?? '?'} at git ${v.git}, rav1e crate ${v.rav1eCrate} (Cargo.lock, built without assembly); CLI built ${v.fanoutCliBuilt}, wasm built ${v.fanoutWasmBuilt}`,
    `- npm: ${Object.entries(v.npm).map(([k, x]) => `${k} ${x}`).join(', ')}`, '');
  L.push(`Settings: rav1e speed ${cfg.speed}; speed runs at nominal quantizer ${cfg.quality}; Fanout chunks of ${cfg.chunkSeconds} s. Quality is given to every encoder as the nominal rav1e quantizer Q and mapped to its own knob through lists of the same length: Q ${cfg.points.join(', ')} ↔ SVT-AV1/libaom CRF ${(cfg.crfPoints ?? ["?"]).join(', ')} ↔ x264 CRF ${(cfg.x264Points ?? ["?"]).join(', ')} (linear in between); WebCodecs a target bitrate (the bitrate ffmpeg + librav1e reached at the same Q on the same input in this run; in the sweep times ${cfg.webcodecsRdScale ?? 1}, so its curve overlaps rav1e's in PSNR). Bitrates are of the video stream alone (audio is copied by every contender).`, '');

  // ---- headline ----
  const cam = 'cam';
  const h = [];
  {
    const b1 = get('speed', cam, 'fanout-browser-w1'), ref = get('speed', cam, 'librav1e-t1');
    const bd = bdRate(runs.filter((r) => r.phase === 'rd' && r.input === `${cam}-rd` && r.contender === 'librav1e-t1').map((r) => ({ kbps: r.videoKbps, psnr: r.psnrY })),
      runs.filter((r) => r.phase === 'rd' && r.input === `${cam}-rd` && r.contender === 'fanout-native-j2').map((r) => ({ kbps: r.videoKbps, psnr: r.psnrY })));
    h.push(`1. **Fanout in the browser vs native ffmpeg + librav1e (one thread), ${cam} input:** fps ratio ${b1 && ref ? f(b1.fps / ref.fps) : '– (a run is missing)'} (1 worker vs 1 thread, same speed preset and quantizer); BD-rate (PSNR-Y) of Fanout against librav1e ${bd ? pct(bd.bdRate) : '– (needs the rd sweep with ≥2 points)'}${bd ? ` over ${f(bd.from)}–${f(bd.to)} dB, on the first ${cfg.rdSeconds} s` : ''} (swept natively; the browser writes the same bytes: ${identity(cam)}).`);
    const w = (a, b) => { const x = get('speed', cam, a), y = get('speed', cam, b); return x && y ? `${f(x.wall / y.wall)}×` : '–'; };
    h.push(`2. **2-worker speedup:** browser ${w('fanout-browser-w1', 'fanout-browser-w2')}, native --jobs 2 over --jobs 1 ${w('fanout-native-j1', 'fanout-native-j2')} (${cam} input).`);
    const single = runs.find((r) => r.phase === 'seam' && r.chunkSeconds > cfg.seamSeconds);
    const two = runs.find((r) => r.phase === 'seam' && r.chunkSeconds === cfg.chunkSeconds);
    h.push(`3. **Chunking bitrate penalty at ${cfg.chunkSeconds} s chunks:** ${single && two ? pct((two.videoKbps / single.videoKbps - 1) * 100) : '–'} vs one chunk, same quantizer (PSNR-Y ${single && two ? `${f(two.psnrY)} vs ${f(single.psnrY)} dB` : '–'}; first ${cfg.seamSeconds} s of the camera-like input, 1 s GOPs).`);
  }
  function identity(input) {
    const pairs = [['fanout-browser-w1', 'fanout-native-j1'], ['fanout-browser-w2', 'fanout-native-j2']]
      .map(([a, b]) => [get('speed', input, a), get('speed', input, b)]).filter(([a, b]) => a && b);
    if (!pairs.length) return 'not checked (a run is missing)';
    return pairs.every(([a, b]) => a.sha256 === b.sha256) ? 'checked, identical' : '**NOT identical** (see the speed table)';
  }
  const bins = [...new Set(runs.map((r) => r.binary).filter(Boolean))];
  const contaminated = runs.filter((r) => r.machineCores != null && r.ownCores != null && r.machineCores - r.ownCores > 0.3);
  if (bins.length > 2) h.push(`\n**Warning:** the Fanout CLI or wasm was rebuilt during this run (${bins.length} different build times among the Fanout runs): rows may compare different builds.`);
  if (contaminated.length) h.push(`\n**Warning:** ${contaminated.length} run(s) had other processes using more than 0.3 of a core (see "CPU cores busy"): ${contaminated.slice(0, 8).map((r) => `${r.phase}/${r.input}/${r.contender}`).join(', ')}${contaminated.length > 8 ? ', ...' : ''}.`);
  L.push('## Headline', '', ...h, '');

  // ---- inputs ----
  L.push('## Inputs', '', '| key | used for | file | what | frames | duration s | size |', '|---|---|---|---|---|---|---|');
  for (const [key, i] of Object.entries(results.inputs)) {
    const use = key.endsWith('-rd') ? `quality sweep (excerpt)` : key.endsWith('-seam') ? 'seam test (excerpt)' : 'speed runs (full)';
    L.push(`| ${key} | ${use} | ${i.file} | ${i.description} | ${i.frames} | ${f(i.duration, 2)} | ${i.width}x${i.height} |`);
  }
  L.push('');

  // ---- speed ----
  L.push('## Speed, memory and quality (full inputs, one quality point)', '',
    'CPU cores busy: the whole machine\'s busy CPU time / elapsed time over the contender\'s whole invocation (from /proc/stat; for browser contenders this includes starting the browser and saving the output; in brackets the run\'s own user+sys time / wall, for processes under /usr/bin/time). A busy figure well above the own one means something else was running: treat that row\'s timing as contaminated. Wall time: native and ffmpeg from process start to exit; in Chromium the `transcode()` / `Conversion.execute()` / `ffmpeg.exec()` call only (browser start, module and wasm loading, ffmpeg.wasm `writeFile` not timed). fps = output frames / wall. Peak memory: native = maximum RSS (`/usr/bin/time -v`); browser = peak of the summed RSS of this browser\'s processes, sampled every 0.5 s (shared pages counted in every process; the summed PSS, which counts them once, in brackets).', '');
  for (const input of speedInputs) {
    L.push(`### ${input}: ${results.inputs[input]?.description ?? ''}`, '',
      '| run | setting | wall s | fps | × real time | CPU cores busy (own) | peak memory MB | output MB | kbit/s (all) | video kbit/s | PSNR-Y dB | PSNR avg dB | SSIM | note |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of runs.filter((r) => r.phase === 'speed' && r.input === input)) {
      L.push(`| ${r.label} | ${r.setting} | ${f(r.wall, 1)} | ${f(r.fps)} | ${f(r.xRealtime, 3)} | ${f(r.machineCores)}${r.ownCores != null ? ` (${f(r.ownCores)})` : ''} | ${mb(r.peakBytes)}${r.peakPssBytes ? ` (${mb(r.peakPssBytes)})` : ''} | ${f(r.bytes / 1e6)} | ${f(r.kbps, 0)} | ${f(r.videoKbps, 0)} | ${f(r.psnrY)} | ${f(r.psnrAvg)} | ${f(r.ssim, 4)} | ${r.note ?? ''} |`);
    }
    L.push('');
    const g = (id) => get('speed', input, id);
    const n1 = g('fanout-native-j1'), n2 = g('fanout-native-j2'), b1 = g('fanout-browser-w1'), b2 = g('fanout-browser-w2'), ref = g('librav1e-t1');
    const lines = [];
    if (n1 && n2) lines.push(`native --jobs 2 over --jobs 1: ${f(n1.wall / n2.wall)}× faster`);
    if (b1 && b2) lines.push(`Chromium 2 workers over 1: ${f(b1.wall / b2.wall)}× faster`);
    if (b1 && n1) lines.push(`wasm vs native, fps per worker / fps per job: 1 worker vs --jobs 1 ${f(b1.fps / n1.fps)}${b2 && n2 ? `, 2 workers vs --jobs 2 ${f(b2.fps / n2.fps)}` : ''}`);
    if (ref && b1) lines.push(`browser fps per worker / ffmpeg + librav1e one-thread fps: ${f(b1.fps / ref.fps)}${b2 ? ` (1 worker), ${f(b2.fps / 2 / ref.fps)} (2 workers, per worker)` : ''}`);
    if (ref && n1) lines.push(`native fps per job / ffmpeg + librav1e one-thread fps: ${f(n1.fps / ref.fps)}`);
    lines.push(`browser output byte-identical to native: ${identity(input)}`);
    // Issue 5's gains: today's default against Fanout as first benchmarked.
    const before = g('fanout-native-j2-before');
    const vs = (r, what) => r && before
      ? `${what}: ${f(r.fps / before.fps)}× the fps of the first version (speed 10 with reordering, q 100, keyframe-only chunks), ${pct((r.videoKbps / before.videoKbps - 1) * 100)} video bitrate, PSNR-Y ${f(r.psnrY)} vs ${f(before.psnrY)} dB`
      : null;
    for (const l of [vs(n2, 'default (balanced) --jobs 2'), vs(g('fanout-native-j2-fast'), '--preset fast --jobs 2'),
      vs(g('fanout-native-j2-h264'), '--video h264 --jobs 2')]) if (l) lines.push(l);
    const hb = g('fanout-browser-w2-h264');
    if (hb) lines.push(`H.264 mode in Chromium, 2 workers: ${f(hb.fps)} fps, ${f(hb.xRealtime, 2)}× real time${g('fanout-native-j2-h264') ? ` (native --jobs 2: ${f(g('fanout-native-j2-h264').fps)} fps)` : ''}`);
    const wm = [b1, b2].filter(Boolean).map((r) => r.summary?.peakWorkerMemory).filter(Boolean);
    if (wm.length) lines.push(`one encoder's wasm memory (largest chunk worker): ${(Math.max(...wm) / 2 ** 20).toFixed(0)} MiB`);
    L.push(...lines.map((l) => `- ${l}`), '');
  }

  // ---- scaling ----
  L.push('## Fan-out scaling', '');
  for (const input of speedInputs) {
    const g = (id) => get('speed', input, id);
    const withT = (r) => (r ? { ...r, timeline: timelineOf(r.summary) } : null);
    const n1 = withT(g('fanout-native-j1')), n2 = withT(g('fanout-native-j2')), b1 = withT(g('fanout-browser-w1')), b2 = withT(g('fanout-browser-w2'));
    if (!n1 && !b1 && !n2) continue;
    L.push(`### ${input}`, '');
    for (const [name, one, two] of [['native', n1, n2], ['Chromium', b1, b2]]) {
      if (!one || !two) continue;
      const s = scaling(one, two);
      L.push(`- ${name}: measured speedup 2 vs 1: ${f(s.speedup)}×; serial fraction from Amdahl's law (f = 2/S − 1): ${f(s.amdahlSerialFraction, 3)}${s.amdahlSerialFraction >= 1 ? ' (no speedup at all: contention or a serial bottleneck)' : ''}; from the timeline (serial seconds / 1-way wall): ${s.timelineSerialFraction == null ? '– (no serial_seconds)' : f(s.timelineSerialFraction, 3)}`);
    }
    const base = n1?.timeline ? n1 : b1?.timeline ? b1 : n2?.timeline ? n2 : null;
    if (!base) {
      L.push('', `Model skipped: the ${n1 ? 'CLI summary' : 'browser stats'} has no \`timeline\` (per-chunk start/end), so there are no per-chunk durations to schedule. Rebuild with a CLI that reports it.`, '');
      continue;
    }
    const durations = base.timeline.chunks.map((c) => c.seconds);
    const serial = base.timeline.serialSeconds ?? uncoveredSeconds(base.timeline.chunks, base.wall);
    const walls = modelWall(durations, serial, cfg.modelWorkers);
    const native = base === n1 || base === n2;
    const measured = (n) => (native ? (n === 1 ? n1 : n === 2 ? n2 : null) : (n === 1 ? b1 : n === 2 ? b2 : null));
    const source = base === n1 ? 'native --jobs 1' : base === b1 ? 'Chromium 1-worker'
      : 'native --jobs 2 (no 1-job run on this input: each chunk ran beside another, so the 1-worker row overestimates a lone job)';
    L.push('', `**Modelled** wall time (list scheduling, chunks in order to the first free worker, of the ${durations.length} per-chunk durations measured in the ${source} run, plus its serial part ${f(serial, 1)} s${base.timeline.serialSeconds == null ? ' (wall time not covered by any chunk: no serial_seconds in the summary)' : ''}). Assumes workers as fast as one uncontended job (no memory-bandwidth or clock effects) — the 2-worker row checks that against the measurement.`, '',
      '| workers | modelled wall s | modelled speedup | measured wall s |', '|---|---|---|---|');
    for (const w of walls) L.push(`| ${w.workers} | ${f(w.wall, 1)} | ${f(walls[0].wall / w.wall)}× | ${measured(w.workers) ? f(measured(w.workers).wall, 1) : ''} |`);
    L.push('');
    const series = [{ name: 'modelled (list scheduling)', dashed: true, marker: false, points: walls.map((w) => [w.workers, w.wall]) }];
    if (n1) series.push({ name: 'measured native', line: false, points: [n1, n2].filter(Boolean).map((r) => [r.parallel, r.wall]) });
    if (b1) series.push({ name: 'measured Chromium', line: false, points: [b1, b2].filter(Boolean).map((r) => [r.parallel, r.wall]) });
    figures[`scaling-${input}.svg`] = lineChart({ title: `Fanout wall time vs workers, ${input} (${results.inputs[input]?.width}x${results.inputs[input]?.height}, ${f(results.inputs[input]?.duration, 0)} s)`, xLabel: 'workers (jobs)', yLabel: 'wall time, s', log2X: true, logY: true, series, note: 'points: measured in this run; dashed: modelled from the measured per-chunk durations' });
    L.push(`![time vs workers, ${input}](figures/scaling-${input}.svg)`, '');
    if (results.inputs[input]?.height >= 1080) {
      const long = extrapolate({ chunks: base.timeline.chunks, serialSeconds: serial, inputSeconds: results.inputs[input].duration, fps: results.inputs[input].fps },
        { seconds: cfg.longSeconds, chunkSeconds: cfg.chunkSeconds, workerCounts: cfg.modelWorkers });
      L.push(`**Modelled: a two-hour 1080p input** (${long.chunks} chunks of ${cfg.chunkSeconds} s; per-frame cost of each measured ${input} chunk, cycled; serial part scaled by duration to ${f(long.serialSeconds, 0)} s; ${f(long.cpuSeconds / 3600, 1)} CPU-hours of chunk work):`, '',
        '| workers | modelled wall | × real time |', '|---|---|---|');
      for (const w of long.walls) L.push(`| ${w.workers} | ${f(w.wall / 3600, 2)} h | ${f(cfg.longSeconds / w.wall, 3)} |`);
      L.push('');
      figures['scaling-2h-1080p.svg'] = lineChart({ title: 'Modelled: two-hour 1080p input', xLabel: 'workers', yLabel: 'wall time, hours', log2X: true, logY: true,
        series: [{ name: 'modelled', dashed: true, points: long.walls.map((w) => [w.workers, w.wall / 3600]) }], note: `from the per-chunk durations of the ${input} run; modelled, not measured` });
      L.push('![modelled two-hour 1080p](figures/scaling-2h-1080p.svg)', '');
    }
  }
  if (!speedInputs.length) L.push('(no speed runs)', '');

  // ---- seams ----
  const seamRuns = runs.filter((r) => r.phase === 'seam');
  if (seamRuns.length) {
    const single = seamRuns.find((r) => r.chunkSeconds > cfg.seamSeconds);
    L.push('## Seam cost (native, same quantizer, one chunk vs chunks)', '',
      `Input: ${results.inputs['cam-seam']?.description}. Seam-adjacent frames: the 2 frames either side of each chunk boundary. "same frames, one chunk" is the PSNR of those same frames in the one-chunk encode (the content's own difficulty), so the seam effect is the difference of the two differences.`, '',
      '| chunks of | chunks | video kbit/s | bitrate vs one chunk | PSNR-Y dB | SSIM | PSNR-Y at seams | elsewhere | seams − elsewhere | same frames, one chunk: seams − elsewhere | seams from |', '|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of seamRuns) {
      const isSingle = r === single;
      const s = isSingle ? null : seamStats(r, single);
      L.push(`| ${isSingle ? 'one chunk' : `${r.chunkSeconds} s`} | ${r.summary?.chunks ?? ''} | ${f(r.videoKbps, 0)} | ${isSingle || !single ? '' : pct((r.videoKbps / single.videoKbps - 1) * 100)} | ${f(r.psnrY)} | ${f(r.ssim, 4)} | ${s ? f(s.near) : ''} | ${s ? f(s.elsewhere) : ''} | ${s ? f(s.near - s.elsewhere) : ''} | ${s && single ? f(s.singleNear - s.singleElsewhere) : ''} | ${s ? `${s.seams} seams, ${s.source}` : ''} |`);
    }
    L.push('');
  }

  // ---- rd ----
  const rdInputs = [...new Set(runs.filter((r) => r.phase === 'rd').map((r) => r.input))];
  if (rdInputs.length) {
    L.push('## Quality sweep and BD-rate', '',
      `Each encoder at ${cfg.points.length} points (nominal Q ${cfg.points.join(', ')}) on an **excerpt: the first ${cfg.rdSeconds} s** of each input (the speed runs use the full inputs). BD-rate: Bjøntegaard delta rate on PSNR-Y against ${label(results.anchor)}, log10(video bitrate) interpolated against PSNR-Y by a monotone piecewise cubic (PCHIP) and averaged over the PSNR interval both curves cover; negative = fewer bits for the same PSNR. Fanout is swept natively (its browser output is byte-identical).`, '');
    for (const input of rdInputs) {
      const rr = runs.filter((r) => r.phase === 'rd' && r.input === input);
      const ids = [...new Set(rr.map((r) => r.contender))];
      const anchor = rr.filter((r) => r.contender === results.anchor).map((r) => ({ kbps: r.videoKbps, psnr: r.psnrY }));
      L.push(`### ${input}: ${results.inputs[input]?.description ?? ''}`, '', '| encoder | points (Q: setting → video kbit/s @ PSNR-Y dB, SSIM) | fps at each point | BD-rate vs anchor | over PSNR-Y |', '|---|---|---|---|---|');
      for (const id of ids) {
        const pts = rr.filter((r) => r.contender === id).sort((a, b) => a.q - b.q);
        const bd = id === results.anchor ? null : bdRate(anchor, pts.map((r) => ({ kbps: r.videoKbps, psnr: r.psnrY })));
        L.push(`| ${label(id)} | ${pts.map((r) => `${r.q}: ${r.setting} → ${f(r.videoKbps, 0)} @ ${f(r.psnrY)}, ${f(r.ssim, 4)}`).join('; ')} | ${pts.map((r) => f(r.fps, 1)).join(' / ')} | ${id === results.anchor ? 'anchor' : bd ? pct(bd.bdRate) : '– (no overlap or <2 points)'} | ${bd ? `${f(bd.from)}–${f(bd.to)}` : ''} |`);
      }
      L.push('');
      figures[`rd-${input}.svg`] = lineChart({ title: `Rate–PSNR, ${input} (first ${cfg.rdSeconds} s)`, xLabel: 'video bitrate, kbit/s (log)', yLabel: 'PSNR-Y, dB', logX: true,
        series: ids.map((id) => ({ name: results.contenders[id]?.family ?? id, points: rr.filter((r) => r.contender === id).map((r) => [r.videoKbps, r.psnrY]) })) });
      L.push(`![rate-PSNR ${input}](figures/rd-${input}.svg)`, '');
    }
  }

  // ---- contenders and errors ----
  L.push('## Contenders', '', '| id | label | how |', '|---|---|---|');
  for (const [id, c] of Object.entries(results.contenders)) L.push(`| ${id} | ${c.label} | ${c.how} |`);
  L.push('', 'WebCodecs: this Chromium reports `VideoEncoder.isConfigSupported` true for AV1 (`av01.0.08M.08`, software), H.264 decoding through `VideoDecoder`, and no AAC encoder (AAC is copied); Mediabunny demuxes the MPEG-TS itself. ffmpeg.wasm has no AV1 encoder, so it makes H.264 with libx264: it is the in-browser baseline, not an AV1 contender.', '');
  if (results.errors.length) {
    L.push('## Errors', '');
    for (const e of results.errors) L.push(`- ${[e.phase, e.input, e.contender, e.q != null ? `Q ${e.q}` : null].filter(Boolean).join(' / ')}: ${e.error.split('\n').slice(0, 6).join(' ').slice(0, 600)}`);
    L.push('');
  }
  return { markdown: L.join('\n') + '\n', figures };
}

// Re-render a results folder: node bench/lib/report.mjs bench/results/<date>
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { readFile, writeFile, mkdir } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const dir = process.argv[2];
  const { markdown, figures } = render(JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')));
  await mkdir(join(dir, 'figures'), { recursive: true });
  for (const [n, s] of Object.entries(figures)) await writeFile(join(dir, 'figures', n), s);
  await writeFile(join(dir, 'report.md'), markdown);
}
