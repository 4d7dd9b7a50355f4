// Fanout's page: picks a transport stream, runs transcode() and draws the
// fan-out (one tile per chunk, one lane per worker) while it runs.
import {
  AV1_PRESETS, PLAN_MODES, transcode, plan, findResumable, listCheckpoints, deleteCheckpoint, browserSupport,
} from './fanout/index.js';

const $ = (id) => document.getElementById(id);

const els = {
  drop: $('drop'),
  file: $('file'),
  fileLabel: $('file-label'),
  sample: $('sample'),
  filename: $('filename'),
  speed: $('speed'),
  speedOut: $('speed-out'),
  quality: $('quality'),
  qualityOut: $('quality-out'),
  chunk: $('chunk'),
  workers: $('workers'),
  workersHelp: $('workers-help'),
  video: $('video'),
  resume: $('resume'),
  resumeText: $('resume-text'),
  resumeGo: $('resume-go'),
  resumeRestart: $('resume-restart'),
  unfinished: $('unfinished'),
  unfinishedList: $('unfinished-list'),
  container: $('container'),
  saveField: $('save-field'),
  saveTo: $('save-to'),
  saveHelp: $('save-help'),
  preset: $('preset'),
  settings: $('settings'),
  cancel: $('cancel'),
  status: $('status'),
  error: $('error'),
  errorMessage: $('error-message'),
  errorHint: $('error-hint'),
  progress: $('progress'),
  readLabel: $('read-label'),
  percent: $('percent'),
  frames: $('frames'),
  fps: $('fps'),
  speedx: $('speedx'),
  elapsed: $('elapsed'),
  eta: $('eta'),
  lanes: $('lanes'),
  chunks: $('chunks'),
  chunkCount: $('chunk-count'),
  runCard: $('run-card'),
  resultCard: $('result-card'),
  result: $('result'),
  download: $('download'),
  summary: $('summary'),
  isolation: $('isolation'),
  cores: $('cores'),
  support: $('support'),
  plan: $('plan'),
  planInput: $('plan-input'),
  planTracks: $('plan-tracks'),
  planModes: $('plan-modes'),
  planBecause: $('plan-because'),
  planStart: $('plan-start'),
  planDismiss: $('plan-dismiss'),
};

const cores = navigator.hardwareConcurrency || 2;

const HINTS = {
  UnsupportedCodec: 'Fanout decodes H.264, HEVC and MPEG-2 video; this file uses another codec.',
  NotTransportStream: 'Fanout reads MPEG transport streams (.ts, .m2ts, .mts). This file does not look like one — is it perhaps an MP4 or MKV?',
  NoVideo: 'The stream has no video track to transcode.',
  NoDecodableFrame: 'No picture in the file could be decoded. It may be cut off or damaged.',
  Malformed: 'The file looks damaged or truncated.',
  Limit: 'The file asks for more than Fanout handles (the message says which limit); it may be damaged or crafted.',
  UnsupportedFeature: 'The file uses a video or audio feature Fanout does not handle yet.',
  InvalidSettings: 'Check the settings on the left and try again.',
  StorageFull: 'There is not enough storage for the output. Free some disk space (or site data) and try again.',
  WorkerCrashed: 'A worker stopped unexpectedly (often out of memory). Try fewer workers or shorter chunks.',
  UnsupportedBrowser: 'Current versions of Chrome, Edge, Firefox and Safari have what Fanout needs.',
};

// ---------------------------------------------------------------- helpers

function setState(state) {
  document.body.dataset.state = state;
}

function pad2(n) {
  return String(n).padStart(2, '0');
}

/** Seconds as m:ss (h:mm:ss past an hour); '—' when unknown. */
function clock(seconds) {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${pad2(m)}:${pad2(s % 60)}` : `${m}:${pad2(s % 60)}`;
}

function bytes(n) {
  if (!Number.isFinite(n)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

function bitrate(bps) {
  if (!Number.isFinite(bps) || bps <= 0) return '—';
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(2)} Mb/s`;
  return `${(bps / 1e3).toFixed(0)} kb/s`;
}

function seconds(t) {
  if (t == null || !Number.isFinite(t)) return '…';
  return t < 100 ? t.toFixed(1) : t.toFixed(0);
}

function times(x) {
  if (!Number.isFinite(x) || x <= 0) return '—';
  return `${x < 10 ? x.toFixed(2) : x.toFixed(1)}×`;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function outputName(name) {
  const base = (name || 'output').replace(/\.(m2ts|mts|ts)$/i, '');
  return `${base || 'output'}.mp4`;
}

function readSettings() {
  const num = (el, fallback, min, max) => {
    const v = Number(el.value);
    return Number.isFinite(v) && el.value !== '' ? Math.min(max, Math.max(min, v)) : fallback;
  };
  const preset = AV1_PRESETS[els.preset.value] ? els.preset.value : 'balanced';
  const quality = Math.round(num(els.quality, AV1_PRESETS[preset].quantizer, 0, 255));
  return {
    preset,
    speed: Math.round(num(els.speed, AV1_PRESETS[preset].speed, 0, 10)),
    // The preset's quantizer keeps its bitrate cap (smaller than the
    // source); another one means "this quality", no cap, as on the CLI.
    quality: quality === AV1_PRESETS[preset].quantizer ? undefined : quality,
    chunkSeconds: num(els.chunk, 2, 0.1, 3600),
    workers: Math.round(num(els.workers, cores, 1, 256)),
    video: ['copy', 'h264'].includes(els.video.value) ? els.video.value : 'av1',
    container: els.container.value === 'fmp4' ? 'fmp4' : 'mp4',
  };
}

// Where the user asked the next result to be written (showSaveFilePicker,
// Chromium): picked before the run, because the picker needs a click.
let saveHandle = null;
const saveHelpText = els.saveHelp.textContent;
if (typeof window.showSaveFilePicker === 'function') {
  els.saveField.hidden = false;
  els.saveTo.addEventListener('click', async () => {
    try {
      saveHandle = await window.showSaveFilePicker({
        suggestedName: 'output.mp4',
        types: [{ description: 'MP4 video', accept: { 'video/mp4': ['.mp4'] } }],
      });
      els.saveHelp.textContent = `The next transcode is written into ${saveHandle.name}.`;
      els.saveTo.textContent = 'Choose another file…';
    } catch (err) {
      if (err?.name !== 'AbortError') console.warn('save picker:', err);
    }
  });
}
/** The picked file for this run (used once), or the default (OPFS). */
function takeSaveTarget() {
  const handle = saveHandle;
  saveHandle = null;
  els.saveHelp.textContent = saveHelpText;
  els.saveTo.textContent = 'Choose a file…';
  return handle ?? undefined;
}

// ---------------------------------------------------------------- header + settings

els.isolation.textContent = self.crossOriginIsolated
  ? 'Cross-origin isolated'
  : 'Not cross-origin isolated (works anyway)';
els.isolation.classList.add(self.crossOriginIsolated ? 'ok' : 'muted');
els.isolation.title = self.crossOriginIsolated
  ? 'This page is cross-origin isolated (COOP/COEP headers), so SharedArrayBuffer is available.'
  : 'This page is not cross-origin isolated. Fanout does not need it: workers exchange plain messages.';
els.cores.textContent = `${plural(cores, 'CPU thread')}`;

// ---------------------------------------------------------------- this browser

const OUTPUT_PLACES = {
  opfs: "this site's storage (OPFS)",
  memory: 'memory',
  file: 'the file you picked',
};

/** The "This browser" panel: what this browser will use, in plain words. */
function supportLines(s) {
  const lines = [];
  const add = (feature, ok, text) => lines.push({ feature, ok, text });
  if (s.canRun) {
    add('engine', true, 'WebAssembly SIMD and module workers: Fanout runs here.');
  } else {
    const missing = [!s.wasmSimd && (s.wasm ? 'WebAssembly SIMD' : 'WebAssembly (or it is turned off)'),
      !s.moduleWorkers && 'module workers'].filter(Boolean).join(' and no ');
    add('engine', false, `This browser has no ${missing}, which Fanout needs: it cannot transcode here.`);
  }
  if (s.output === 'opfs') {
    add('storage', true, "The output is written to this site's storage (OPFS) as it is made, so long files do not fill memory"
      + `${s.resume ? ', and an interrupted transcode can be resumed' : ''}.`);
  } else {
    const why = s.opfs
      ? 'Workers here cannot write to site storage (no OPFS sync access handles)'
      : 'Site storage (the Origin Private File System) is missing or refused here (private windows may refuse it)';
    add('storage', false, `${why}: the result is kept in memory, so very long files may not fit, and an interrupted transcode cannot be resumed.`);
  }
  add('save', s.saveFilePicker, s.saveFilePicker
    ? 'Save to: the result can be written straight into a file you pick.'
    : 'No file picker for saving (showSaveFilePicker): download the result when it is done.');
  const names = { av1: 'AV1', h264: 'H.264', hevc: 'HEVC', aac: 'AAC audio' };
  const plays = Object.keys(names).filter((c) => s.play[c]).map((c) => names[c]);
  const not = Object.keys(names).filter((c) => !s.play[c]).map((c) => names[c]);
  add('play', s.play.av1, `Plays ${plays.length ? plays.join(', ') : 'none of the MP4 codecs Fanout writes'}.`
    + (s.play.av1 ? '' : ' It cannot play AV1: the MP4 is made all the same (play it in another player), or choose H.264 to watch it here.')
    + (s.play.av1 && not.length ? ` Not ${not.join(', ')}.` : ''));
  add('isolation', true, s.crossOriginIsolated
    ? (s.sharedArrayBuffer ? 'Cross-origin isolated (Fanout does not need it).'
      : 'Cross-origin isolated, yet without SharedArrayBuffer (Fanout needs neither).')
    : 'Not cross-origin isolated (Fanout does not need it).');
  return lines;
}

browserSupport().then((s) => {
  els.support.replaceChildren(...supportLines(s).map(({ feature, ok, text }) => {
    const li = document.createElement('li');
    li.dataset.feature = feature;
    li.dataset.ok = String(ok);
    li.textContent = text;
    return li;
  }));
  document.body.dataset.support = s.canRun ? 'ok' : 'unsupported';
}, (err) => {
  els.support.replaceChildren(Object.assign(document.createElement('li'), { textContent: `Could not check: ${err.message}` }));
});

els.workers.value = String(cores);
els.workers.max = String(Math.max(64, cores));
els.workersHelp.textContent = `Encoded at once; this device has ${plural(cores, 'thread')}.`;

function syncOutputs() {
  els.speedOut.textContent = els.speed.value;
  els.qualityOut.textContent = els.quality.value;
  els.settings.classList.toggle('copy-mode', els.video.value !== 'av1');
}
els.preset.addEventListener('change', () => {
  const preset = AV1_PRESETS[els.preset.value];
  if (!preset) return;
  els.speed.value = String(preset.speed);
  els.quality.value = String(preset.quantizer);
  syncOutputs();
});
for (const el of [els.speed, els.quality, els.video]) {
  el.addEventListener('input', syncOutputs);
  el.addEventListener('change', syncOutputs);
}
els.settings.addEventListener('submit', (e) => e.preventDefault());
syncOutputs();

// ---------------------------------------------------------------- run state

let current = null; // { id, controller, file }
let pendingPlan = null; // { file, result }: the plan shown, waiting for Start
let runCounter = 0;
let resultUrl = null;
// Deletes the OPFS file behind the current result (see transcode()'s `release`).
let releaseResult = null;
let tiles = []; // per chunk index: { el, fill, worker, range, lastState, lastWorker, ... }
let laneEls = [];

function setBusy(busy) {
  els.cancel.disabled = !busy;
  els.sample.disabled = busy;
  els.file.disabled = busy;
  els.fileLabel.classList.toggle('disabled', busy);
  els.fileLabel.setAttribute('aria-disabled', String(busy));
  els.drop.classList.toggle('busy', busy);
  for (const el of els.settings.elements) el.disabled = busy;
}

function showError(err) {
  const kind = err && err.kind;
  els.errorMessage.textContent = (err && err.message) || String(err);
  const hint = HINTS[kind];
  els.errorHint.textContent = hint || '';
  els.errorHint.hidden = !hint;
  els.error.hidden = false;
}

function clearError() {
  els.error.hidden = true;
  els.errorMessage.textContent = '';
  els.errorHint.textContent = '';
}

function clearResult() {
  els.resultCard.hidden = true;
  if (resultUrl) {
    els.result.removeAttribute('src');
    els.result.load();
    URL.revokeObjectURL(resultUrl);
    resultUrl = null;
  }
  releaseResult?.();
  releaseResult = null;
  els.download.removeAttribute('href');
  els.summary.replaceChildren();
}

function resetBoard(workers) {
  tiles = [];
  const empty = document.createElement('p');
  empty.className = 'chunks-empty';
  empty.textContent = 'Looking for keyframes to cut at…';
  els.chunks.replaceChildren(empty);
  els.chunks.classList.remove('compact', 'tiny');
  els.chunkCount.textContent = '';
  els.progress.value = 0;
  els.progress.textContent = '0%';
  els.percent.textContent = '0%';
  els.frames.textContent = '—';
  els.fps.textContent = '—';
  els.speedx.textContent = '—';
  els.elapsed.textContent = '0:00';
  els.eta.textContent = '—';
  els.readLabel.textContent = 'Read 0%';
  buildLanes(workers);
}

function buildLanes(n) {
  laneEls = [];
  els.lanes.replaceChildren();
  for (let i = 0; i < n; i += 1) {
    const lane = document.createElement('div');
    lane.className = 'lane';
    lane.dataset.state = 'idle';
    const name = document.createElement('span');
    name.className = 'lane-name';
    name.textContent = `W${i + 1}`;
    const job = document.createElement('span');
    job.className = 'lane-job';
    job.textContent = 'idle';
    lane.append(name, job);
    els.lanes.append(lane);
    laneEls.push({ lane, job, key: 'idle' });
  }
}

// ---------------------------------------------------------------- chunk tiles

function makeTile(c) {
  const el = document.createElement('div');
  el.className = 'chunk';
  el.dataset.index = String(c.index);
  const top = document.createElement('div');
  top.className = 'chunk-top';
  const idx = document.createElement('span');
  idx.className = 'chunk-index';
  idx.textContent = `#${c.index + 1}`;
  const worker = document.createElement('span');
  worker.className = 'chunk-worker';
  top.append(idx, worker);
  const range = document.createElement('div');
  range.className = 'chunk-range';
  const bar = document.createElement('div');
  bar.className = 'chunk-bar';
  const fill = document.createElement('div');
  fill.className = 'chunk-fill';
  bar.append(fill);
  el.append(top, range, bar);
  return { el, worker, range, fill, lastWorker: null, key: '' };
}

function updateTile(t, c) {
  if (c.worker != null) t.lastWorker = c.worker;
  const frac = c.frames > 0 ? Math.min(1, c.framesDone / c.frames) : c.state === 'done' ? 1 : 0;
  const key = `${c.state}|${c.worker}|${c.framesDone}|${c.frames}|${c.end}|${c.attempts}`;
  if (key === t.key) return;
  t.key = key;
  t.el.dataset.state = c.state;
  const w = c.worker ?? (c.state === 'done' || c.state === 'failed' ? t.lastWorker : null);
  t.worker.textContent = w == null ? '' : `W${w + 1}`;
  t.range.textContent = `${seconds(c.start)}–${c.end == null ? 'end' : seconds(c.end)} s`;
  t.fill.style.width = `${(frac * 100).toFixed(1)}%`;
  t.el.classList.toggle('retried', c.attempts > 1);
  t.el.title = `Chunk ${c.index + 1}: ${c.state}`
    + ` · ${seconds(c.start)}–${c.end == null ? 'end' : seconds(c.end)} s`
    + ` · ${c.framesDone}/${c.frames} frames`
    + (w == null ? '' : ` · worker W${w + 1}`)
    + (c.attempts > 1 ? ` · attempt ${c.attempts}` : '');
}

function renderChunks(chunks) {
  if (chunks.length && !tiles.length) els.chunks.replaceChildren();
  for (const c of chunks) {
    let t = tiles[c.index];
    if (!t) {
      t = makeTile(c);
      tiles[c.index] = t;
      // Keep DOM order = index order even if chunks are reported out of order.
      let next = null;
      for (let j = c.index + 1; j < tiles.length; j += 1) {
        if (tiles[j]) { next = tiles[j].el; break; }
      }
      els.chunks.insertBefore(t.el, next);
    }
    updateTile(t, c);
  }
  const n = chunks.length;
  els.chunks.classList.toggle('compact', n > 120);
  els.chunks.classList.toggle('tiny', n > 600);
}

function renderLanes(p) {
  if (laneEls.length !== p.workers && p.workers > 0) buildLanes(p.workers);
  const busy = new Map();
  for (const c of p.chunks) if (c.worker != null && c.state !== 'done' && c.state !== 'waiting') busy.set(c.worker, c);
  laneEls.forEach((l, i) => {
    const c = busy.get(i);
    const state = c ? c.state : 'idle';
    const text = c ? `#${c.index + 1} ${c.state}` : 'idle';
    const key = `${state}|${text}`;
    if (key === l.key) return;
    l.key = key;
    l.lane.dataset.state = state;
    l.job.textContent = text;
  });
}

// ---------------------------------------------------------------- progress

function statusText(p) {
  if (p.phase === 'finishing') return 'Finishing the MP4…';
  if (p.phase === 'done') return 'Done';
  const n = p.chunks.length;
  const active = p.chunks.some((c) => c.state !== 'waiting');
  if (p.phase === 'reading' && (n === 0 || !active)) return 'Reading…';
  return `Encoding ${plural(n, 'chunk')} on ${plural(p.workers, 'worker')}`;
}

function renderProgress(p) {
  // While the planner is still reading, framesTotal only counts the chunks
  // found so far; scale it by how much of the file has been read so the bar
  // doesn't race ahead and then fall back.
  let total = p.framesTotal;
  if (!p.framesTotalFinal && p.bytesRead > 0 && p.totalBytes > p.bytesRead) {
    total = Math.max(total, Math.round(total * (p.totalBytes / p.bytesRead)));
  }
  const frac = total > 0 ? Math.min(1, p.framesDone / total) : 0;
  const pct = Math.floor(frac * 1000) / 10;
  els.progress.value = pct;
  els.progress.textContent = `${pct}%`;
  els.percent.textContent = `${p.framesTotalFinal ? '' : '~'}${pct.toFixed(pct < 100 ? 1 : 0)}%`;
  els.frames.textContent = p.framesTotal > 0
    ? `${p.framesDone} / ${p.framesTotal}${p.framesTotalFinal ? '' : '+'}`
    : '—';
  els.fps.textContent = p.fps > 0 ? p.fps.toFixed(p.fps < 10 ? 1 : 0) : '—';
  els.speedx.textContent = times(p.speed);
  els.elapsed.textContent = clock(p.elapsedSeconds);
  els.eta.textContent = clock(p.etaSeconds)
    + (p.againstPlan ? ` (${p.againstPlan > 1.15 ? 'slower than' : p.againstPlan < 0.85 ? 'faster than' : 'on'} plan)` : '');
  els.eta.title = p.plannedSeconds ? `planned: ${clock(p.plannedSeconds)}` : '';
  const read = p.totalBytes > 0 ? Math.min(100, (p.bytesRead / p.totalBytes) * 100) : 0;
  els.readLabel.textContent = read >= 100
    ? `Read all ${bytes(p.totalBytes)}`
    : `Read ${read.toFixed(0)}% of ${bytes(p.totalBytes)}`;
  els.chunkCount.textContent = p.chunks.length
    ? `${p.chunks.filter((c) => c.state === 'done').length} / ${p.chunks.length}${p.framesTotalFinal ? '' : '+'}`
    : '';
  els.status.textContent = statusText(p);
  renderChunks(p.chunks);
  renderLanes(p);
}

// ---------------------------------------------------------------- summary

function renderSummary(stats, blob, settings, inputName, output) {
  const rows = [];
  const add = (k, v) => rows.push([k, v]);
  const wall = stats.wallSeconds;
  add('Input', `${bytes(stats.inputBytes)} · ${inputName}`);
  const ratio = stats.inputBytes > 0 ? ` (${((stats.outputBytes / stats.inputBytes) * 100).toFixed(0)}% of input)` : '';
  add('Output', `${bytes(stats.outputBytes ?? blob.size)}${ratio}`);
  if (OUTPUT_PLACES[output]) add('Kept in', OUTPUT_PLACES[output]);
  const video = {
    copy: 'copied from the source',
    h264: 'H.264 Constrained Baseline (re-encoded)',
    av1: `AV1 · ${settings.preset} · speed ${settings.speed} · ${settings.quality === undefined
      ? `quantizer ${AV1_PRESETS[settings.preset].quantizer} or above, at most ${AV1_PRESETS[settings.preset].bitrateCap}% of the source`
      : `quantizer ${settings.quality}`}`,
  };
  add('Video', video[settings.video]);
  if (stats.width && stats.height) add('Picture', `${stats.width}×${stats.height}, ${stats.bitDepth}-bit${stats.deinterlaced ? ', deinterlaced' : ''}`);
  add('Bitrate', bitrate(stats.bitrate));
  add('Duration', `${seconds(stats.outputDuration)} s${Math.abs(stats.outputDuration - stats.inputDuration) > 0.05 ? ` (input ${seconds(stats.inputDuration)} s)` : ''}`);
  add('Frames', `${stats.frames}${stats.audioFrames ? ` video · ${stats.audioFrames} audio` : ''}`);
  const tracks = stats.audioTracks ?? [];
  if (tracks.length === 0) add('Audio', 'none');
  tracks.forEach((t, i) => {
    const what = t.output === 'copy' ? `${t.source} (copied)` : `${t.source} → AAC`;
    const damaged = t.damagedFrames ? ` · ${t.damagedFrames} damaged frames concealed` : '';
    add(tracks.length > 1 ? `Audio ${i + 1}` : 'Audio',
      `${what} · ${t.sampleRate / 1000} kHz · ${t.channels} ch · ${t.language ?? 'und'}${damaged}`);
  });
  add('Chunks', stats.restoredChunks > 0 ? `${stats.chunks} (${stats.restoredChunks} resumed from an earlier run)` : String(stats.chunks));
  add('Wall time', `${wall < 60 ? `${wall.toFixed(2)} s` : clock(wall)}`);
  add('Frames / s', wall > 0 ? (stats.frames / wall).toFixed(1) : '—');
  add('Speed', wall > 0 ? `${times(stats.outputDuration / wall)} real time` : '—');
  add('Workers', String(stats.workers));
  if (stats.skippedLeadingFrames) add('Skipped', `${stats.skippedLeadingFrames} leading frames (before the first keyframe)`);
  if (stats.damagedFrames || stats.replacedFrames) add('Damage', `${stats.damagedFrames} damaged, ${stats.replacedFrames} replaced frames`);

  const dl = document.createElement('dl');
  for (const [k, v] of rows) {
    const row = document.createElement('div');
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    row.append(dt, dd);
    dl.append(row);
  }
  const parts = [dl];
  const warnings = stats.warnings || [];
  if (warnings.length) {
    const box = document.createElement('div');
    box.className = 'warnings';
    const h = document.createElement('h3');
    h.textContent = plural(warnings.length, 'warning');
    const ul = document.createElement('ul');
    for (const w of warnings) {
      const li = document.createElement('li');
      li.textContent = w.offset == null ? w.message : `${w.message} (at byte ${w.offset})`;
      ul.append(li);
    }
    box.append(h, ul);
    parts.push(box);
  }
  els.summary.replaceChildren(...parts);
}

// ---------------------------------------------------------------- the flow

function finishRun(run) {
  if (current === run) current = null;
  setBusy(false);
  showUnfinished();
}

function beginRun(label) {
  if (current) return null;
  const run = { id: ++runCounter, controller: new AbortController() };
  current = run;
  pendingPlan = null;
  els.plan.hidden = true;
  clearError();
  clearResult();
  setBusy(true);
  setState('running');
  els.filename.hidden = false;
  els.filename.textContent = label;
  els.status.textContent = 'Reading…';
  resetBoard(readSettings().workers);
  // Single-column layout: bring the fan-out into view.
  const top = els.runCard.getBoundingClientRect().top;
  if (top > window.innerHeight * 0.6) els.runCard.scrollIntoView({ behavior: 'smooth', block: 'start' });
  return run;
}

async function start(file, run, resume = true, planned = null) {
  const settings = readSettings();
  run.file = file;
  run.settings = settings;
  els.filename.textContent = `${file.name} · ${bytes(file.size)}`;
  els.download.setAttribute('download', outputName(file.name));
  try {
    const { blob, stats, release, output } = await transcode(file, {
      ...settings,
      // The plan's estimate: the ETA before this run has measured itself.
      ...(planned ? { plan: planned.plan, mode: planned.mode } : {}),
      output: takeSaveTarget(),
      resume,
      signal: run.controller.signal,
      onProgress: (p) => {
        if (current === run) renderProgress(p);
      },
    });
    if (current !== run) {
      release();
      return;
    }
    releaseResult = release;
    resultUrl = URL.createObjectURL(blob);
    els.result.src = resultUrl;
    els.download.href = resultUrl;
    els.download.setAttribute('download', outputName(file.name));
    renderSummary(stats, blob, settings, file.name, output);
    els.progress.value = 100;
    els.progress.textContent = '100%';
    els.percent.textContent = '100%';
    els.eta.textContent = '0:00';
    for (const t of tiles) if (t) { t.el.dataset.state = 'done'; t.fill.style.width = '100%'; }
    renderLanes({ workers: laneEls.length, chunks: [] });
    els.status.textContent = 'Done';
    els.resultCard.hidden = false;
    finishRun(run);
    setState('done');
    if (window.innerHeight < els.resultCard.getBoundingClientRect().bottom) {
      els.resultCard.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
    }
  } catch (err) {
    if (current !== run) return;
    fail(run, err);
  }
}

function fail(run, err) {
  const cancelled = (err && err.kind === 'Cancelled') || run.controller.signal.aborted;
  renderLanes({ workers: laneEls.length, chunks: [] });
  finishRun(run);
  if (cancelled && run.discard && run.file) {
    findResumable(run.file, run.settings)
      .then((found) => found && deleteCheckpoint(found.id))
      .catch(() => {})
      .finally(showUnfinished);
  }
  if (cancelled) {
    els.status.textContent = 'Cancelled';
    setState('cancelled');
  } else {
    console.warn('Fanout transcode failed:', err);
    showError(err);
    els.status.textContent = `Failed: ${(err && err.message) || err}`;
    setState('error');
  }
}

async function startFile(file) {
  if (!file || current) return;
  els.plan.hidden = true;
  // An earlier run of this file with these settings stopped (a closed or
  // crashed tab): offer to finish it rather than start over.
  const found = await findResumable(file, readSettings()).catch(() => null);
  if (found && !current) {
    offerResume(file, found);
    return;
  }
  showPlan(file);
}

/** The mode the settings panel is on (a plan's mode id). */
function settingsMode() {
  const s = readSettings();
  return s.video === 'av1' ? `av1-${s.preset}` : s.video;
}

/** Puts the settings panel on a plan's mode. */
function useMode(id) {
  const options = PLAN_MODES[id];
  if (!options) return;
  els.video.value = options.video;
  if (options.preset) {
    els.preset.value = options.preset;
    els.preset.dispatchEvent(new Event('change'));
  }
  syncOutputs();
}

const FATE = { copy: 'kept as it is', transcode: 'converted to AAC', drop: 'dropped' };

/**
 * Dropping a file shows what will happen before anything runs: the tracks
 * and their fate, and each mode's estimated time and size on this device
 * (plan(): probe encodes in a worker), the recommended one chosen. Start
 * runs the chosen mode.
 */
async function showPlan(file) {
  const planning = { file };
  pendingPlan = planning;
  clearError();
  setState('planning');
  els.filename.hidden = false;
  els.filename.textContent = `${file.name} · ${bytes(file.size)}`;
  els.status.textContent = 'Looking at the file…';
  let result;
  try {
    result = await plan(file, { ...readSettings(), workers: readSettings().workers });
  } catch (err) {
    if (pendingPlan !== planning) return;
    pendingPlan = null;
    showError(err);
    els.status.textContent = `Failed: ${(err && err.message) || err}`;
    setState('error');
    return;
  }
  if (pendingPlan !== planning || current) return;
  planning.result = result;
  const v = result.video;
  els.planInput.textContent = `${file.name}: ${bytes(result.inputBytes)}, ${clock(result.duration)}`
    + `${result.durationFrom === 'bitrate' ? ' (estimated from the bitrate)' : ''}, `
    + `${plural(result.chunkPlan.chunks, 'chunk')} on ${plural(result.workers, 'worker')}`;
  const track = (action, text) => {
    const li = document.createElement('li');
    li.dataset.action = action;
    li.textContent = text;
    return li;
  };
  els.planTracks.replaceChildren(
    track('transcode', `Video: ${v.codec} ${v.width}×${v.height}, ${v.frameRate.toFixed(2)} fps`
      + `${v.interlaced ? (v.deinterlace ? ', interlaced: deinterlaced' : ', interlaced') : ''}`),
    ...result.audio.map((a, i) => track(a.action, `Audio ${i + 1}: ${a.codec}`
      + `${a.language ? ` (${a.language})` : ''}${a.channels ? `, ${a.channels} ch` : ''}: `
      + `${FATE[a.action]} (${a.why})`)),
    ...result.leftOut.map((o) => track('drop', `${o.what} (PID ${o.pid}): dropped (${o.why})`)),
  );
  if (result.audio.length === 0) els.planTracks.append(track('drop', 'No audio'));
  const rows = result.modes.map((m) => {
    const label = document.createElement('label');
    label.dataset.mode = m.id;
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'plan-mode';
    radio.value = m.id;
    radio.id = `plan-mode-${m.id}`;
    const name = document.createElement('span');
    name.textContent = m.label + (m.id === result.recommended ? ' (recommended)' : '');
    const time = document.createElement('span');
    time.className = 'plan-time';
    const size = document.createElement('span');
    size.className = 'plan-size';
    if (m.unavailable) {
      radio.disabled = true;
      label.dataset.unavailable = '';
      time.textContent = m.unavailable;
    } else {
      time.textContent = `${clock(m.seconds.estimate)} (${clock(m.seconds.low)}–${clock(m.seconds.high)})`;
      size.textContent = `${bytes(m.bytes.estimate)} (${Math.round(m.sizeRatio * 100)} % of the source)`;
    }
    radio.checked = m.id === result.recommended;
    radio.addEventListener('change', () => useMode(m.id));
    label.append(radio, name, time, size);
    return label;
  });
  els.planModes.replaceChildren(els.planModes.querySelector('legend'), ...rows);
  els.planBecause.textContent = `Recommended: ${result.recommendedBecause}. Estimated from short probe encodes `
    + `on this device (${result.planSeconds.toFixed(1)} s).`;
  useMode(result.recommended);
  els.plan.hidden = false;
  els.status.textContent = 'Choose a mode and press Start';
  setState('planned');
  els.planStart.onclick = () => {
    if (pendingPlan !== planning) return;
    pendingPlan = null;
    els.plan.hidden = true;
    const chosen = els.planModes.querySelector('input[name="plan-mode"]:checked')?.value ?? settingsMode();
    useMode(chosen);
    runFile(file, true, { plan: result, mode: chosen });
  };
  els.planDismiss.onclick = () => {
    pendingPlan = null;
    els.plan.hidden = true;
    els.status.textContent = '';
    setState('idle');
  };
  els.planStart.focus();
}

function runFile(file, resume, planned = null) {
  els.resume.hidden = true;
  els.plan.hidden = true;
  pendingPlan = null;
  const run = beginRun(`${file.name} · ${bytes(file.size)}`);
  if (run) start(file, run, resume, planned);
}

function offerResume(file, found) {
  els.resumeText.textContent = `An earlier transcode of ${file.name} with these settings stopped with `
    + `${plural(found.chunks, 'chunk')} finished. Resume encodes only the rest; the file comes out the same.`;
  els.resume.hidden = false;
  els.resumeGo.onclick = () => runFile(file, true);
  els.resumeRestart.onclick = () => runFile(file, false);
  els.resumeGo.focus();
}

/** Lists the checkpoints of runs that did not finish, each deletable. */
async function showUnfinished() {
  const list = (await listCheckpoints().catch(() => [])).filter((c) => !c.inUse && c.chunks > 0);
  els.unfinished.hidden = list.length === 0;
  els.unfinishedList.replaceChildren(...list.map((c) => {
    const li = document.createElement('li');
    li.textContent = `${c.name || 'unnamed input'}: ${plural(c.chunks, 'chunk')} done (${bytes(c.bytes)}), `
      + `${new Date(c.updatedAt).toLocaleString()} `;
    const del = document.createElement('button');
    del.type = 'button';
    del.className = 'button';
    del.textContent = 'Delete';
    del.onclick = async () => { await deleteCheckpoint(c.id); showUnfinished(); };
    li.append(del);
    return li;
  }));
}
showUnfinished();

async function startSample() {
  const run = beginRun('sample.ts · fetching…');
  if (!run) return;
  els.status.textContent = 'Fetching the sample…';
  try {
    const res = await fetch('./sample.ts', { signal: run.controller.signal });
    if (!res.ok) throw new Error(`Could not fetch the bundled sample (HTTP ${res.status}).`);
    const blob = await res.blob();
    if (current !== run) return;
    if (run.controller.signal.aborted) throw Object.assign(new Error('cancelled'), { kind: 'Cancelled' });
    const file = new File([blob], 'sample.ts', { type: 'video/mp2t' });
    els.status.textContent = 'Reading…';
    await start(file, run);
  } catch (err) {
    if (current !== run) return;
    fail(run, err);
  }
}

els.sample.addEventListener('click', startSample);

els.file.addEventListener('change', () => {
  const file = els.file.files && els.file.files[0];
  if (file) startFile(file);
  els.file.value = '';
});

els.cancel.addEventListener('click', () => {
  if (!current) return;
  els.cancel.disabled = true;
  els.status.textContent = 'Cancelling…';
  // The user stopped it: its checkpoints go too (a closed tab keeps them).
  current.discard = true;
  current.controller.abort();
});

// Drag and drop: highlight the zone; ignore drops elsewhere so a stray drop
// doesn't navigate away from the page.
let dragDepth = 0;
els.drop.addEventListener('dragenter', (e) => {
  e.preventDefault();
  dragDepth += 1;
  els.drop.classList.add('dragover');
});
els.drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  if (e.dataTransfer) e.dataTransfer.dropEffect = current ? 'none' : 'copy';
  els.drop.classList.add('dragover');
});
els.drop.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) els.drop.classList.remove('dragover');
});
els.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  dragDepth = 0;
  els.drop.classList.remove('dragover');
  const file = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
  if (file) startFile(file);
});
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => e.preventDefault());

// Clicking the empty part of the drop zone opens the picker too.
els.drop.addEventListener('click', (e) => {
  if (current || e.target.closest('button, label, input, a')) return;
  els.file.click();
});

window.addEventListener('pagehide', () => {
  if (current) current.controller.abort();
});

setState('idle');
