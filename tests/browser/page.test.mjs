// The page as a person uses it: drop a file, watch the fan-out, play the
// result, download it; an unsupported file shows its named error.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testIn, corpus, repo, dropFile as dropServed, unsupportedCodecDir } from './harness.mjs';

const ALL = ['chromium', 'firefox', 'webkit'];

/** Drops the corpus file `name` on `#drop`. */
const dropFile = (page, name) => dropServed(page, `/corpus/${name}`, name);

const frames = (file) => Number(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0',
  '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file]).toString().trim().split('\n')[0]);
const codecs = (file) => execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file])
  .toString().trim().split('\n').map((s) => s.trim());

/** Plays the page's result <video> for 1.5 s: its size, how far it got, any error. */
const playResult = (page) => page.evaluate(async () => {
  const video = document.getElementById('result');
  video.muted = true;
  if (video.readyState < 1) await new Promise((ok) => video.addEventListener('loadedmetadata', ok, { once: true }));
  await video.play();
  const start = video.currentTime;
  await new Promise((ok) => setTimeout(ok, 1500));
  return { width: video.videoWidth, height: video.videoHeight, advanced: video.currentTime - start, error: video.error?.message ?? null };
});

testIn(ALL, 'drop a file, watch the chunks, play and download the MP4', async (page) => {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.reload();
  await page.fill('#workers', '2');
  await dropFile(page, 'muxjs-test-segment.ts');
  await page.waitForFunction(() => document.body.dataset.state === 'running');
  await page.waitForFunction(() => document.body.dataset.state !== 'running', null, { timeout: 180_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'done', await page.textContent('#status'));
  const tiles = await page.$$eval('#chunks .chunk', (els) => els.map((e) => e.dataset.state));
  assert.equal(tiles.length, 5);
  assert.ok(tiles.every((s) => s === 'done'));

  // The result plays in the page's <video>.
  const playback = await playResult(page);
  assert.equal(playback.error, null);
  // The display size: 388x300 coded with the source's 237:235 pixel aspect (pasp).
  const [w, h, sar] = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries',
    'stream=width,height,sample_aspect_ratio', '-of', 'csv=p=0', corpus('muxjs-test-segment.ts')]).toString().trim().split('\n')[0].split(',');
  const [num, den] = sar.split(':').map(Number);
  assert.equal(playback.height, Number(h));
  assert.ok(Math.abs(playback.width - Number(w) * num / den) < 1, `videoWidth ${playback.width}`);
  assert.ok(playback.advanced > 0.5, `currentTime advanced ${playback.advanced} s`);

  // Download it and check it with ffprobe.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const file = join(await mkdtemp(join(tmpdir(), 'fanout-page-')), 'out.mp4');
  await download.saveAs(file);
  assert.equal(download.suggestedFilename(), 'muxjs-test-segment.mp4');
  assert.equal(frames(file), frames(corpus('muxjs-test-segment.ts')));
  assert.deepEqual(codecs(file).sort(), ['aac', 'av1']);
  assert.match(await page.textContent('#summary'), /134/);
  assert.deepEqual(errors, []);
}, { path: '' });

testIn(ALL, 'H.264 fast mode: plays in the page, every frame there, same bytes as the CLI', async (page) => {
  await page.reload();
  await page.fill('#workers', '2');
  await page.selectOption('#video', 'h264');
  await dropFile(page, 'muxjs-test-segment.ts');
  await page.waitForFunction(() => document.body.dataset.state !== 'idle' && document.body.dataset.state !== 'running',
    null, { timeout: 120_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'done', await page.textContent('#status'));
  const playback = await playResult(page);
  assert.equal(playback.error, null);
  assert.equal(playback.height, 300);
  assert.ok(playback.advanced > 0.5, `currentTime advanced ${playback.advanced} s`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const dir = await mkdtemp(join(tmpdir(), 'fanout-page-'));
  const file = join(dir, 'out.mp4');
  await download.saveAs(file);
  assert.equal(frames(file), frames(corpus('muxjs-test-segment.ts')));
  assert.deepEqual(codecs(file).sort(), ['aac', 'h264']);
  execFileSync(join(repo, 'target', 'release', 'fanout'),
    [corpus('muxjs-test-segment.ts'), '-o', join(dir, 'cli.mp4'), '--video', 'h264', '--jobs', '1']);
  assert.ok((await readFile(file)).equals(await readFile(join(dir, 'cli.mp4'))), 'page and CLI MP4s differ');
}, { path: '' });

testIn(ALL, 'an unsupported file shows its named error and the page stays usable', async (page) => {
  await dropServed(page, '/fixtures/mpeg4-part2.ts', 'mpeg4-part2.ts');
  await page.waitForFunction(() => document.body.dataset.state === 'error', null, { timeout: 60_000 });
  const message = await page.textContent('#error');
  assert.match(message, /MPEG-4 Part 2 video/);
  assert.match(message, /H\.264/);
  assert.ok(await page.isVisible('#error'));
  // Usable again: the bundled sample in copy mode runs to the end.
  await page.selectOption('#video', 'copy');
  await page.click('#sample');
  await page.waitForFunction(() => document.body.dataset.state === 'done', null, { timeout: 60_000 });
  assert.ok(await page.isHidden('#error'));
}, { path: '', mounts: { '/fixtures/': unsupportedCodecDir() } });

testIn(['chromium', 'firefox'], 'a reloaded tab offers to resume: Resume finishes from the checkpoints', async (page) => {
  const setUp = async () => {
    await page.fill('#workers', '1');
    await page.fill('#chunk', '1');
    await page.selectOption('#preset', 'fast');
  };
  await setUp();
  await dropFile(page, 'muxjs-test-segment.ts');
  await page.waitForFunction(() => document.querySelectorAll('#chunks [data-state="done"]').length >= 2,
    null, { timeout: 120_000 });
  await page.reload();
  // The stopped run is listed, and dropping the file again offers to resume.
  await page.waitForSelector('#unfinished:not([hidden])', { timeout: 10_000 });
  assert.match(await page.textContent('#unfinished'), /muxjs-test-segment\.ts: \d+ chunks? done/);
  await setUp();
  await dropFile(page, 'muxjs-test-segment.ts');
  await page.waitForSelector('#resume:not([hidden])', { timeout: 10_000 });
  assert.match(await page.textContent('#resume-text'), /stopped with \d+ chunks? finished/);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'idle', 'nothing runs before the choice');
  await page.click('#resume-go');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: 120_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'done', await page.textContent('#status'));
  assert.match(await page.textContent('#summary'), /resumed from an earlier run/);
  assert.ok(await page.isHidden('#unfinished'), 'finished: no checkpoints left');
}, { path: '' });

testIn(['chromium'], 'a dropped file shows its plan (every track, each mode timed and sized); nothing runs until Start', async (page) => {
  await page.reload();
  await page.fill('#workers', '2');
  // Three audio tracks: MP2 and AC-3 converted, DTS dropped by name.
  await dropServed(page, '/fixtures/three-audio.ts', 'three-audio.ts', { start: false });
  await page.waitForFunction(() => ['planned', 'error'].includes(document.body.dataset.state), null, { timeout: 60_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'planned', await page.textContent('#status'));
  const tracks = await page.$$eval('#plan-tracks li', (els) => els.map((e) => [e.dataset.action, e.textContent]));
  assert.equal(tracks.length, 4, JSON.stringify(tracks));
  assert.match(tracks[0][1], /^Video: H\.264 320×240/);
  assert.deepEqual(tracks.slice(1, 3).map((t) => t[0]), ['transcode', 'transcode']);
  assert.match(tracks[1][1], /MPEG-1\/2 audio.*\(eng\).*converted to AAC/);
  assert.match(tracks[2][1], /AC-3 \(deu\).*converted to AAC/);
  assert.equal(tracks[3][0], 'drop');
  assert.match(tracks[3][1], /DTS audio.*Fanout does not decode DTS/);
  const modes = await page.$$eval('#plan-modes label', (els) => els.map((e) => ({
    id: e.dataset.mode, checked: e.querySelector('input').checked,
    time: e.querySelector('.plan-time').textContent, size: e.querySelector('.plan-size').textContent,
  })));
  assert.deepEqual(modes.map((m) => m.id), ['av1-fast', 'av1-balanced', 'av1-small', 'h264', 'copy']);
  for (const m of modes) {
    assert.match(m.time, /^\d+:\d\d \(\d+:\d\d–\d+:\d\d\)$/, `${m.id} time: ${m.time}`);
    assert.match(m.size, /\d.*(B|kB|MB) \(\d+ % of the source\)$/, `${m.id} size: ${m.size}`);
  }
  assert.equal(modes.filter((m) => m.checked).length, 1, 'the recommended mode is chosen');
  // Nothing runs while the plan waits: no chunk on the board, still planned.
  await new Promise((ok) => setTimeout(ok, 1500));
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'planned');
  assert.equal(await page.$$eval('#chunks .chunk', (els) => els.length), 0);
  // Start runs the chosen mode: H.264 here.
  await page.click('#plan-mode-h264');
  await page.click('#plan-start');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: 120_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'done', await page.textContent('#status'));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const file = join(await mkdtemp(join(tmpdir(), 'fanout-plan-')), 'out.mp4');
  await download.saveAs(file);
  assert.deepEqual(codecs(file).sort(), ['aac', 'aac', 'h264']);

  // The package: plan() then transcode({ plan, mode }) with the plan's ETA.
  const lib = await page.evaluate(async () => {
    const { plan, transcode } = await import('./fanout/index.js');
    const file = new File([await (await fetch('/fixtures/three-audio.ts')).blob()], 'three-audio.ts');
    const p = await plan(file, { workers: 2, goal: 'plays-everywhere' });
    const seen = [];
    const { stats } = await transcode(file, { plan: p, mode: 'copy', output: 'memory', onProgress: (x) => seen.push(x) });
    return {
      recommended: p.recommended, duration: p.duration, workers: p.workers,
      copySeconds: p.modes.find((m) => m.id === 'copy').seconds.estimate,
      planned: seen.map((x) => x.plannedSeconds), frames: stats.frames,
    };
  });
  assert.equal(lib.recommended, 'copy', 'H.264 plays everywhere: copying it is recommended');
  assert.ok(Math.abs(lib.duration - 2) < 0.1, `duration ${lib.duration}`);
  assert.equal(lib.workers, 2);
  assert.ok(lib.planned.every((s) => s === lib.copySeconds), 'every progress event carries the plan');
  assert.equal(lib.frames, 50);
}, { path: '', mounts: { '/fixtures/': threeAudioDir() } });

/** A 2 s H.264 TS with MP2 (eng), AC-3 (deu) and DTS audio, made once. */
function threeAudioDir() {
  const dir = mkdtempSync(join(tmpdir(), 'fanout-three-audio-'));
  const tone = (f) => ['-f', 'lavfi', '-i', `sine=f=${f}:r=48000`];
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25',
    ...tone(440), ...tone(660), ...tone(880), '-map', '0:v', '-map', '1:a', '-map', '2:a', '-map', '3:a',
    '-t', '2', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '25', '-c:a:0', 'mp2', '-c:a:1', 'ac3',
    '-c:a:2', 'dca', '-strict', '-2', '-ac:a:2', '2', '-metadata:s:a:0', 'language=eng',
    '-metadata:s:a:1', 'language=deu', '-f', 'mpegts', join(dir, 'three-audio.ts')]);
  return dir;
}
