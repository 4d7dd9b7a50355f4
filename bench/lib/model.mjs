// Scaling from Fanout's per-chunk timeline (modelled, not measured):
// a list-scheduling simulation of the real per-chunk durations on N workers.
//
// timeline: [{index, frames, warmup_frames, worker, start, end}] (seconds
// since the run started) and serial_seconds, from the CLI's --json summary
// or the browser's stats (camelCase accepted too).

/** Normalizes a summary's timeline; null when it has none. */
export function timelineOf(summary) {
  const t = summary?.timeline;
  if (!Array.isArray(t) || t.length === 0) return null;
  const chunks = t.map((c) => ({
    index: c.index, frames: c.frames, warmupFrames: c.warmup_frames ?? c.warmupFrames ?? 0,
    worker: c.worker, start: c.start, end: c.end, seconds: c.end - c.start,
  })).sort((a, b) => a.index - b.index);
  const serial = summary.serial_seconds ?? summary.serialSeconds;
  return { chunks, serialSeconds: Number.isFinite(serial) ? serial : null };
}

/** Greedy list scheduling in chunk order: each chunk to the worker that frees first. Returns the makespan. */
export function makespan(durations, workers) {
  const free = new Array(workers).fill(0);
  for (const d of durations) {
    let k = 0;
    for (let i = 1; i < workers; i++) if (free[i] < free[k]) k = i;
    free[k] += d;
  }
  return Math.max(...free);
}

/** Modelled wall time for each worker count: serial part + makespan of the chunk durations. */
export function modelWall(durations, serialSeconds, workerCounts) {
  return workerCounts.map((n) => ({ workers: n, wall: serialSeconds + makespan(durations, n) }));
}

/**
 * The serial part when the summary does not give it: the wall time not
 * covered by any chunk's [start, end] interval.
 */
export function uncoveredSeconds(chunks, wall) {
  const iv = chunks.map((c) => [c.start, c.end]).sort((a, b) => a[0] - b[0]);
  let covered = 0, s = -Infinity, e = -Infinity;
  for (const [a, b] of iv) {
    if (a > e) { if (e > s) covered += e - s; s = a; e = b; } else e = Math.max(e, b);
  }
  if (e > s) covered += e - s;
  return Math.max(0, wall - covered);
}

/**
 * Measured scaling from a 1-way and a 2-way run: speedup, the serial
 * fraction Amdahl's law gives from the speedup (f = 2/S - 1), and the
 * timeline's own serial fraction (serial seconds / 1-way wall).
 */
export function scaling(one, two) {
  const speedup = one.wall / two.wall;
  return {
    speedup,
    amdahlSerialFraction: Math.max(0, 2 / speedup - 1),
    timelineSerialFraction: one.timeline?.serialSeconds != null ? one.timeline.serialSeconds / one.wall : null,
  };
}

/**
 * A long input modelled from a measured one: the measured per-frame cost of
 * each chunk (seconds / frames, warm-up included in the chunk's seconds),
 * cycled over `seconds` of input cut into `chunkSeconds` chunks; the serial
 * part scaled by input duration.
 */
export function extrapolate({ chunks, serialSeconds, inputSeconds, fps }, { seconds, chunkSeconds, workerCounts }) {
  const perFrame = chunks.map((c) => c.seconds / Math.max(1, c.frames));
  const framesPerChunk = Math.round(chunkSeconds * fps);
  const count = Math.ceil(seconds * fps / framesPerChunk);
  const durations = Array.from({ length: count }, (_, i) => perFrame[i % perFrame.length] * framesPerChunk);
  const serial = (serialSeconds ?? 0) * seconds / inputSeconds;
  return { chunks: count, serialSeconds: serial, cpuSeconds: durations.reduce((a, b) => a + b, 0), walls: modelWall(durations, serial, workerCounts) };
}
