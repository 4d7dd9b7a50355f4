// Where the MP4 is built in the browser: by default its payload is spooled
// to a file in the Origin Private File System as it is made and the result
// Blob is backed by that file; the same bytes as the in-memory path and the
// CLI; spools of closed pages are cleaned up, a cancelled run leaves none,
// and a full quota is a named error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withPage, open, testIn, nameIn, repo, www } from './harness.mjs';

// Firefox has OPFS with sync access handles and writable file handles too;
// WebKitGTK has no OPFS (browsers.test.mjs checks the page says so).
const WITH_OPFS = ['chromium', 'firefox'];

/** Runs in the page: names of the files in the spool folder. */
const spoolFiles = () => navigator.storage.getDirectory()
  .then((root) => root.getDirectoryHandle('fanout-spool', { create: true }))
  .then(async (dir) => { const names = []; for await (const n of dir.keys()) names.push(n); return names; });

testIn(WITH_OPFS, 'OPFS output: disk-backed result, same bytes as memory and the CLI, spools cleaned up', async (page) => {
  const dir = await mkdtemp(join(tmpdir(), 'fanout-output-'));
  execFileSync(join(repo, 'target', 'release', 'fanout'),
    [join(www, 'sample.ts'), '-o', join(dir, 'cli.mp4'), '--video', 'h264', '--jobs', '1']);
  const cli = await readFile(join(dir, 'cli.mp4'));
  const r = await page.evaluate(async (spoolFilesSrc) => {
    const spoolFiles = eval(spoolFilesSrc);
    const { transcode } = await import('/fanout/index.js');
    const input = await (await fetch('/sample.ts')).blob();
    // A spool left by a closed tab (no lock holds it) must go.
    const root = await navigator.storage.getDirectory();
    const spool = await root.getDirectoryHandle('fanout-spool', { create: true });
    const stale = await (await spool.getFileHandle('stale.mp4-payload', { create: true })).createWritable();
    await stale.write(new Uint8Array(1000));
    await stale.close();
    const hex = async (blob) => {
      const b = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
      return btoa(s);
    };
    const opfs = await transcode(input, { workers: 2, video: 'h264' });
    const during = await spoolFiles();
    const spoolSize = (await (await spool.getFileHandle(during[0])).getFile()).size;
    const memory = await transcode(input, { workers: 2, video: 'h264', output: 'memory' });
    const out = {
      opfsOutput: opfs.output, memoryOutput: memory.output, during, spoolSize, blobSize: opfs.blob.size,
      opfs: await hex(opfs.blob), memory: await hex(memory.blob),
    };
    await opfs.release();
    out.afterRelease = await spoolFiles();
    // A cancelled run leaves no spool behind.
    const controller = new AbortController();
    const cancelled = transcode(input, { workers: 2, signal: controller.signal, onProgress: (p) => {
      if (p.framesDone > 0) controller.abort();
    } }).then(() => 'finished', (e) => e.kind);
    out.cancelled = await cancelled;
    await new Promise((ok) => setTimeout(ok, 2500));
    out.afterCancel = await spoolFiles();
    return out;
  }, spoolFiles.toString());
  assert.equal(r.opfsOutput, 'opfs');
  assert.equal(r.memoryOutput, 'memory');
  assert.equal(r.during.length, 1, `one live spool, the stale one removed: ${r.during}`);
  assert.ok(!r.during.includes('stale.mp4-payload'));
  // The spool holds everything but the header, which the Blob puts in front.
  assert.ok(r.spoolSize > 0.9 * r.blobSize && r.spoolSize < r.blobSize, `${r.spoolSize} of ${r.blobSize}`);
  assert.ok(Buffer.from(r.opfs, 'base64').equals(cli), 'OPFS output differs from the CLI');
  assert.ok(Buffer.from(r.memory, 'base64').equals(cli), 'memory output differs from the CLI');
  assert.deepEqual(r.afterRelease, []);
  assert.equal(r.cancelled, 'Cancelled');
  assert.deepEqual(r.afterCancel, []);
});

test('a full storage quota is the named StorageFull error', async () => {
  await withPage(async (page) => {
    const cdp = await page.context().newCDPSession(page);
    const origin = new URL(page.url()).origin;
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 200_000 });
    const r = await page.evaluate(async () => {
      const { transcode } = await import('/fanout/index.js');
      const input = await (await fetch('/sample.ts')).blob();
      return transcode(input, { workers: 1, video: 'copy' }).then(() => null, (e) => ({ kind: e.kind, message: e.message }));
    });
    assert.equal(r?.kind, 'StorageFull', JSON.stringify(r));
    assert.match(r.message, /storage/);
  });
});

testIn(WITH_OPFS, 'fragmented MP4 and file or stream outputs: CLI bytes, and it plays in <video>', async (page, engine) => {
  const dir = await mkdtemp(join(tmpdir(), 'fanout-fmp4-'));
  const cli = {};
  for (const container of ['mp4', 'fmp4']) {
    const out = join(dir, `cli.${container}.mp4`);
    execFileSync(join(repo, 'target', 'release', 'fanout'),
      [join(www, 'sample.ts'), '-o', out, '--video', 'h264', '--jobs', '1', '--container', container]);
    cli[container] = await readFile(out);
  }
  const r = await page.evaluate(async () => {
    const { transcode } = await import('/fanout/index.js');
    const input = await (await fetch('/sample.ts')).blob();
    const b64 = async (blob) => {
      const b = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
      return btoa(s);
    };
    const opts = { workers: 2, video: 'h264' };
    const out = {};
    // Fragmented, into OPFS (the default output).
    const opfs = await transcode(input, { ...opts, container: 'fmp4' });
    out.opfs = { output: opfs.output, bytes: await b64(opfs.blob) };
    // Into a file handle (what showSaveFilePicker returns; an OPFS handle
    // here because a picker needs a user's click), both layouts.
    const root = await navigator.storage.getDirectory();
    for (const container of ['mp4', 'fmp4']) {
      const handle = await root.getFileHandle(`picked.${container}.mp4`, { create: true });
      const res = await transcode(input, { ...opts, container, output: handle });
      out[`file.${container}`] = {
        output: res.output, isFile: res.blob instanceof File, bytes: await b64(await handle.getFile()),
      };
    }
    // Into a WritableStream, fragment by fragment.
    const pieces = [];
    const stream = new WritableStream({ write(piece) { pieces.push(new Uint8Array(piece)); } });
    const streamed = await transcode(input, { ...opts, container: 'fmp4', output: stream });
    out.stream = { output: streamed.output, blob: streamed.blob, pieces: pieces.length, bytes: await b64(new Blob(pieces)) };
    // A cancelled run into a file leaves the file as it was (empty).
    const handle = await root.getFileHandle('cancelled.mp4', { create: true });
    const controller = new AbortController();
    out.cancelled = await transcode(input, { ...opts, container: 'fmp4', output: handle, signal: controller.signal,
      onProgress: (p) => { if (p.framesDone > 0) controller.abort(); } }).then(() => 'finished', (e) => e.kind);
    await new Promise((ok) => setTimeout(ok, 500));
    out.cancelledSize = (await handle.getFile()).size;
    // The fragmented file plays: metadata with the duration, frames
    // decoded, a seek into the last fragment lands, and it plays to the end.
    const video = document.createElement('video');
    video.muted = true;
    video.src = URL.createObjectURL(opfs.blob);
    document.body.append(video);
    await new Promise((ok, fail) => { video.onloadedmetadata = ok; video.onerror = () => fail(new Error(video.error?.message)); });
    out.duration = video.duration;
    out.size = [video.videoWidth, video.videoHeight];
    await video.play();
    await new Promise((ok) => setTimeout(ok, 1000));
    out.advanced = video.currentTime;
    video.currentTime = 8.4;
    await new Promise((ok) => { video.onseeked = ok; });
    out.seekedTo = video.currentTime;
    await Promise.race([new Promise((ok) => { video.onended = ok; }), new Promise((ok) => setTimeout(ok, 5000))]);
    out.ended = video.ended;
    out.finalDuration = video.duration;
    out.decodedFrames = video.getVideoPlaybackQuality().totalVideoFrames;
    return out;
  });
  const same = (name, got, want) => assert.ok(Buffer.from(got, 'base64').equals(want), `${name} differs from the CLI`);
  assert.equal(r.opfs.output, 'opfs');
  same('fmp4 in OPFS', r.opfs.bytes, cli.fmp4);
  for (const container of ['mp4', 'fmp4']) {
    assert.equal(r[`file.${container}`].output, 'file');
    assert.ok(r[`file.${container}`].isFile);
    same(`${container} into a file`, r[`file.${container}`].bytes, cli[container]);
  }
  assert.equal(r.stream.output, 'stream');
  assert.equal(r.stream.blob, null);
  assert.ok(r.stream.pieces > 2, `fragments streamed one by one: ${r.stream.pieces} writes`);
  same('fmp4 into a stream', r.stream.bytes, cli.fmp4);
  assert.equal(r.cancelled, 'Cancelled');
  assert.equal(r.cancelledSize, 0, 'a cancelled run must not leave a partial file');
  // Without a duration in the header (it is written before the end is
  // known), Firefox reports at first only what it has indexed (5.94 s,
  // 7.94 s, 8.57 s or Infinity seen: it varies from run to run) and grows
  // it while playing; Chromium reads it all at once.
  if (engine === 'firefox') assert.ok(r.duration > 1.9, `duration ${r.duration}`);
  else assert.ok(Math.abs(r.duration - 8.93) < 0.2, `duration ${r.duration} (the video track is 8.93 s)`);
  assert.ok(r.ended, 'played to the end');
  assert.ok(Math.abs(r.finalDuration - 8.93) < 0.05, `duration at the end ${r.finalDuration} (the video track is 8.93 s)`);
  assert.equal(r.size[1], 300, `video size ${r.size}`);
  assert.ok(r.advanced > 0.3, `playback advanced ${r.advanced} s`);
  assert.ok(r.seekedTo > 8, `seeked to ${r.seekedTo}`);
  assert.ok(r.decodedFrames > 5, `${r.decodedFrames} frames decoded`);
  // And ffprobe reads every frame of it.
  const probe = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v',
    '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', join(dir, 'cli.fmp4.mp4')]).toString().trim();
  assert.equal(probe, '134');
});

for (const engine of WITH_OPFS) test(nameIn(engine, 'a run stopped by closing the tab resumes: only the missing chunks are encoded, same bytes'), async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fanout-resume-'));
  const args = ['--preset', 'fast', '--chunk-seconds', '1', '--jobs', '1', '--audio', 'none'];
  execFileSync(join(repo, 'target', 'release', 'fanout'), [join(www, 'sample.ts'), '-o', join(dir, 'cli.mp4'), ...args]);
  const cli = await readFile(join(dir, 'cli.mp4'));
  const { url, context, close } = await open({ engine });
  const options = { preset: 'fast', chunkSeconds: 1, workers: 1, audio: 'none' };
  try {
    // First tab: transcodes until three chunks are checkpointed (a chunk is
    // reported done before its checkpoint is written), then is closed.
    const first = await context.newPage();
    await first.goto(`${url}fanout/package.json`);
    await first.evaluate(async (options) => {
      const { transcode, listCheckpoints } = await import('/fanout/index.js');
      const input = new File([await (await fetch('/sample.ts')).blob()], 'sample.ts', { lastModified: 1 });
      window.kept = 0;
      transcode(input, options);
      (async () => {
        for (;;) {
          window.kept = Math.max(0, ...(await listCheckpoints()).map((c) => c.chunks));
          await new Promise((ok) => setTimeout(ok, 50));
        }
      })();
    }, options);
    await first.waitForFunction(() => window.kept >= 3, null, { timeout: 120_000 });
    await first.close();

    // Second tab: the same file again.
    const second = await context.newPage();
    await second.goto(`${url}fanout/package.json`);
    const r = await second.evaluate(async (options) => {
      const { transcode, findResumable, listCheckpoints } = await import('/fanout/index.js');
      const input = new File([await (await fetch('/sample.ts')).blob()], 'sample.ts', { lastModified: 1 });
      const found = await findResumable(input, options);
      // A different file (another lastModified) has nothing to resume.
      const other = await findResumable(new File([input], 'sample.ts', { lastModified: 2 }), options);
      let encodedChunks = 0;
      const result = await transcode(input, { ...options, onProgress: (p) => {
        encodedChunks = p.chunks.filter((c) => c && !c.restored && c.state === 'done').length;
      } });
      const b = new Uint8Array(await result.blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
      return {
        found, other, encodedChunks, restored: result.stats.restoredChunks, chunks: result.stats.chunks,
        bytes: btoa(s), left: await listCheckpoints(),
      };
    }, options);
    assert.ok(r.found && r.found.chunks >= 3, `checkpoints found: ${JSON.stringify(r.found)}`);
    assert.equal(r.other, null);
    assert.equal(r.restored, r.found.chunks, 'every checkpointed chunk is used');
    assert.equal(r.encodedChunks, r.chunks - r.restored, 'only the missing chunks are encoded');
    assert.ok(Buffer.from(r.bytes, 'base64').equals(cli), 'the resumed output differs from the CLI');
    assert.deepEqual(r.left, [], 'checkpoints are deleted once the output is complete');
  } finally {
    await close();
  }
});
