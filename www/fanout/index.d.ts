/**
 * Fanout: transcode an MPEG transport stream (.ts/.m2ts/.mts) to an AV1 MP4
 * (or a fast H.264 MP4) in the browser. The stream is cut into independent
 * chunks (at any frame: a chunk decodes from the keyframe before it) and
 * the chunks are encoded in parallel, biggest first, one Web Worker per core, each
 * with its own WebAssembly instance. No server, no SharedArrayBuffer
 * needed (works on pages that are not cross-origin isolated).
 */

/** Where one chunk is. */
export type ChunkState = 'waiting' | 'decoding' | 'encoding' | 'done' | 'failed';

export interface ChunkProgress {
  /** Position in the output, from 0. */
  index: number;
  state: ChunkState;
  /** Worker slot running it (0-based), or null while waiting / when done. */
  worker: number | null;
  /** Frames this chunk outputs. */
  frames: number;
  framesDone: number;
  /** Source time range in seconds; `end` is null for the last chunk. */
  start: number;
  end: number | null;
  /** Taken from an earlier run's checkpoint, not encoded in this one. */
  restored: boolean;
  /** Runs so far (a crashed worker's chunk is retried once). */
  attempts: number;
}

export interface Progress {
  phase: 'reading' | 'encoding' | 'finishing' | 'done';
  bytesRead: number;
  totalBytes: number;
  framesDone: number;
  /** Frames planned so far; final once `framesTotalFinal`. */
  framesTotal: number;
  framesTotalFinal: boolean;
  /** Frames encoded per second of wall time so far (restored chunks not counted). */
  fps: number;
  /** Chunks taken from an earlier run's checkpoints. */
  restoredChunks: number;
  /** Media seconds encoded per wall second. */
  speed: number;
  /**
   * Estimated seconds left: from this run's own speed once it has some,
   * before that from the plan's estimate (with `plan`), else null.
   */
  etaSeconds: number | null;
  /** With `plan`: the plan's estimated wall time and size for this mode. */
  plannedSeconds: number | null;
  plannedBytes: number | null;
  /** With `plan`: (elapsed + ETA) / planned seconds; 1 is on plan. */
  againstPlan: number | null;
  elapsedSeconds: number;
  workers: number;
  chunks: ChunkProgress[];
}

/** AV1 presets (see `AV1_PRESETS`). */
export type Av1Preset = 'fast' | 'balanced' | 'small';

/** The settings behind each AV1 preset. */
export const AV1_PRESETS: Readonly<Record<Av1Preset, { speed: number; quantizer: number; lowLatency: boolean; bitrateCap: number }>>;

export interface TranscodeOptions {
  /** AV1 preset: `'fast'`, `'balanced'` (default) or `'small'`. */
  preset?: Av1Preset;
  /** rav1e speed 0 (slowest, smallest) to 10 (fastest); overrides the preset's. */
  speed?: number;
  /**
   * AV1 quantizer 0-255 (lower: better and bigger); overrides the preset's (80). Set alone, it
   * turns the preset's bitrate cap off (one quantizer everywhere), as the CLI's `--quality`.
   */
  quality?: number;
  /**
   * Cap each chunk's AV1 at this percentage of the source chunk's bytes, 0-100 (0: off), at best
   * `quality`. Default (no `quality` given) 80: the output is smaller than the source.
   */
  bitrateCap?: number;
  /** rav1e low-latency mode (no frame reordering: faster); overrides the preset's. */
  lowLatency?: boolean;
  /** H.264 QP 0-51 for `video: 'h264'`. Default 28. */
  qp?: number;
  /** Target chunk length in seconds. Default 2. */
  chunkSeconds?: number;
  /** `'anywhere'` (default): chunks may start at any frame; `'keyframes'`: only at the source's keyframes. */
  split?: 'anywhere' | 'keyframes';
  /** Parallel chunk workers. Default `navigator.hardwareConcurrency`. */
  workers?: number;
  /**
   * `'av1'` (default) re-encodes to AV1; `'h264'` re-encodes to H.264
   * Constrained Baseline (much faster, bigger files); `'copy'` remuxes the
   * H.264 untouched.
   */
  video?: 'av1' | 'h264' | 'copy';
  /** Deinterlace interlaced sources: `'auto'` (default), `'on'`, `'off'`. */
  deinterlace?: 'auto' | 'on' | 'off';
  /** Transcode only the first this many seconds. */
  duration?: number;
  /**
   * `'aac'` (default): AAC is kept as it is, MP2, AC-3, E-AC-3, LATM and
   * LPCM are encoded to AAC-LC; `'none'`: no audio.
   */
  audio?: 'aac' | 'none';
  /** `'all'` (default): every audio track, each with its language; `'first'`: only the first. */
  audioTracks?: 'all' | 'first';
  /** AAC bitrate of encoded tracks in kbit/s. Default 64 per channel. */
  audioBitrate?: number;
  /** Downmix encoded tracks to 1 or 2 channels. Default: keep the source's. */
  audioChannels?: 1 | 2;
  /** Maximum frames between keyframes inside a chunk (0: none). */
  maxKeyframeInterval?: number;
  /** Aborting stops every worker and rejects with a `TranscodeError` of kind `'Cancelled'`. */
  signal?: AbortSignal;
  /** Called several times a second with the fan-out's state. */
  onProgress?: (progress: Progress) => void;
  /**
   * Where the MP4 goes.
   * - `'opfs'` (the default where the browser has OPFS sync access
   *   handles): written to a file in the Origin Private File System as it
   *   is made; the result `Blob` is backed by that file, so memory does not
   *   grow with the output.
   * - a `FileSystemFileHandle` (e.g. from `showSaveFilePicker()`): the MP4
   *   is written into that file; the result `blob` is its `File`. A
   *   cancelled or failed run leaves the file as it was.
   * - a `WritableStream`: the MP4's bytes are written to it in order; the
   *   result `blob` is null.
   * - `'memory'`: the parts are kept in memory (small outputs, or browsers
   *   without OPFS).
   *
   * With `container: 'fmp4'` a file or stream receives each fragment as it
   * is made. A fast-start `'mp4'` has its index in front, known only at
   * the end, so its payload is spooled to OPFS and copied once at the end.
   */
  output?: 'opfs' | 'memory' | FileSystemFileHandle | WritableStream<Uint8Array>;
  /**
   * `'mp4'` (default): one index in front (fast start), plays everywhere.
   * `'fmp4'`: fragmented MP4, one `moof`+`mdat` per chunk and an `mfra` at
   * the end; streams out in order with no second pass.
   */
  container?: 'mp4' | 'fmp4';
  /**
   * Keep every finished chunk in OPFS while running, so a run that stops
   * (closed or crashed tab) can resume. Default: true, except for `'copy'`.
   */
  checkpoints?: boolean;
  /**
   * Use the checkpoints an earlier run of the same input (name, size,
   * lastModified, first and last MiB) and settings left: only the missing
   * chunks are encoded, and the output is the same bytes. Default true;
   * false deletes them and starts over.
   */
  resume?: boolean;
  /** A `plan()` result: run one of its modes with its options (no re-planning). */
  plan?: Plan;
  /** With `plan`: the mode to run (default: the plan's `recommended`). */
  mode?: PlanModeId;
}

/** The video modes a plan estimates. */
export type PlanModeId = 'av1-fast' | 'av1-balanced' | 'av1-small' | 'h264' | 'copy';

/** The transcode options of each mode. */
export const PLAN_MODES: Readonly<Record<PlanModeId, TranscodeOptions>>;

export interface PlanOptions extends TranscodeOptions {
  /** What `recommended` aims at. Default `'smaller'`. */
  goal?: 'smaller' | 'plays-everywhere';
  signal?: AbortSignal;
}

/** A value and the range it is likely in. */
export interface Estimate {
  low: number;
  estimate: number;
  high: number;
}

export interface PlanMode {
  id: PlanModeId;
  label: string;
  /** Estimated wall time on this device with the plan's workers, seconds. */
  seconds: Estimate | null;
  /** Estimated output size, bytes. */
  bytes: Estimate | null;
  /** Output size against the input's. */
  sizeRatio: number | null;
  /** Why this mode cannot take the input (then no estimates). */
  unavailable: string | null;
  /** The options `transcode()` gets for this mode. */
  options: TranscodeOptions;
  /** What the probe encodes measured. */
  probe: { firstFrameSeconds: number; seconds: number; frames: number; frameBytes: number[] } | null;
}

export interface AudioFate {
  pid: number;
  codec: string;
  language: string | null;
  action: 'copy' | 'transcode' | 'drop';
  sampleRate: number | null;
  channels: number | null;
  why: string;
}

/** What `plan()` found and estimates. */
export interface Plan {
  inputBytes: number;
  /** Seconds of video the transcode covers. */
  duration: number;
  durationFrom: 'timestamps' | 'bitrate' | 'duration limit';
  program: number;
  video: {
    pid: number; codec: string; width: number; height: number; bitDepth: number;
    frameRate: number; interlaced: boolean; deinterlace: boolean;
  };
  audio: AudioFate[];
  /** Streams the output will not carry (subtitles, data, DTS, a second video). */
  leftOut: { pid: number; streamType: number; what: string; why: string }[];
  chunkPlan: { chunks: number; frames: number; framesPerChunk: number; warmupShare: number; skippedLeadingFrames: number };
  workers: number;
  modes: PlanMode[];
  recommended: PlanModeId;
  recommendedBecause: string;
  /** Seconds the plan took. */
  planSeconds: number;
  warnings: string[];
  /** The options it was made with. */
  options: PlanOptions;
}

/**
 * Before anything runs: the tracks and their fate, and each video mode's
 * estimated time and size for this file on this device (probe encodes of
 * its first frames in a worker; only the head and tail are read).
 */
export function plan(input: Blob, options?: PlanOptions): Promise<Plan>;

/** Checkpoints an interrupted run left in OPFS. */
export interface Checkpoint {
  id: string;
  /** The input's file name and size. */
  name: string;
  inputBytes: number;
  /** Finished chunks kept, and their bytes. */
  chunks: number;
  bytes: number;
  /** When the run last wrote them (ms since the epoch). */
  updatedAt: number;
  /** A transcode in some tab is using them now. */
  inUse?: boolean;
}

/** The checkpoints an earlier run of `input` with these options left, or null. */
export function findResumable(input: Blob, options?: TranscodeOptions): Promise<Checkpoint | null>;
/** Every checkpoint folder of this site. */
export function listCheckpoints(): Promise<Checkpoint[]>;
/** Deletes one (false when a running transcode holds it). */
export function deleteCheckpoint(id: string): Promise<boolean>;

/** What a finished transcode reports (the CLI's `--json`, in camelCase). */
export interface Stats {
  inputBytes: number;
  outputBytes: number;
  /** Chunks taken from an interrupted run's checkpoints, not encoded again. */
  restoredChunks: number;
  inputDuration: number;
  outputDuration: number;
  frames: number;
  chunks: number;
  skippedLeadingFrames: number;
  damagedFrames: number;
  replacedFrames: number;
  deinterlaced: boolean;
  audioFrames: number;
  /** Every audio track of the output. */
  audioTracks: AudioTrackStats[];
  width: number;
  height: number;
  bitDepth: number;
  bitrate: number;
  wallSeconds: number;
  workers: number;
  /** Largest WebAssembly memory of one chunk worker, in bytes (one encoder's footprint). */
  peakWorkerMemory: number;
  /** When and where each chunk ran (seconds since the start). */
  timeline: ChunkTiming[];
  /** Seconds the coordinator spent demuxing, planning and muxing (the serial part). */
  serialSeconds: number | null;
  warnings: { offset: number | null; message: string }[];
}

/** One audio track of the output. */
export interface AudioTrackStats {
  /** The source codec, e.g. `'AC-3'`. */
  source: string;
  /** `'copy'`: AAC passed through; `'aac'`: encoded to AAC-LC. */
  output: 'copy' | 'aac';
  sampleRate: number;
  channels: number;
  /** ISO 639-2 code from the stream, or null. */
  language: string | null;
  frames: number;
  /** Source frames that failed to decode (silence in their place). */
  damagedFrames: number;
}

/** One chunk job as it ran. */
export interface ChunkTiming {
  index: number;
  frames: number;
  /** Frames decoded only to rebuild references. */
  warmupFrames: number;
  worker: number;
  start: number;
  end: number;
}

/** A failed transcode. `kind` names the problem. */
export class TranscodeError extends Error {
  kind:
    | 'NotTransportStream' | 'NoVideo' | 'UnsupportedCodec' | 'UnsupportedFeature'
    | 'NoDecodableFrame' | 'Malformed' | 'Limit' | 'InvalidSettings' | 'Cancelled'
    | 'WorkerCrashed' | 'StorageFull' | 'UnsupportedBrowser' | 'Error';
}

/** What this browser offers Fanout, by feature detection (support.js). */
export interface BrowserSupport {
  /** WebAssembly SIMD and module workers: without either, `transcode()` cannot run. */
  canRun: boolean;
  /** WebAssembly exists (it can be turned off, e.g. Firefox's `javascript.options.wasm`). */
  wasm: boolean;
  wasmSimd: boolean;
  moduleWorkers: boolean;
  /** The Origin Private File System opens. */
  opfs: boolean;
  /** Workers can open OPFS files for synchronous writes (needed to spool the output and keep checkpoints). */
  syncAccessHandles: boolean;
  /** Where `transcode()` puts the MP4 by default. */
  output: 'opfs' | 'memory';
  /** Interrupted transcodes can be resumed (checkpoints in OPFS). */
  resume: boolean;
  /** `showSaveFilePicker()` exists (a `FileSystemFileHandle` can be the output). */
  saveFilePicker: boolean;
  crossOriginIsolated: boolean;
  sharedArrayBuffer: boolean;
  /** `navigator.hardwareConcurrency` (WebKit reports 4 below 8 cores, 8 above). */
  threads: number | null;
  /** MP4 with this codec plays here (MediaSource.isTypeSupported or canPlayType). */
  play: { av1: boolean; h264: boolean; hevc: boolean; aac: boolean };
}

/** Finds out what this browser offers Fanout (starts one short-lived module worker). */
export function browserSupport(): Promise<BrowserSupport>;

/** Transcodes `input` (a `File` or `Blob`, read in slices) to an MP4 `Blob`. */
export function transcode(
  input: Blob,
  options?: TranscodeOptions,
): Promise<TranscodeResult>;

export interface TranscodeResult {
  /** The MP4 (disk-backed unless `output: 'memory'`; null for a `WritableStream`). */
  blob: Blob | null;
  stats: Stats;
  output: 'opfs' | 'memory' | 'file' | 'stream';
  /**
   * Deletes the OPFS file behind `blob` (the blob is unusable after). It is
   * otherwise removed by the first transcode after this page has closed.
   */
  release(): Promise<void> | undefined;
}
