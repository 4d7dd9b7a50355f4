// Small helpers shared by the benchmark modules.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repo = fileURLToPath(new URL('../..', import.meta.url));
export const www = join(repo, 'www');

/** Runs a command to the end; resolves { status, stdout, stderr }. Output kept (bounded). */
export function runCommand(command, args, { env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; if (stdout.length > 1 << 24) stdout = stdout.slice(-(1 << 23)); });
    child.stderr.on('data', (d) => { stderr += d; if (stderr.length > 1 << 24) stderr = stderr.slice(-(1 << 23)); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs `command` under /usr/bin/time -v; resolves { wall, peakBytes, stdout }. Throws on failure. */
export async function timed(command, args) {
  const t0 = performance.now();
  const r = await runCommand('/usr/bin/time', ['-v', command, ...args]);
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const user = /User time \(seconds\): ([0-9.]+)/.exec(r.stderr), sys = /System time \(seconds\): ([0-9.]+)/.exec(r.stderr);
  return { wall, peakBytes: kb ? Number(kb[1]) * 1024 : null, cpuSeconds: user && sys ? Number(user[1]) + Number(sys[1]) : null, stdout: r.stdout, stderr: r.stderr };
}

export const sh = (command, args) => execFileSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28 });

export const log = (...a) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

/** Whole-machine CPU time so far (seconds, all cores, busy = not idle/iowait), from /proc/stat. */
export function machineCpu() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const hz = 100;
    const idle = line[3] + (line[4] ?? 0);
    const total = line.reduce((a, b) => a + b, 0);
    return { busy: (total - idle) / hz, total: total / hz };
  } catch { return null; }
}
