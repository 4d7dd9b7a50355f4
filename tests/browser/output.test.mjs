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
import { withPage, repo, www } from './harness.mjs';

/** Runs in the page: names of the files in the spool folder. */
const spoolFiles = () => navigator.storage.getDirectory()
  .then((root) => root.getDirectoryHandle('fanout-spool', { create: true }))
  .then(async (dir) => { const names = []; for await (const n of dir.keys()) names.push(n); return names; });

test('OPFS output: disk-backed result, same bytes as memory and the CLI, spools cleaned up', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fanout-output-'));
  execFileSync(join(repo, 'target', 'release', 'fanout'),
    [join(www, 'sample.ts'), '-o', join(dir, 'cli.mp4'), '--video', 'h264', '--jobs', '1']);
  const cli = await readFile(join(dir, 'cli.mp4'));
  await withPage(async (page) => {
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
