// Shared setup for the browser tests: Debian's Chromium driven by
// playwright-core (and Firefox and WebKit behind the same Page methods,
// engines.mjs), pages served from www/ on 127.0.0.1.
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../scripts/serve.mjs';
import { launch } from './engines.mjs';

export const repo = fileURLToPath(new URL('../..', import.meta.url));
export const www = join(repo, 'www');
export const corpus = (name) => join(repo, '..', 'shared', 'corpus', name);

/** Headless Chromium's flags, shared with the benchmark (bench/lib/browser.mjs). */
export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Starts a server and a browser (`engine`: 'chromium', 'firefox' or
 * 'webkit'; `prefs`: Firefox preferences); returns { url, context, close }
 * (for Firefox and WebKit `context` has only newPage()). */
export async function open({ isolation = true, root = www, mounts: extra = {}, engine = 'chromium', prefs } = {}) {
  const mounts = { '/corpus/': join(repo, '..', 'shared', 'corpus'), ...extra };
  const server = await serve({ root, port: 0, isolation, mounts });
  const url = `http://127.0.0.1:${server.address().port}/`;
  if (engine !== 'chromium') {
    const browser = await launch(engine, { prefs });
    return {
      url,
      context: browser,
      async close() {
        await browser.close();
        server.close();
      },
    };
  }
  const profile = await mkdtemp(join(tmpdir(), 'fanout-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    acceptDownloads: true,
    args: CHROMIUM_ARGS,
  });
  return {
    url,
    context,
    async close() {
      await context.close();
      server.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Opens a page at `path` (a blank same-origin document by default), runs
 * `fn(page)`, and always closes the browser and the server. */
export async function withPage(fn, { path = 'fanout/package.json', ...options } = {}) {
  const { url, context, close } = await open(options);
  try {
    const page = await context.newPage();
    await page.goto(url + path);
    return await fn(page);
  } finally {
    await close();
  }
}

/**
 * Registers `name` as a test in each of `engines` ('chromium', 'firefox',
 * 'webkit'): `fn(page, engine)` runs in a fresh browser per engine (see
 * withPage for `options`). Chromium's test keeps the plain name; the
 * others get the engine in brackets.
 */
export function testIn(engines, name, fn, options = {}) {
  for (const engine of engines) test(nameIn(engine, name), () => withPage((page) => fn(page, engine), { ...options, engine }));
}

/** A test's name in `engine` (see testIn). */
export const nameIn = (engine, name) => (engine === 'chromium' ? name : `[${engine}] ${name}`);

/** Makes (once per process) a TS whose video Fanout does not decode
 * (MPEG-4 Part 2) in a temporary folder; returns the folder. */
let unsupportedDir;
export function unsupportedCodecDir() {
  if (!unsupportedDir) {
    unsupportedDir = mkdtempSync(join(tmpdir(), 'fanout-unsupported-'));
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25', '-t', '0.5',
      '-c:v', 'mpeg4', '-f', 'mpegts', join(unsupportedDir, 'mpeg4-part2.ts')]);
  }
  return unsupportedDir;
}

/** Drops the file served at `url` on the page's `#drop` as `name`, as a
 * drag from the desktop would. The page then shows its plan; with `start`
 * (the default) this picks the mode the settings panel was on before the
 * drop and presses Start (unless the page offered to resume, or failed). */
export async function dropFile(page, url, name, { start = true } = {}) {
  const mode = await page.evaluate(async ([url, name]) => {
    const video = document.getElementById('video').value;
    const mode = video === 'av1' ? `av1-${document.getElementById('preset').value}` : video;
    const blob = await (await fetch(url)).blob();
    const transfer = new DataTransfer();
    // A fixed modification time, as a file on disk has between two drops.
    transfer.items.add(new File([blob], name, { type: 'video/mp2t', lastModified: 1 }));
    const drop = document.getElementById('drop');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      drop.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }
    return mode;
  }, [url, name]);
  if (!start) return;
  await page.waitForFunction(() => ['planned', 'error'].includes(document.body.dataset.state)
    || !document.getElementById('resume').hidden, null, { timeout: 120_000 });
  if (await page.evaluate(() => document.body.dataset.state) !== 'planned') return;
  await page.click(`#plan-mode-${mode}`);
  await page.click('#plan-start');
}
