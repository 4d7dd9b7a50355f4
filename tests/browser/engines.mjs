// Firefox and WebKit for the browser tests, behind the part of
// playwright-core's Page API the tests use, so one test body runs in every
// engine. Chromium stays on playwright-core itself (harness.mjs).
//
// - Firefox: Debian's firefox-esr, headless, through WebDriver BiDi with
//   puppeteer-core (playwright-core drives only its own patched Firefox).
// - WebKit: Debian's WebKitGTK MiniBrowser through WebKitWebDriver (W3C
//   WebDriver, spoken here with fetch), on a virtual X display (xvfb-run):
//   WebKitGTK has no headless mode.
//
// Everything a test does in the page goes through one primitive, `run(src,
// arg)`: evaluate the function source `src` on `arg` in the page and
// return its (JSON) result. Filling, clicking and waiting are built on it,
// once, for both engines.
import { spawn, execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';

export const FIREFOX = '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** What the page offers to download: the link's target, read as base64, and its name. */
const readLink = async (selector) => {
  const a = document.querySelector(selector);
  const bytes = new Uint8Array(await (await fetch(a.href)).arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { name: a.getAttribute('download'), base64: btoa(s) };
};

/** A page of an engine without playwright: the Page methods the tests use. */
class ScriptedPage {
  constructor() {
    this.listeners = { pageerror: [] };
    this.pendingDownload = null;
  }

  on(event, fn) {
    this.listeners[event].push(fn);
  }

  evaluate(fn, arg) {
    return this.run(typeof fn === 'function' ? fn.toString() : `() => (${fn})`, arg);
  }

  async waitForFunction(fn, arg, { timeout = 30_000 } = {}) {
    const until = Date.now() + timeout;
    for (;;) {
      const value = await this.evaluate(fn, arg);
      if (value) return value;
      if (Date.now() > until) throw new Error(`waitForFunction timed out after ${timeout} ms: ${fn}`);
      await sleep(100);
    }
  }

  waitForSelector(selector, options) {
    return this.waitForFunction((s) => !!document.querySelector(s), selector, options);
  }

  fill(selector, value) {
    return this.evaluate(([s, v]) => {
      const el = document.querySelector(s);
      el.value = v;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }, [selector, value]);
  }

  selectOption(selector, value) {
    return this.fill(selector, value);
  }

  async click(selector) {
    if (this.pendingDownload) {
      // The download link: what it points at is the download.
      const link = await this.evaluate(readLink, selector);
      this.pendingDownload(link);
      this.pendingDownload = null;
      return;
    }
    await this.evaluate((s) => document.querySelector(s).click(), selector);
  }

  textContent(selector) {
    return this.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector);
  }

  isVisible(selector) {
    return this.evaluate((s) => {
      const el = document.querySelector(s);
      return !!el && !el.closest('[hidden]') && el.getClientRects().length > 0;
    }, selector);
  }

  async isHidden(selector) {
    return !(await this.isVisible(selector));
  }

  $$eval(selector, fn) {
    return this.evaluate(`(${fn})([...document.querySelectorAll(${JSON.stringify(selector)})])`);
  }

  /** 'download': resolved by the next click, on a link, with what the link
   * downloads (the blob the page made, under the name the page gave it). */
  waitForEvent(event) {
    if (event !== 'download') throw new Error(`waitForEvent(${event}) is not supported in ${this.engine}`);
    return new Promise((ok) => {
      this.pendingDownload = ({ name, base64 }) => ok({
        suggestedFilename: () => name,
        saveAs: (path) => writeFile(path, Buffer.from(base64, 'base64')),
      });
    });
  }

  pageErrors(messages) {
    for (const m of messages) for (const fn of this.listeners.pageerror) fn(new Error(m));
  }
}

// ------------------------------------------------------------------ Firefox

class FirefoxPage extends ScriptedPage {
  engine = 'firefox';

  constructor(page) {
    super();
    this.page = page;
    page.on('pageerror', (e) => this.pageErrors([e.message]));
  }

  run(src, arg) {
    return this.page.evaluate(`(${src})(${JSON.stringify(arg) ?? 'undefined'})`);
  }

  async goto(url) { await this.page.goto(url); }
  async reload() { await this.page.reload(); }
  async close() { await this.page.close(); }
  url() { return this.page.url(); }
}

/** Starts headless firefox-esr; returns { newPage, close, version }. */
async function launchFirefox({ prefs = {} } = {}) {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    extraPrefsFirefox: prefs,
  });
  return {
    version: await browser.version(),
    async newPage() { return new FirefoxPage(await browser.newPage()); },
    close: () => browser.close(),
  };
}

// ------------------------------------------------------------------- WebKit

class WebKitPage extends ScriptedPage {
  engine = 'webkit';

  constructor(session) {
    super();
    this.session = session;
  }

  async run(src, arg) {
    // The page's uncaught errors are collected by listeners put in after
    // each load and handed over with every script's result.
    const script = `const done = arguments[1];
      if (!window.__fanoutErrors) {
        window.__fanoutErrors = [];
        addEventListener('error', (e) => window.__fanoutErrors.push(e.message));
        addEventListener('unhandledrejection', (e) => window.__fanoutErrors.push(String(e.reason?.message ?? e.reason)));
      }
      const drain = () => window.__fanoutErrors.splice(0);
      Promise.resolve().then(() => (${src})(arguments[0])).then(
        (value) => done({ value: value === undefined ? null : value, errors: drain() }),
        (e) => done({ thrown: String(e?.stack ?? e), errors: drain() }));`;
    const r = await this.session.command('POST', '/execute/async', { script, args: [arg ?? null] });
    this.pageErrors(r.errors);
    if (r.thrown) throw new Error(`in the page: ${r.thrown}`);
    return r.value;
  }

  // WebKitWebDriver returns from a navigation at readyState 'interactive',
  // before module scripts have run: wait for the load to complete.
  async goto(url) {
    await this.session.command('POST', '/url', { url });
    await this.waitForFunction(() => document.readyState === 'complete');
  }

  async reload() {
    await this.session.command('POST', '/refresh', {});
    await this.waitForFunction(() => document.readyState === 'complete');
  }

  url() { return this.session.lastUrl; }
}

/** Starts WebKitWebDriver on a virtual display; each newPage() is a new
 * MiniBrowser session. Returns { newPage, close, version }. */
async function launchWebKit() {
  const port = 20000 + Math.floor(Math.random() * 20000);
  // Its own process group, so that close() ends xvfb-run, Xvfb, the driver
  // and MiniBrowser together.
  const driver = spawn('xvfb-run', ['-a', WEBKIT_DRIVER, `--port=${port}`], { detached: true, stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const res = await fetch(base + path, {
      method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${json.value?.error}: ${json.value?.message}`);
    return json.value;
  };
  for (let tries = 0; ; tries += 1) {
    try {
      await call('GET', '/status');
      break;
    } catch (err) {
      if (tries > 100 || driver.exitCode !== null) throw new Error(`WebKitWebDriver did not start: ${err.message}`);
      await sleep(100);
    }
  }
  const sessions = [];
  let version = null;
  return {
    get version() { return version; },
    async newPage() {
      const created = await call('POST', '/session', {
        capabilities: {
          alwaysMatch: {
            'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
            timeouts: { script: 600_000, pageLoad: 60_000 },
          },
        },
      });
      version = `MiniBrowser (WebKitGTK) ${created.capabilities.browserVersion}`;
      const id = created.sessionId;
      const session = {
        id,
        lastUrl: null,
        command: (method, path, body) => {
          if (path === '/url') session.lastUrl = body.url;
          return call(method, `/session/${id}${path}`, body);
        },
      };
      sessions.push(session);
      return new WebKitPage(session);
    },
    async close() {
      for (const s of sessions) await call('DELETE', `/session/${s.id}`).catch(() => {});
      try { process.kill(-driver.pid, 'SIGTERM'); } catch { /* gone */ }
    },
  };
}

/** Launches `engine` ('firefox' or 'webkit'); `prefs` are Firefox preferences. */
export function launch(engine, options) {
  if (engine === 'firefox') return launchFirefox(options);
  if (engine === 'webkit') return launchWebKit(options);
  throw new Error(`unknown engine ${engine}`);
}

/** The engines' versions, as the README's table gives them. */
export function versions() {
  const first = (cmd, args) => execFileSync(cmd, args).toString().trim().split('\n')[0];
  return {
    chromium: first('/usr/bin/chromium', ['--version']),
    firefox: first(FIREFOX, ['--version']),
    webkit: `WebKitGTK ${first('dpkg-query', ['-W', '-f=${Version}', 'libwebkit2gtk-4.1-0'])}`,
  };
}

