// The npm package (www/fanout) in real headless Chromium, Firefox and
// WebKit: byte-identical output to the native CLI, parallel workers without
// cross-origin isolation, cancel, named errors and crash retry.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testIn, repo, www, unsupportedCodecDir } from './harness.mjs';

const ALL = ['chromium', 'firefox', 'webkit'];

const cli = join(repo, 'target', 'release', 'fanout');

/** Runs transcode() in the page on a file served from www/ (or /corpus/). */
async function transcodeInPage(page, url, options) {
  return page.evaluate(async ({ url, options }) => {
    const { transcode } = await import('/fanout/index.js');
    const blob = await (await fetch(url)).blob();
    const seen = { maxBusyWorkers: 0, states: new Set(), phases: new Set() };
    try {
      const r = await transcode(blob, {
        ...options,
        onProgress: (p) => {
          const busy = new Set(p.chunks.filter((c) => c.worker !== null).map((c) => c.worker));
          seen.maxBusyWorkers = Math.max(seen.maxBusyWorkers, busy.size);
          p.chunks.forEach((c) => seen.states.add(c.state));
          seen.phases.add(p.phase);
        },
      });
      const bytes = new Uint8Array(await r.blob.arrayBuffer());
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return {
        ok: true, base64: btoa(binary), stats: r.stats,
        maxBusyWorkers: seen.maxBusyWorkers, states: [...seen.states], phases: [...seen.phases],
        isolated: self.crossOriginIsolated,
      };
    } catch (e) {
      return { ok: false, kind: e.kind, message: e.message };
    }
  }, { url, options });
}

testIn(ALL, 'browser output is byte-identical to the CLI, with workers in parallel', async (page) => {
  const r = await transcodeInPage(page, '/sample.ts', { workers: 2 });
  assert.ok(r.ok, r.message);
  assert.equal(r.isolated, true);
  assert.equal(r.stats.frames, 134);
  assert.equal(r.stats.chunks, 5);
  assert.equal(r.maxBusyWorkers, 2, 'two chunk workers ran at once');
  for (const state of ['decoding', 'encoding', 'done']) assert.ok(r.states.includes(state), `saw ${state}`);

  const dir = await mkdtemp(join(tmpdir(), 'fanout-'));
  const fromBrowser = Buffer.from(r.base64, 'base64');
  await writeFile(join(dir, 'browser.mp4'), fromBrowser);
  execFileSync(cli, [join(www, 'sample.ts'), '-o', join(dir, 'cli.mp4'), '--jobs', '1']);
  const fromCli = await readFile(join(dir, 'cli.mp4'));
  assert.equal(fromBrowser.length, fromCli.length);
  assert.ok(fromBrowser.equals(fromCli), 'browser and CLI MP4s differ');
});

testIn(ALL, 'a page without cross-origin isolation still runs more than one worker', async (page) => {
  // The first 4 s: three chunks, so both workers get one.
  const r = await transcodeInPage(page, '/sample.ts', { workers: 2, duration: 4 });
  assert.ok(r.ok, r.message);
  assert.equal(r.isolated, false);
  assert.equal(r.stats.frames, 60);
  assert.equal(r.maxBusyWorkers, 2);
}, { isolation: false });

testIn(ALL, 'cancel stops every worker and rejects with Cancelled', async (page) => {
  const r = await page.evaluate(async () => {
    const { transcode } = await import('/fanout/index.js');
    const blob = await (await fetch('/sample.ts')).blob();
    const controller = new AbortController();
    // Count live workers by wrapping the constructor.
    let live = 0;
    const Native = self.Worker;
    self.Worker = class extends Native {
      constructor(...args) { super(...args); live += 1; }
      terminate() { live -= 1; super.terminate(); }
    };
    let peak = 0;
    const outcome = await transcode(blob, {
      workers: 2,
      signal: controller.signal,
      onProgress: (p) => {
        peak = Math.max(peak, live);
        if (p.framesDone > 10) controller.abort();
      },
    }).then(() => 'finished', (e) => e.kind);
    self.Worker = Native;
    return { outcome, peak, live };
  });
  assert.equal(r.outcome, 'Cancelled');
  assert.equal(r.peak, 3, 'a coordinator and two chunk workers ran');
  assert.equal(r.live, 0, 'no worker left running');
  // The page is usable again: a new transcode works.
  const again = await transcodeInPage(page, '/sample.ts', { workers: 2, video: 'copy' });
  assert.ok(again.ok, again.message);
});

testIn(ALL, 'unsupported and broken inputs reject with named errors', async (page) => {
  const r = await page.evaluate(async () => {
    const { transcode } = await import('/fanout/index.js');
    const mpeg4 = await (await fetch('/fixtures/mpeg4-part2.ts')).blob();
    const outcomes = [];
    for (const input of [mpeg4, new Blob(['this is not a transport stream'])]) {
      outcomes.push(await transcode(input, { workers: 2 }).then(() => null, (e) => ({ kind: e.kind, message: e.message })));
    }
    return outcomes;
  });
  assert.equal(r[0].kind, 'UnsupportedCodec');
  assert.match(r[0].message, /MPEG-4 Part 2 video/);
  assert.equal(r[1].kind, 'NotTransportStream');
}, { mounts: { '/fixtures/': unsupportedCodecDir() } });

testIn(ALL, 'a crashed worker is replaced and its chunk retried once, then the error names the chunk', async (page) => {
  const r = await page.evaluate(async () => {
    const { transcode } = await import('/fanout/index.js');
    const blob = await (await fetch('/sample.ts')).blob();
    // Make chunk workers "crash" (as a trap or out-of-memory would) on
    // the chunks in `crashing`, up to `times` times each.
    const Native = self.Worker;
    const crash = (crashing, times) => {
      const crashes = new Map();
      self.Worker = class extends Native {
        postMessage(message, transfer) {
          const n = crashes.get(message?.index) ?? 0;
          if (message?.type === 'run' && crashing.includes(message.index) && n < times) {
            crashes.set(message.index, n + 1);
            setTimeout(() => this.onerror?.(new ErrorEvent('error', { message: 'simulated crash' })), 10);
            return;
          }
          super.postMessage(message, transfer);
        }
      };
      return crashes;
    };
    const once = crash([1], 1);
    const survived = await transcode(blob, { workers: 2, video: 'copy' })
      .then((x) => ({ frames: x.stats.frames }), (e) => ({ kind: e.kind }));
    crash([2], 5);
    const failed = await transcode(blob, { workers: 2, video: 'copy' })
      .then(() => ({}), (e) => ({ kind: e.kind, message: e.message }));
    self.Worker = Native;
    return { survived, crashesOnce: once.get(1), failed };
  });
  assert.equal(r.crashesOnce, 1);
  assert.equal(r.survived.frames, 134, 'the retried chunk completed the file');
  assert.equal(r.failed.kind, 'WorkerCrashed');
  assert.match(r.failed.message, /chunk 2 \(source time 5\.40 s to 7\.40 s\) crashed twice/);
});
