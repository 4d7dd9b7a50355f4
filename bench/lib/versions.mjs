// What ran: machine, tools and library versions, for the report.
import { readFile, stat } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { repo, runCommand } from './util.mjs';

const first = async (cmd, args) => {
  try { const r = await runCommand(cmd, args); return (r.stdout || r.stderr).trim().split('\n')[0]; } catch { return null; }
};

export async function collectVersions(cfg) {
  const v = {};
  v.cpu = `${cpus().length} cores, ${cpus()[0]?.model ?? '?'}`;
  v.memory = `${(totalmem() / 2 ** 30).toFixed(1)} GiB`;
  v.os = (await readFile('/etc/os-release', 'utf8').catch(() => '')).match(/PRETTY_NAME="(.*)"/)?.[1] ?? null;
  v.node = process.version;
  v.ffmpeg = await first('ffmpeg', ['-version']);
  v.chromium = (await first('/usr/bin/chromium', ['--version']))?.replace(/\/usr\/bin\/chromium.*$/, '').trim();
  const debs = await runCommand('dpkg-query', ['-W', '-f', '${Package} ${Version}\n', 'librav1e*', 'libsvtav1enc*', 'libaom3', 'libx264-*', 'libdav1d*']).catch(() => null);
  v.debianLibraries = debs?.stdout.trim().split('\n').filter(Boolean) ?? [];
  const lock = await readFile(join(repo, 'Cargo.lock'), 'utf8').catch(() => '');
  v.rav1eCrate = /name = "rav1e"\nversion = "([^"]+)"/.exec(lock)?.[1] ?? null;
  v.fanoutCli = await first(cfg.cli, ['--version']);
  v.fanoutCliBuilt = (await stat(cfg.cli).catch(() => null))?.mtime?.toISOString() ?? null;
  v.fanoutWasmBuilt = (await stat(join(repo, 'www', 'fanout', 'pkg', 'fanout_bg.wasm')).catch(() => null))?.mtime?.toISOString() ?? null;
  v.git = await first('git', ['-C', repo, 'describe', '--always', '--dirty']);
  v.npm = {};
  for (const p of ['mediabunny', '@ffmpeg/ffmpeg', '@ffmpeg/core-mt', 'playwright-core']) {
    v.npm[p] = JSON.parse(await readFile(join(repo, 'node_modules', p, 'package.json'), 'utf8').catch(() => '{}')).version ?? null;
  }
  return v;
}
