// Headless Chromium for the benchmark: the same browser and flags as the
// browser tests (tests/browser/harness.mjs), but the server also mounts the
// benchmark's work folder (/bench-work/) and node_modules (/node_modules/,
// for Mediabunny and ffmpeg.wasm), and memory is sampled over exactly the
// processes of this browser (not any other Chromium on the machine).
import { chromium } from 'playwright-core';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../../scripts/serve.mjs';
import { repo, www } from './util.mjs';
import { CHROMIUM_ARGS } from '../../tests/browser/harness.mjs';

export const chromiumPath = '/usr/bin/chromium';

/** Starts a server and a browser; returns { page, url, profile, close }. */
export async function openBrowser({ work }) {
  const mounts = { '/bench-work/': work, '/node_modules/': join(repo, 'node_modules') };
  const server = await serve({ root: www, port: 0, isolation: true, mounts });
  const profile = await mkdtemp(join(tmpdir(), 'fanout-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    acceptDownloads: true,
    args: CHROMIUM_ARGS,
  });
  const url = `http://127.0.0.1:${server.address().port}/`;
  const page = await context.newPage();
  page.on('console', (m) => { if (process.env.BENCH_DEBUG) console.log('[page]', m.text()); });
  await page.goto(url + 'fanout/package.json');
  return {
    page, url, profile, context,
    async close() {
      await context.close().catch(() => {});
      server.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

async function procInfo(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return { pid: Number(pid), ppid };
}

/** The browser's processes: the one started with our profile and its descendants. */
async function browserPids(profile) {
  const all = [];
  const roots = new Set();
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const info = await procInfo(pid);
      all.push(info);
      if ((await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes(`--user-data-dir=${profile}`)) roots.add(info.pid);
    } catch { /* ended */ }
  }
  const tree = new Set(roots);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) if (!tree.has(p.pid) && tree.has(p.ppid)) { tree.add(p.pid); grew = true; }
  }
  return [...tree];
}

/** Samples the sum of RSS and of PSS over the browser's processes every `ms`. */
export function sampleMemory(profile, ms = 500) {
  let peakRss = 0, peakPss = 0, stopped = false, busy = false;
  const tick = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      let rss = 0, pss = 0;
      for (const pid of await browserPids(profile)) {
        try {
          const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
          rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) * 1024;
          pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) * 1024;
        } catch { /* ended */ }
      }
      peakRss = Math.max(peakRss, rss);
      peakPss = Math.max(peakPss, pss);
    } finally { busy = false; }
  };
  const timer = setInterval(tick, ms);
  tick();
  return { stop() { stopped = true; clearInterval(timer); return { peakBytes: peakRss, peakPssBytes: peakPss }; } };
}

/** Saves the page's object URL `window[name]` to `path` through a download. */
export async function download(page, name, path) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 0 }), page.evaluate((name) => {
    const a = Object.assign(document.createElement('a'), { href: window[name], download: 'out.mp4' });
    document.body.append(a);
    a.click();
    a.remove();
  }, name)]);
  await dl.saveAs(path);
}
