// What differs between Chromium, Firefox and WebKit, as the page tells the
// user in its "This browser" panel (found by feature detection), checked
// against what each engine here really has, and against where the result
// of a transcode really went. Browsers configured without what Fanout
// needs (WebAssembly turned off, OPFS refused in a private window) get the
// page's plain-words answer, not a crash.
import assert from 'node:assert/strict';
import { testIn } from './harness.mjs';

/** The panel as { feature: { ok, text } }, once it is filled in. */
async function panel(page) {
  await page.waitForSelector('#support li[data-feature]', { timeout: 20_000 });
  const rows = await page.$$eval('#support li', (els) => els.map((e) => [e.dataset.feature, e.dataset.ok, e.textContent]));
  return Object.fromEntries(rows.map(([feature, ok, text]) => [feature, { ok: ok === 'true', text }]));
}

/** Transcodes the bundled sample from the page in copy mode; the summary. */
async function runSample(page) {
  await page.selectOption('#video', 'copy');
  await page.fill('#workers', '2');
  await page.click('#sample');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: 60_000 });
  return { state: await page.evaluate(() => document.body.dataset.state), summary: await page.textContent('#summary'),
    status: await page.textContent('#status') };
}

// What each engine on Debian 12 has (README: "Browsers").
const HAS = {
  chromium: { storage: true, save: true },
  firefox: { storage: true, save: false },
  webkit: { storage: false, save: false },
};

testIn(['chromium', 'firefox', 'webkit'], 'the "This browser" panel says what the browser will use, and the transcode uses it', async (page, engine) => {
  const p = await panel(page);
  assert.ok(p.engine.ok, p.engine.text);
  assert.match(p.engine.text, /Fanout runs here/);
  assert.equal(p.storage.ok, HAS[engine].storage, p.storage.text);
  assert.match(p.storage.text, HAS[engine].storage ? /written to this site's storage \(OPFS\).*can be resumed/
    : /missing or refused.*kept in memory.*cannot be resumed/);
  assert.equal(p.save.ok, HAS[engine].save, p.save.text);
  if (!HAS[engine].save) assert.match(p.save.text, /download the result/);
  assert.equal(await page.isVisible('#save-field'), HAS[engine].save, '"Save to" is offered only with a file picker');
  // AV1 playback is claimed in all three here (WebKitGTK through GStreamer);
  // page.test.mjs plays an AV1 result in each.
  assert.ok(p.play.ok, p.play.text);
  const run = await runSample(page);
  assert.equal(run.state, 'done', run.status);
  assert.match(run.summary, HAS[engine].storage ? /Kept inthis site's storage \(OPFS\)/ : /Kept inmemory/);
}, { path: '' });

testIn(['firefox'], 'with WebAssembly turned off the page says Fanout cannot run, and a transcode names the reason', async (page) => {
  const p = await panel(page);
  assert.equal(p.engine.ok, false);
  assert.match(p.engine.text, /no WebAssembly \(or it is turned off\).*cannot transcode here/);
  assert.equal(await page.evaluate(() => document.body.dataset.support), 'unsupported');
  const run = await runSample(page);
  assert.equal(run.state, 'error');
  assert.match(await page.textContent('#error-message'), /no WebAssembly .*Fanout cannot transcode here/);
  assert.match(await page.textContent('#error-hint'), /Firefox and Safari have what Fanout needs/);
}, { path: '', prefs: { 'javascript.options.wasm': false } });

testIn(['firefox'], 'a private window refuses OPFS: the page says so and the result is kept in memory', async (page) => {
  const p = await panel(page);
  assert.equal(p.storage.ok, false);
  assert.match(p.storage.text, /missing or refused.*kept in memory.*cannot be resumed/);
  const run = await runSample(page);
  assert.equal(run.state, 'done', run.status);
  assert.match(run.summary, /Kept inmemory/);
}, { path: '', prefs: { 'browser.privatebrowsing.autostart': true } });
