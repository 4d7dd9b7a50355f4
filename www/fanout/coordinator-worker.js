// The coordinator: reads the input in slices, demuxes and plans chunks, and
// muxes encoded chunks into MP4 parts, all off the main thread. It reads
// only when asked for more chunks, so memory stays bounded by the chunks in
// flight however long the input is.
import init, { WasmAnalyzer, WasmAssembler, chunkKey, isEncodedChunk } from './pkg/fanout.js';
import { openSpoolWriter } from './spool.js';
import { openCheckpointFiles } from './checkpoint.js';

const PIECE = 4 * 1024 * 1024;

let analyzer = null;
let container = 'mp4';
let assembler = null;
let file = null;
let offset = 0;
let eof = false;
let planned = 0;
let wanted = 0;
let reading = false;
// Where the payload goes: an OPFS file (the default), or to the main thread.
let spool = null;
// Finished chunks of this input and settings (null: no checkpoints).
let checkpoint = null;
// Milliseconds spent demuxing, planning and muxing: the part that does not fan out.
let serialMs = 0;
/** Runs `f`, counting its time as serial work. */
function serial(f) {
  const t0 = performance.now();
  try {
    return f();
  } finally {
    serialMs += performance.now() - t0;
  }
}

/** Spools (or sends) payload bytes that became ready; `ack` answers an 'encoded' message. */
function postPart(part, ack) {
  if (spool) {
    if (part.byteLength > 0) spool.write(part);
    if (ack) self.postMessage({ type: 'part', part: null, ack });
  } else if (part.byteLength > 0 || ack) {
    self.postMessage({ type: 'part', part: part.buffer, ack }, [part.buffer]);
  }
}

function fail(err) {
  self.postMessage({ type: 'error', name: err?.name ?? 'Error', message: String(err?.message ?? err) });
}

function ensureAssembler() {
  if (assembler) return;
  const job = analyzer.jobSettings();
  if (job && planned > 0) {
    assembler = new WasmAssembler(job, analyzer.audioInfo(), container);
    self.postMessage({ type: 'format', jobSettings: job });
  }
}

/**
 * Hands out the chunks planned so far: each goes to the page to be encoded,
 * or, when an earlier run checkpointed its result, straight to the muxer.
 */
async function drainAnalyzer() {
  for (;;) {
    const next = analyzer.nextChunk();
    if (!next) break;
    const [infoJson, bytes] = next;
    const info = JSON.parse(infoJson);
    planned += 1;
    wanted -= 1;
    ensureAssembler();
    const key = checkpoint ? chunkKey(bytes) : null;
    const restored = checkpoint ? await checkpoint.load(info.index, key) : null;
    if (restored && isEncodedChunk(restored, info.index)) {
      // Its audio must be in first, as for any chunk (the muxer's order
      // does not depend on how far ahead the input was read).
      postPart(serial(() => assembler.addAudio(analyzer.takeAudio())), false);
      self.postMessage({ type: 'chunk', info, restored: true });
      postPart(serial(() => assembler.addChunk(restored)), true);
      continue;
    }
    self.postMessage({ type: 'chunk', info, key, bytes: bytes.buffer }, [bytes.buffer]);
  }
  ensureAssembler();
  if (assembler) {
    postPart(assembler.addAudio(analyzer.takeAudio()), false);
    if (eof) postPart(assembler.endOfAudio(), false);
  }
  const warnings = JSON.parse(analyzer.takeWarnings());
  const stats = JSON.parse(analyzer.planStats());
  self.postMessage({
    type: 'read', bytesRead: offset, framesPlanned: stats.frames, skipped: stats.skipped_leading_frames, warnings,
  });
}

async function readUntilWanted() {
  if (reading) return;
  reading = true;
  try {
    while (!eof && wanted > 0) {
      if (offset >= file.size || analyzer.doneReading()) {
        serial(() => analyzer.finish());
        eof = true;
        await drainAnalyzer();
        self.postMessage({ type: 'eof', chunks: planned });
        break;
      }
      const piece = new Uint8Array(await file.slice(offset, offset + PIECE).arrayBuffer());
      offset += piece.byteLength;
      serial(() => analyzer.push(piece));
      await drainAnalyzer();
    }
  } catch (err) {
    fail(err);
  } finally {
    reading = false;
  }
}

self.onmessage = async ({ data }) => {
  try {
    switch (data.type) {
      case 'start':
        await init();
        file = data.file;
        if (data.spool) {
          try {
            spool = await openSpoolWriter(data.spool);
          } catch (err) {
            // No sync access handles here (older Safari): parts go to the page.
            self.postMessage({ type: 'no-spool', message: String(err?.message ?? err) });
          }
        }
        container = data.settings.container ?? 'mp4';
        checkpoint = data.checkpoint ? await openCheckpointFiles(data.checkpoint) : null;
        analyzer = new WasmAnalyzer(JSON.stringify(data.settings));
        self.postMessage({ type: 'started', totalBytes: file.size });
        break;
      case 'pull':
        wanted = Math.max(wanted, data.count);
        await readUntilWanted();
        break;
      case 'encoded': {
        const bytes = new Uint8Array(data.bytes);
        // Kept before it is muxed: should the output then fail (a full
        // disk), the chunk is still there for a resume. (Other messages may
        // run meanwhile; the muxer takes chunks in any order, and 'finish'
        // only comes after this chunk's acknowledgement.)
        if (checkpoint && data.key) await checkpoint.store(data.index, data.key, bytes);
        postPart(serial(() => assembler.addChunk(bytes)), true);
        break;
      }
      case 'finish': {
        const [header, last] = serial(() => assembler.finish(planned));
        const summary = JSON.parse(assembler.summary());
        if (spool) {
          spool.write(last);
          spool.close();
          spool = null;
          self.postMessage({ type: 'done', header: header.buffer, last: null, summary, serialSeconds: serialMs / 1000 },
            [header.buffer]);
          break;
        }
        self.postMessage({
          type: 'done', header: header.buffer, last: last.buffer, summary, serialSeconds: serialMs / 1000,
        }, [header.buffer, last.buffer]);
        break;
      }
    }
  } catch (err) {
    fail(err);
  }
};
