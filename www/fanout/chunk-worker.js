// A chunk worker: one WebAssembly instance (its own memory), one chunk job
// at a time. The job is the pure function (chunk bytes, settings) → encoded
// bytes; this file only moves messages.
import init, { runChunk, planInput, planRanges } from './pkg/fanout.js';

const ready = init();

// A plan (index.js plan()): the file's head and tail, probe encodes timed
// here, in a worker like the ones that will run the chunks.
async function plan({ input, settings, options }) {
  try {
    await ready;
    const [headEnd, tailStart, ...windowRanges] = planRanges(input.size);
    const read = async (start, end) => new Uint8Array(await input.slice(start, end).arrayBuffer());
    const head = await read(0, headEnd);
    const tail = await read(tailStart, input.size);
    const windows = [];
    for (let i = 0; i < windowRanges.length; i += 2) windows.push(await read(windowRanges[i], windowRanges[i + 1]));
    const json = planInput(head, tail, windows, input.size, settings, options, () => performance.now());
    self.postMessage({ type: 'plan', json });
  } catch (err) {
    self.postMessage({ type: 'error', name: err?.name ?? 'Error', message: String(err?.message ?? err) });
  }
}

self.onmessage = async ({ data }) => {
  if (data.type === 'plan') return plan(data);
  if (data.type !== 'run') return;
  const { index, bytes, jobSettings } = data;
  try {
    await ready;
    let lastPost = 0;
    let first = true;
    const encoded = runChunk(new Uint8Array(bytes), jobSettings, (framesDone) => {
      const now = performance.now();
      // The first frame means decoding has produced output and encoding started.
      if (first || now - lastPost > 100) {
        first = false;
        lastPost = now;
        self.postMessage({ type: 'progress', index, framesDone });
      }
      return true;
    });
    // This instance's linear memory: what one encoder needs (it never shrinks).
    const memoryBytes = (await ready).memory.buffer.byteLength;
    self.postMessage({ type: 'done', index, bytes: encoded.buffer, memoryBytes }, [encoded.buffer]);
  } catch (err) {
    // Typed errors from Rust carry a name (UnsupportedFeature, …); a trap
    // (RuntimeError) or an out-of-memory (RangeError) is a crash.
    self.postMessage({ type: 'error', index, name: err?.name ?? 'Error', message: String(err?.message ?? err) });
  }
};
