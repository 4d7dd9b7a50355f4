// What this browser offers Fanout, found by trying the features (never by
// the user agent): what must be there for Fanout to run at all, where the
// output can go, and which results the browser can play.
import { canSpool } from './spool.js';
import { canCheckpoint } from './checkpoint.js';

// (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt): Fanout's wasm
// is built with SIMD128 (rav1e's kernels), so an engine without it cannot
// compile it.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** Whether this engine's WebAssembly has SIMD128 (synchronous). */
export function hasWasmSimd() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

/** Why Fanout's wasm cannot run here, in words, or null when it can. */
export function wasmProblem() {
  if (typeof WebAssembly !== 'object') return 'this browser has no WebAssembly (or it is turned off)';
  if (!hasWasmSimd()) return "this browser's WebAssembly has no SIMD, which Fanout's encoder is built with";
  return null;
}

/** MP4 codec strings of what Fanout writes (8-bit AV1 main, H.264 Constrained Baseline, HEVC main, AAC-LC). */
export const PLAYBACK_TYPES = Object.freeze({
  av1: 'video/mp4; codecs="av01.0.04M.08"',
  h264: 'video/mp4; codecs="avc1.42E01E"',
  hevc: 'video/mp4; codecs="hvc1.1.6.L93.B0"',
  aac: 'audio/mp4; codecs="mp4a.40.2"',
});

/** Asks a module worker what workers have here: a classic-only engine fails
 * to parse it (it uses import.meta), which is the answer "no module workers". */
function askWorker() {
  return new Promise((resolve) => {
    let worker;
    const answer = (value) => {
      clearTimeout(timer);
      worker?.terminate();
      resolve(value);
    };
    const timer = setTimeout(() => answer(null), 10_000);
    try {
      worker = new Worker(new URL('./support-worker.js', import.meta.url), { type: 'module' });
    } catch {
      answer(null);
      return;
    }
    worker.onmessage = ({ data }) => answer(data);
    worker.onerror = (e) => {
      e.preventDefault?.();
      answer(null);
    };
  });
}

/** Whether the Origin Private File System opens (it exists but is refused
 * in some private-browsing modes). */
export async function opfsOpens() {
  if (!canSpool()) return false;
  try {
    await navigator.storage.getDirectory();
    return true;
  } catch {
    return false;
  }
}

/**
 * What this browser offers (resolves in well under a second):
 * `{ canRun, wasm, wasmSimd, moduleWorkers, opfs, syncAccessHandles, output,
 *    resume, saveFilePicker, crossOriginIsolated, sharedArrayBuffer,
 *    threads, play: { av1, h264, hevc, aac } }`.
 * `output` is where `transcode()` puts the MP4 by default ('opfs' or
 * 'memory'); `play[codec]` is true when MediaSource or a `<video>` element
 * says it plays MP4 with that codec.
 */
export async function browserSupport() {
  const [worker, opfs] = await Promise.all([
    typeof Worker === 'function' ? askWorker() : null,
    opfsOpens(),
  ]);
  const moduleWorkers = worker?.module === true;
  const syncAccessHandles = worker?.syncAccessHandles === true;
  const wasmSimd = hasWasmSimd();
  const video = typeof document === 'object' ? document.createElement('video') : null;
  const play = {};
  for (const [codec, type] of Object.entries(PLAYBACK_TYPES)) {
    const element = codec === 'aac' ? (typeof document === 'object' ? document.createElement('audio') : null) : video;
    play[codec] = !!globalThis.MediaSource?.isTypeSupported?.(type) || (element?.canPlayType(type) ?? '') !== '';
  }
  const disk = opfs && syncAccessHandles;
  return {
    canRun: wasmSimd && moduleWorkers,
    wasm: typeof WebAssembly === 'object',
    wasmSimd,
    moduleWorkers,
    opfs,
    syncAccessHandles,
    output: disk ? 'opfs' : 'memory',
    resume: disk && canCheckpoint(),
    saveFilePicker: typeof globalThis.showSaveFilePicker === 'function',
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    threads: globalThis.navigator?.hardwareConcurrency ?? null,
    play,
  };
}
