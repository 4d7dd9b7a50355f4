// The npm package installed into a minimal Vite app, bundled, and run in
// Chromium: what a web developer would do with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { open, repo } from './harness.mjs';

test('the npm package transcodes inside a Vite-built app', async () => {
  const app = join(repo, 'tests', 'browser', 'vite-app');
  // Installs the package from its folder (a link, no registry) and bundles.
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock'], { cwd: app, stdio: 'inherit' });
  execFileSync(join(repo, 'node_modules', '.bin', 'vite'), ['build'], { cwd: app, stdio: 'inherit' });
  const { url, context, close } = await open({ root: join(app, 'dist') });
  try {
    const page = await context.newPage();
    await page.goto(url);
    const r = await page.evaluate(() => window.runTranscode('/corpus/muxjs-test-segment.ts', { workers: 2, duration: 2 }));
    assert.equal(r.type, 'video/mp4');
    assert.equal(r.frames, 30);
    assert.ok(r.bytes > 10_000);
  } finally {
    await close();
  }
});
