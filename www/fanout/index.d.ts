/**
 * Fanout: transcode an MPEG transport stream (.ts/.m2ts/.mts) to an AV1 MP4
 * in the browser. The stream is cut into independent chunks at keyframes
 * and the chunks are encoded in parallel, one Web Worker per core, each
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
  /** Frames encoded per second of wall time so far. */
  fps: number;
  /** Media seconds encoded per wall second. */
  speed: number;
  /** Estimated seconds left, or null before there is enough to tell. */
  etaSeconds: number | null;
  elapsedSeconds: number;
  workers: number;
  chunks: ChunkProgress[];
}

export interface TranscodeOptions {
  /** rav1e speed preset 0 (slowest, smallest) to 10 (fastest). Default 10. */
  speed?: number;
  /** Constant quantizer 0-255; lower is better and bigger. Default 100. */
  quality?: number;
  /** Target chunk length in seconds (cut at the next keyframe). Default 2. */
  chunkSeconds?: number;
  /** Parallel chunk workers. Default `navigator.hardwareConcurrency`. */
  workers?: number;
  /** `'av1'` (default) re-encodes; `'copy'` remuxes the H.264 untouched. */
  video?: 'av1' | 'copy';
  /** Deinterlace interlaced sources: `'auto'` (default), `'on'`, `'off'`. */
  deinterlace?: 'auto' | 'on' | 'off';
  /** Transcode only the first this many seconds. */
  duration?: number;
  /** Maximum frames between keyframes inside a chunk (0: none). */
  maxKeyframeInterval?: number;
  /** Aborting stops every worker and rejects with a `TranscodeError` of kind `'Cancelled'`. */
  signal?: AbortSignal;
  /** Called several times a second with the fan-out's state. */
  onProgress?: (progress: Progress) => void;
}

/** What a finished transcode reports (the CLI's `--json`, in camelCase). */
export interface Stats {
  inputBytes: number;
  outputBytes: number;
  inputDuration: number;
  outputDuration: number;
  frames: number;
  chunks: number;
  skippedLeadingFrames: number;
  damagedFrames: number;
  replacedFrames: number;
  deinterlaced: boolean;
  audioFrames: number;
  width: number;
  height: number;
  bitDepth: number;
  bitrate: number;
  wallSeconds: number;
  workers: number;
  /** Largest WebAssembly memory of one chunk worker, in bytes (one encoder's footprint). */
  peakWorkerMemory: number;
  warnings: { offset: number | null; message: string }[];
}

/** A failed transcode. `kind` names the problem. */
export class TranscodeError extends Error {
  kind:
    | 'NotTransportStream' | 'NoVideo' | 'UnsupportedCodec' | 'UnsupportedFeature'
    | 'NoDecodableFrame' | 'Malformed' | 'InvalidSettings' | 'Cancelled'
    | 'WorkerCrashed' | 'Error';
}

/** Transcodes `input` (a `File` or `Blob`, read in slices) to an MP4 `Blob`. */
export function transcode(
  input: Blob,
  options?: TranscodeOptions,
): Promise<{ blob: Blob; stats: Stats }>;
