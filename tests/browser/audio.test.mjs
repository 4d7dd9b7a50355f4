// Audio in the browser: a source whose audio is AC-3 or MP2 comes out of
// the page with AAC that Chromium decodes and plays, and the same bytes as
// the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withPage, repo, dropFile } from './harness.mjs';

const TONES = 'aevalsrc=0.4*sin(2*PI*440*t)*(0.6+0.4*sin(2*PI*1.3*t))|0.3*sin(2*PI*660*t):s=48000:c=stereo';

/** A 3 s H.264 + audio TS made by ffmpeg in `dir`. */
function source(dir, name, audio) {
  const file = join(dir, `${name}.ts`);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi',
    '-i', TONES, '-t', '3', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '25', ...audio, '-f', 'mpegts', file]);
  return file;
}

// Each decoder's output must be the same bits natively and in wasm for the
// MP4s to match (oxideav-ac3 is vendored with portable math for that).
const SOURCES = {
  ac3: ['-c:a', 'ac3', '-b:a', '192k'],
  eac3: ['-c:a', 'eac3', '-b:a', '192k'],
  mp2: ['-c:a', 'mp2', '-b:a', '192k'],
  latm: ['-c:a', 'aac', '-b:a', '128k', '-mpegts_flags', 'latm'],
};

const audioCodecs = (file) => execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'a', '-show_entries',
  'stream=codec_name,channels', '-of', 'csv=p=0', file]).toString().trim().split('\n');

for (const [codec, audio] of Object.entries(SOURCES)) {
  test(`${codec} audio plays in the page as AAC, same bytes as the CLI`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fanout-audio-'));
    const input = source(dir, codec, audio);
    await withPage(async (page) => {
      await page.reload();
      await page.fill('#workers', '2');
      await page.selectOption('#video', 'copy');
      await dropFile(page, `/fixtures/${codec}.ts`, `${codec}.ts`);
      await page.waitForFunction(() => document.body.dataset.state !== 'idle' && document.body.dataset.state !== 'running',
        null, { timeout: 120_000 });
      assert.equal(await page.evaluate(() => document.body.dataset.state), 'done', await page.textContent('#status'));
      // Chromium decodes the audio while the result plays.
      const played = await page.evaluate(async () => {
        const video = document.getElementById('result');
        video.muted = true;
        if (video.readyState < 1) await new Promise((ok) => video.addEventListener('loadedmetadata', ok, { once: true }));
        await video.play();
        await new Promise((ok) => setTimeout(ok, 1500));
        return { audioBytes: video.webkitAudioDecodedByteCount, time: video.currentTime, error: video.error?.message };
      });
      assert.equal(played.error, undefined);
      assert.ok(played.time > 0.5, `currentTime ${played.time}`);
      assert.ok(played.audioBytes > 0, `audio decoded: ${played.audioBytes} bytes`);
      const summary = await page.textContent('#summary');
      assert.match(summary, /→ AAC/, summary);

      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
      const file = join(dir, 'page.mp4');
      await download.saveAs(file);
      assert.deepEqual(audioCodecs(file), ['aac,2']);
      execFileSync(join(repo, 'target', 'release', 'fanout'), [input, '-o', join(dir, 'cli.mp4'), '--video', 'copy', '--jobs', '1']);
      assert.ok((await readFile(file)).equals(await readFile(join(dir, 'cli.mp4'))), 'page and CLI MP4s differ');
    }, { path: '', mounts: { '/fixtures/': dir } });
  });
}
