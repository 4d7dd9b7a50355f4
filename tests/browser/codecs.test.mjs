// HEVC and MPEG-2 video sources in the page: the result plays in <video>,
// has every source frame, and is byte-identical to the CLI's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withPage, corpus, repo, dropFile } from './harness.mjs';

/** One field of the first video stream, from ffprobe. */
const probe = (file, field, extra = []) => execFileSync('ffprobe', ['-v', 'error', ...extra, '-select_streams', 'v:0',
  '-show_entries', `stream=${field}`, '-of', 'default=nw=1:nk=1', file]).toString().trim().split('\n')[0].trim();
const frames = (file) => Number(probe(file, 'nb_read_frames', ['-count_frames']));
const videoCodec = (file) => probe(file, 'codec_name');

const CASES = [
  // 854x480 HEVC Main, 30 frames, to AV1 (the default mode).
  { name: 'androidx-hevc-unsupported.ts', video: 'av1', codec: 'av1' },
  // 1920x1080 MPEG-2 video + MP2, 58 frames, to H.264 (the fast mode).
  { name: 'androidx-mpeg2video-unsupported.ts', video: 'h264', codec: 'h264' },
];

for (const { name, video, codec } of CASES) {
  test(`${videoCodec(corpus(name))} source in the page: plays, every frame, same bytes as the CLI (${video})`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fanout-codecs-'));
    await withPage(async (page) => {
      await page.reload();
      await page.fill('#workers', '2');
      await page.selectOption('#video', video);
      await dropFile(page, `/corpus/${name}`, name);
      await page.waitForFunction(() => document.body.dataset.state !== 'idle' && document.body.dataset.state !== 'running',
        null, { timeout: 240_000 });
      assert.equal(await page.evaluate(() => document.body.dataset.state), 'done', await page.textContent('#status'));
      const played = await page.evaluate(async () => {
        const v = document.getElementById('result');
        v.muted = true;
        if (v.readyState < 1) await new Promise((ok) => v.addEventListener('loadedmetadata', ok, { once: true }));
        await v.play();
        await new Promise((ok) => setTimeout(ok, 700));
        return { width: v.videoWidth, time: v.currentTime, error: v.error?.message };
      });
      assert.equal(played.error, undefined);
      assert.ok(played.width > 0 && played.time > 0.2, JSON.stringify(played));

      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
      const file = join(dir, 'page.mp4');
      await download.saveAs(file);
      assert.equal(videoCodec(file), codec);
      assert.equal(frames(file), frames(corpus(name)));
      execFileSync(join(repo, 'target', 'release', 'fanout'), [corpus(name), '-o', join(dir, 'cli.mp4'), '--video', video, '--jobs', '1']);
      assert.ok((await readFile(file)).equals(await readFile(join(dir, 'cli.mp4'))), 'page and CLI MP4s differ');
    }, { path: '' });
  });
}
