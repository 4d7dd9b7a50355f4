// Fanout's browser API: transcode(blob, options) → { blob, stats }.
import { claimSpool } from './spool.js';
import { canCheckpoint, claimCheckpoint } from './checkpoint.js';
import { opfsOpens, wasmProblem } from './support.js';

export { listCheckpoints, deleteCheckpoint } from './checkpoint.js';
export { browserSupport } from './support.js';
//
// Main thread = a small scheduler. A coordinator worker reads, demuxes,
// plans and muxes; a pool of chunk workers (one wasm instance each, so each
// encoder has its own memory) runs the chunk jobs as they free up. Results
// are muxed in order as they arrive. Nothing here needs SharedArrayBuffer.

/** A failed transcode; `kind` names the problem. */
export class TranscodeError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = 'TranscodeError';
    this.kind = kind;
  }
}

const TYPED = new Set([
  'NotTransportStream', 'NoVideo', 'UnsupportedCodec', 'UnsupportedFeature',
  'NoDecodableFrame', 'Malformed', 'Limit', 'InvalidSettings', 'Cancelled', 'StorageFull', 'UnsupportedBrowser',
]);

const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
function camelKeys(value) {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), camelKeys(v)]));
  }
  return value;
}

/**
 * AV1 presets: the same table as `Av1Preset::settings` in src/encode/av1.rs
 * (the browser test that compares CLI and browser bytes at the defaults
 * keeps the two in step).
 */
export const AV1_PRESETS = Object.freeze({
  fast: { speed: 10, quantizer: 80, lowLatency: true, bitrateCap: 80 },
  balanced: { speed: 9, quantizer: 80, lowLatency: true, bitrateCap: 80 },
  small: { speed: 8, quantizer: 80, lowLatency: true, bitrateCap: 80 },
});

/** Options in the Rust `Settings` JSON shape. */
function rustSettings(o) {
  const invalid = (message) => new TranscodeError('InvalidSettings', message);
  const preset = AV1_PRESETS[o.preset ?? 'balanced'];
  if (!preset) throw invalid(`preset must be fast, balanced or small, not ${o.preset}`);
  let video;
  switch (o.video ?? 'av1') {
    case 'av1':
      video = {
        Av1: {
          speed: o.speed ?? preset.speed,
          quantizer: o.quality ?? preset.quantizer,
          max_keyframe_interval: o.maxKeyframeInterval ?? 0,
          low_latency: o.lowLatency ?? preset.lowLatency,
          // As the CLI: a quantizer set by hand means "this quality", so
          // the preset's cap is off unless one is asked for.
          bitrate_cap_percent: o.bitrateCap ?? (o.quality === undefined ? preset.bitrateCap : 0),
        },
      };
      break;
    case 'h264':
      video = { H264: { qp: o.qp ?? 28 } };
      break;
    case 'copy':
      video = 'Copy';
      break;
    default:
      throw invalid(`video must be av1, h264 or copy, not ${o.video}`);
  }
  const deinterlace = { auto: 'Auto', on: 'On', off: 'Off' }[o.deinterlace ?? 'auto'];
  if (!deinterlace) throw invalid(`deinterlace must be auto, on or off, not ${o.deinterlace}`);
  const split = { anywhere: 'Anywhere', keyframes: 'Keyframes' }[o.split ?? 'anywhere'];
  if (!split) throw invalid(`split must be anywhere or keyframes, not ${o.split}`);
  const mode = { aac: 'Aac', none: 'None' }[o.audio ?? 'aac'];
  if (!mode) throw invalid(`audio must be aac or none, not ${o.audio}`);
  const tracks = { all: 'All', first: 'First' }[o.audioTracks ?? 'all'];
  if (!tracks) throw invalid(`audioTracks must be all or first, not ${o.audioTracks}`);
  const audio = {
    mode,
    tracks,
    bitrate: o.audioBitrate ? Math.round(o.audioBitrate * 1000) : null,
    channels: o.audioChannels ?? null,
  };
  const container = o.container ?? 'mp4';
  if (container !== 'mp4' && container !== 'fmp4') throw invalid(`container must be mp4 or fmp4, not ${container}`);
  return {
    video, chunk_seconds: o.chunkSeconds ?? 2, split, deinterlace, duration_limit: o.duration ?? null, audio, container,
  };
}

// Literal `new Worker(new URL('…', import.meta.url))` so bundlers (Vite,
// webpack, Rollup) find the worker files and their wasm.
const newCoordinator = () => new Worker(new URL('./coordinator-worker.js', import.meta.url), { type: 'module' });
const newChunkWorker = () => new Worker(new URL('./chunk-worker.js', import.meta.url), { type: 'module' });

/** The transcode options of each of a plan's modes. */
export const PLAN_MODES = Object.freeze({
  'av1-fast': { video: 'av1', preset: 'fast' },
  'av1-balanced': { video: 'av1', preset: 'balanced' },
  'av1-small': { video: 'av1', preset: 'small' },
  h264: { video: 'h264' },
  copy: { video: 'copy' },
});

// A worker's speed with every worker busy against one alone, in the
// browser: bench/engines measured 16.9 fps on 2 workers against 10.3 on 1
// in Chromium (0.82).
const BROWSER_PARALLEL_EFFICIENCY = 0.82;

const defaultWorkers = (options) =>
  Math.max(1, Math.floor(options.workers ?? globalThis.navigator?.hardwareConcurrency ?? 2));

/**
 * What a transcode of `input` will do and take, before anything runs:
 * its tracks and what happens to each, the chunk plan, and for every video
 * mode the estimated wall time on this device (with `options.workers`)
 * and output size, each a `{ low, estimate, high }` range. Reads only the
 * file's head and tail; times probe encodes of its first frames in a
 * worker. `options.goal` ('smaller' | 'plays-everywhere') picks
 * `recommended`. Pass the result to `transcode(input, { plan, mode })`.
 */
export async function plan(input, options = {}) {
  let settings;
  try {
    settings = rustSettings(options);
  } catch (err) {
    return Promise.reject(err);
  }
  const unable = wasmProblem();
  if (unable) throw new TranscodeError('UnsupportedBrowser', `${unable}: Fanout cannot transcode here`);
  const workers = defaultWorkers(options);
  const goal = options.goal ?? 'smaller';
  if (goal !== 'smaller' && goal !== 'plays-everywhere') {
    throw new TranscodeError('InvalidSettings', `goal must be smaller or plays-everywhere, not ${goal}`);
  }
  const worker = newChunkWorker();
  const onAbort = () => worker.terminate();
  try {
    const json = await new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => {
        if (data.type === 'plan') resolve(data.json);
        else if (data.type === 'error') {
          const kind = TYPED.has(data.name) ? data.name : 'Error';
          reject(new TranscodeError(kind, data.message));
        }
      };
      worker.onerror = (event) => {
        event.preventDefault?.();
        reject(new TranscodeError('WorkerCrashed', event.message || 'the planning worker crashed'));
      };
      options.signal?.addEventListener('abort', () => {
        onAbort();
        reject(new TranscodeError('Cancelled', 'cancelled'));
      }, { once: true });
      worker.postMessage({
        type: 'plan',
        input,
        settings: JSON.stringify(settings),
        options: JSON.stringify({ workers, parallel_efficiency: BROWSER_PARALLEL_EFFICIENCY, goal }),
      });
    });
    const result = camelKeys(JSON.parse(json));
    for (const m of result.modes) {
      // `video` stays as the Rust settings; `options` is what transcode() takes.
      m.options = { ...PLAN_MODES[m.id] };
    }
    result.options = { ...options, signal: undefined, onProgress: undefined };
    return result;
  } finally {
    worker.terminate();
  }
}

/** Transcodes `input` (a File or Blob, read in slices) to an MP4 Blob. */
export async function transcode(input, options = {}) {
  if (options.plan) {
    // The plan's mode (its recommended one unless `mode` names another):
    // the plan's options, then the mode's, then what is passed here.
    const { plan: planned, mode = planned.recommended, ...rest } = options;
    const chosen = planned.modes.find((m) => m.id === mode);
    if (!chosen || chosen.unavailable) {
      return Promise.reject(new TranscodeError('InvalidSettings',
        chosen ? `mode ${mode}: ${chosen.unavailable}` : `the plan has no mode ${mode}`));
    }
    options = { ...planned.options, workers: planned.workers, ...chosen.options, ...rest, planned: chosen };
  }
  const workerCount = defaultWorkers(options);
  const signal = options.signal;
  const onProgress = options.onProgress ?? (() => {});
  let settings;
  try {
    settings = rustSettings(options);
  } catch (err) {
    return Promise.reject(err);
  }
  if (signal?.aborted) return Promise.reject(new TranscodeError('Cancelled', 'cancelled'));
  const unable = wasmProblem();
  if (unable) return Promise.reject(new TranscodeError('UnsupportedBrowser', `${unable}: Fanout cannot transcode here`));
  // OPFS may exist and still be refused (Firefox's private windows: a
  // SecurityError): then the output stays in memory.
  const opfs = await opfsOpens();
  const output = options.output ?? (opfs ? 'opfs' : 'memory');
  const isHandle = typeof output?.createWritable === 'function';
  const isStream = typeof output?.getWriter === 'function';
  if (!isHandle && !isStream && output !== 'opfs' && output !== 'memory') {
    return Promise.reject(new TranscodeError('InvalidSettings',
      `output must be 'opfs', 'memory', a FileSystemFileHandle or a WritableStream, not ${output}`));
  }
  if (output === 'opfs' && !opfs) {
    return Promise.reject(new TranscodeError('InvalidSettings',
      "output 'opfs': this browser has no Origin Private File System, or refuses it to this page"));
  }
  // A fast-start MP4 has its index in front, known only at the end: its
  // payload is spooled to OPFS and copied into a file or stream once. A
  // fragmented MP4 is final as it is made and goes straight there.
  const useSpool = output === 'opfs' || ((isHandle || isStream) && settings.container === 'mp4' && opfs);
  // Room for the output: a copy is about the input's size; re-encodes are
  // smaller (AV1 and H.264 at the defaults come out well under the input).
  const expected = (options.video ?? 'av1') === 'copy' ? input.size * 1.05 : input.size * 0.6;
  const spool = useSpool
    ? await claimSpool(expected).catch((err) => { throw new TranscodeError(err.kind ?? 'Error', err.message); })
    : null;
  let destination = null;
  if (isHandle || isStream) {
    try {
      destination = await openDestination(output, isHandle);
    } catch (err) {
      spool?.remove();
      throw new TranscodeError('Error', `the output file could not be opened for writing: ${err.message}`);
    }
  }
  // Finished chunks are kept in OPFS so a run that stops can resume. Copy
  // is fast enough to redo; checkpoints would double its writes.
  const checkpoints = options.checkpoints ?? settings.video !== 'Copy';
  const claim = checkpoints && opfs && canCheckpoint()
    ? await claimCheckpoint(input, settings, options.resume ?? true).catch(() => null)
    : null;
  return run(input, settings, workerCount, signal, onProgress, spool, destination, claim, options.planned);
}

/**
 * The checkpoints an earlier, interrupted run of `input` with these options
 * left (`{ id, chunks, bytes, updatedAt, … }`), or null: what the page
 * offers to resume.
 */
export async function findResumable(input, options = {}) {
  const { findCheckpoint } = await import('./checkpoint.js');
  return findCheckpoint(input, rustSettings(options));
}

/**
 * A file the user picked (FileSystemFileHandle) or any WritableStream, as
 * an ordered writer. A handle's writes go to a swap file that replaces the
 * file only on close, so a cancelled or failed run leaves nothing behind.
 */
async function openDestination(output, isHandle) {
  const stream = isHandle ? await output.createWritable() : output;
  const writer = stream.getWriter();
  let chain = Promise.resolve();
  let failed = null;
  return {
    kind: isHandle ? 'file' : 'stream',
    /** Queues `bytes` (an ArrayBuffer or view) after everything before it. */
    write(bytes) {
      chain = chain.then(() => writer.write(bytes)).catch((err) => { failed ??= err; });
    },
    /** Queues a Blob's bytes, read a piece at a time. */
    writeBlob(blob) {
      chain = chain.then(async () => {
        const reader = blob.stream().getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          await writer.write(value);
        }
      }).catch((err) => { failed ??= err; });
    },
    async close() {
      await chain;
      if (failed) throw failed;
      await writer.close();
      return isHandle ? output.getFile() : null;
    },
    abort() {
      chain.then(() => writer.abort()).catch(() => {});
    },
  };
}

function run(input, settings, workerCount, signal, onProgress, claimed, destination, checkpoint, planned) {
  let spool = claimed;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const coordinator = newCoordinator();
    const slots = []; // { worker, busy: chunkIndex | null }
    const chunks = []; // ChunkProgress
    const chunkBytes = new Map(); // index → ArrayBuffer (kept for a retry)
    const queue = []; // indices waiting for a worker
    const timeline = []; // ChunkTiming per finished chunk
    const parts = [];
    let jobSettings = null;
    let eof = false;
    let totalChunks = null;
    let muxed = 0;
    let restored = 0;
    let framesPlanned = 0;
    let skipped = 0;
    let peakWorkerMemory = 0;
    let bytesRead = 0;
    let finishing = false;
    let settled = false;
    let lastReport = 0;
    const warnings = [];

    const cleanup = () => {
      coordinator.terminate();
      for (const s of slots) s.worker.terminate();
      slots.length = 0;
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err) => {
      if (settled) return;
      settled = true;
      cleanup();
      // Cancel or failure: no partial output is left behind. The
      // checkpoints stay (resume after a closed tab, or once the problem is
      // fixed, e.g. disk space freed); deleteCheckpoint() drops them.
      destination?.abort();
      // Settled once the spool is gone and the checkpoints' lock is free (so
      // the caller may delete them).
      Promise.allSettled([spool?.remove(), checkpoint?.keep()]).finally(() => reject(err));
    };
    const onAbort = () => fail(new TranscodeError('Cancelled', 'cancelled'));
    signal?.addEventListener('abort', onAbort);

    const report = (phase, force = false) => {
      const now = performance.now();
      if (!force && now - lastReport < 100) return;
      lastReport = now;
      const elapsed = (now - started) / 1000;
      const framesDone = chunks.reduce((n, c) => n + c.framesDone, 0);
      const mediaDone = chunks.reduce((t, c) => t + (c.frames ? (c.framesDone / c.frames) * c.span : 0), 0);
      // Speed from this run's own work: chunks restored from checkpoints
      // took no time.
      const encoded = chunks.reduce((n, c) => n + (c.restored ? 0 : c.framesDone), 0);
      const fps = elapsed > 0 ? encoded / elapsed : 0;
      const left = framesPlanned - framesDone;
      const measuredEta = fps > 0 && encoded > 0
        ? (eof ? left : framesPlanned * (input.size / Math.max(bytesRead, 1)) - framesDone) / fps
        : null;
      // Until this run has measured itself, the plan's estimate is the ETA.
      const plannedEta = planned?.seconds ? Math.max(0, planned.seconds.estimate - elapsed) : null;
      onProgress({
        phase,
        bytesRead,
        totalBytes: input.size,
        framesDone,
        framesTotal: framesPlanned,
        framesTotalFinal: eof,
        fps,
        speed: elapsed > 0 ? mediaDone / elapsed : 0,
        // Before reading ends the total is a lower bound: scale by bytes.
        restoredChunks: restored,
        etaSeconds: measuredEta ?? plannedEta,
        // The plan's estimate, and how this run compares with it so far
        // (elapsed + ETA over the estimate: 1 is on plan).
        plannedSeconds: planned?.seconds?.estimate ?? null,
        plannedBytes: planned?.bytes?.estimate ?? null,
        againstPlan: planned?.seconds && measuredEta !== null
          ? (elapsed + measuredEta) / planned.seconds.estimate
          : null,
        elapsedSeconds: elapsed,
        workers: workerCount,
        chunks: chunks.map((c) => ({ ...c })),
      });
    };

    // Ask the coordinator to read on while fewer than two chunks per worker
    // are planned but unfinished: enough to keep every worker busy.
    const pull = () => {
      const inFlight = queue.length + slots.filter((s) => s.busy !== null).length;
      if (!eof && inFlight < workerCount * 2) {
        coordinator.postMessage({ type: 'pull', count: workerCount * 2 - inFlight });
      }
    };

    const startWorker = (slot) => {
      const worker = newChunkWorker();
      slot.worker = worker;
      worker.onmessage = ({ data }) => onChunkMessage(slot, data);
      // A worker that dies without a message (out of memory) is a crash.
      worker.onerror = (event) => {
        event.preventDefault?.();
        if (slot.busy !== null) crashed(slot, event.message || 'worker crashed');
      };
    };

    const dispatch = () => {
      if (!jobSettings) return;
      for (const slot of slots) {
        if (slot.busy !== null || queue.length === 0) continue;
        // Biggest job first: the tail of a run is where workers idle.
        let at = 0;
        for (let i = 1; i < queue.length; i++) {
          if (chunks[queue[i]].work > chunks[queue[at]].work) at = i;
        }
        const [index] = queue.splice(at, 1);
        const c = chunks[index];
        c.startedAt = performance.now();
        c.state = 'decoding';
        c.worker = slot.id;
        c.attempts += 1;
        c.framesDone = 0;
        slot.busy = index;
        // Transfer a copy: the original stays here for a retry.
        const bytes = chunkBytes.get(index).slice(0);
        slot.worker.postMessage({ type: 'run', index, bytes, jobSettings }, [bytes]);
      }
      pull();
    };

    const crashed = (slot, message) => {
      const index = slot.busy;
      const c = chunks[index];
      slot.worker.terminate();
      slot.busy = null;
      startWorker(slot);
      if (c.attempts >= 2) {
        c.state = 'failed';
        report('encoding', true);
        const end = c.end === null ? 'the end' : `${c.end.toFixed(2)} s`;
        fail(new TranscodeError('WorkerCrashed',
          `chunk ${index} (source time ${c.start.toFixed(2)} s to ${end}) crashed twice: ${message}`));
        return;
      }
      c.state = 'waiting';
      c.worker = null;
      queue.unshift(index);
      dispatch();
    };

    const onChunkMessage = (slot, data) => {
      if (settled) return;
      const c = chunks[data.index];
      if (data.type === 'progress') {
        c.state = 'encoding';
        c.framesDone = data.framesDone;
        report('encoding');
      } else if (data.type === 'done') {
        c.state = 'done';
        c.framesDone = c.frames;
        timeline.push({
          index: c.index, frames: c.frames, warmupFrames: c.warmupFrames, worker: slot.id,
          start: (c.startedAt - started) / 1000, end: (performance.now() - started) / 1000,
        });
        c.worker = null;
        slot.busy = null;
        chunkBytes.delete(data.index);
        peakWorkerMemory = Math.max(peakWorkerMemory, data.memoryBytes ?? 0);
        coordinator.postMessage({ type: 'encoded', index: data.index, bytes: data.bytes, key: c.key }, [data.bytes]);
        report('encoding', true);
        dispatch();
      } else if (data.type === 'error') {
        if (TYPED.has(data.name)) {
          c.state = 'failed';
          fail(new TranscodeError(data.name, data.message));
        } else {
          crashed(slot, `${data.name}: ${data.message}`);
        }
      }
    };

    const maybeFinish = () => {
      if (eof && totalChunks !== null && muxed === totalChunks && !finishing) {
        finishing = true;
        report('finishing', true);
        coordinator.postMessage({ type: 'finish' });
      }
    };

    coordinator.onerror = (event) => {
      event.preventDefault?.();
      fail(new TranscodeError('Error', event.message || 'the coordinator worker failed'));
    };
    coordinator.onmessage = ({ data }) => {
      if (settled) return;
      switch (data.type) {
        case 'no-spool':
          // The worker cannot write OPFS files: keep the parts in memory.
          spool.remove();
          spool = null;
          break;
        case 'started':
          pull();
          break;
        case 'chunk': {
          const { info } = data;
          chunks[info.index] = {
            index: info.index, state: 'waiting', worker: null, frames: info.frames, framesDone: 0,
            start: info.start, end: info.end, attempts: 0, span: info.span,
            warmupFrames: info.warmupFrames, work: info.work, key: data.key ?? null, restored: !!data.restored,
          };
          if (data.restored) {
            // An earlier run's result: the coordinator muxes it as it is.
            Object.assign(chunks[info.index], { state: 'done', framesDone: info.frames });
            restored += 1;
            report('encoding');
            pull();
            break;
          }
          chunkBytes.set(info.index, data.bytes);
          queue.push(info.index);
          dispatch();
          break;
        }
        case 'format':
          jobSettings = data.jobSettings;
          for (let id = 0; id < workerCount; id++) {
            const slot = { id, worker: null, busy: null };
            startWorker(slot);
            slots.push(slot);
          }
          dispatch();
          break;
        case 'read':
          bytesRead = data.bytesRead;
          framesPlanned = data.framesPlanned;
          skipped = data.skipped;
          warnings.push(...data.warnings);
          report(eof ? 'encoding' : 'reading');
          break;
        case 'eof':
          eof = true;
          totalChunks = data.chunks;
          report('encoding', true);
          maybeFinish();
          break;
        case 'part':
          if (data.part?.byteLength > 0) {
            // Straight out when the file is final as it is made; kept
            // otherwise (a fast-start file without OPFS: the index goes first).
            if (destination && settings.container === 'fmp4') destination.write(data.part);
            else parts.push(data.part);
          }
          if (data.ack) muxed += 1;
          maybeFinish();
          break;
        case 'done': {
          settled = true;
          finishDone(data);
          break;
        }
        case 'error':
          fail(new TranscodeError(TYPED.has(data.name) ? data.name : 'Error', data.message));
          break;
      }
    };

    // The result: disk-backed from the spool (header + payload file), the
    // file the caller gave, or the parts in memory.
    const finishDone = async (data) => {
      let blob;
      try {
        const body = spool
          ? new Blob([data.header, await spool.file()], { type: 'video/mp4' })
          : new Blob([data.header, ...parts, ...(data.last ? [data.last] : [])], { type: 'video/mp4' });
        parts.length = 0;
        if (destination) {
          if (settings.container === 'fmp4' && !spool) {
            if (data.last?.byteLength > 0) destination.write(data.last);
          } else {
            destination.writeBlob(body);
          }
          blob = await destination.close();
          // The copy in OPFS is not needed once the file has it.
          if (spool && destination) await spool.remove();
        } else {
          blob = body;
        }
      } catch (err) {
        cleanup();
        spool?.remove();
        destination?.abort();
        const full = err?.name === 'QuotaExceededError';
        reject(new TranscodeError(full ? 'StorageFull' : 'Error', `the output could not be written: ${err.message}`));
        return;
      }
      const summary = data.summary;
      summary.wall_seconds = (performance.now() - started) / 1000;
      summary.input_bytes = input.size;
      summary.skipped_leading_frames = skipped;
      summary.warnings = [...warnings, ...(summary.warnings ?? [])];
      timeline.sort((a, b) => a.index - b.index);
      const stats = {
        ...camelKeys(summary), restoredChunks: restored, workers: workerCount, peakWorkerMemory,
        timeline, serialSeconds: data.serialSeconds ?? null,
      };
      report('done', true);
      cleanup();
      await checkpoint?.finish();
      // The spool's lock stays held while this page lives (the Blob reads
      // the file); `release()` deletes it sooner.
      const kind = destination?.kind ?? (spool ? 'opfs' : 'memory');
      resolve({ blob, stats, output: kind, release: () => (kind === 'opfs' ? spool.remove() : undefined) });
    };

    coordinator.postMessage({
      type: 'start', file: input, settings, spool: spool?.name ?? null, checkpoint: checkpoint?.id ?? null,
    });
  });
}
