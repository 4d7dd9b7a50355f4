// Checkpoints: every finished chunk's result is kept in the Origin Private
// File System while a transcode runs, so one that stops (a closed, crashed
// or reloaded tab) resumes by encoding only the chunks it lacks; the output
// is byte-identical to an uninterrupted run's (src/checkpoint.rs explains
// why: a chunk job is a pure function of the chunk's bytes).
//
// Layout: fanout-checkpoints/<id>/manifest.json and chunk-<index>-<key>.bin,
// where <id> names the input (name, size, lastModified, SHA-256 of its first
// and last MiB) and the settings. The main thread claims a folder (a Web
// Lock per id, so two tabs never write one); the coordinator worker reads
// and writes the chunk files.

const DIR = 'fanout-checkpoints';
const LOCK_PREFIX = 'fanout-checkpoint:';
const MIB = 1 << 20;
/** Checkpoints untouched this long are abandoned and deleted. */
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;

export function canCheckpoint() {
  return typeof navigator !== 'undefined' && !!navigator.storage?.getDirectory && !!navigator.locks
    && !!globalThis.crypto?.subtle;
}

async function rootDir() {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(DIR, { create: true });
}

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (data) => hex(await crypto.subtle.digest('SHA-256', data));

/** What identifies an input without reading all of it. */
export async function fingerprint(input) {
  const head = await input.slice(0, MIB).arrayBuffer();
  const tail = await input.slice(Math.max(0, input.size - MIB)).arrayBuffer();
  return {
    name: input.name ?? '', size: input.size, lastModified: input.lastModified ?? 0,
    head: await sha256(head), tail: await sha256(tail),
  };
}

/** The checkpoint folder name for this input and these (Rust-shaped) settings. */
export async function checkpointId(input, settings) {
  const print = await fingerprint(input);
  const id = (await sha256(new TextEncoder().encode(JSON.stringify({ print, settings })))).slice(0, 32);
  return { id, print };
}

async function readManifest(dir) {
  try {
    return JSON.parse(await (await (await dir.getFileHandle('manifest.json')).getFile()).text());
  } catch {
    return null;
  }
}

async function writeManifest(dir, manifest) {
  const w = await (await dir.getFileHandle('manifest.json', { create: true })).createWritable();
  await w.write(JSON.stringify(manifest));
  await w.close();
}

async function describe(id, dir) {
  const manifest = await readManifest(dir);
  let chunks = 0;
  let bytes = 0;
  for await (const [name, handle] of dir.entries()) {
    if (!name.startsWith('chunk-')) continue;
    chunks += 1;
    bytes += (await handle.getFile()).size;
  }
  return {
    id, chunks, bytes, name: manifest?.print?.name ?? '', inputBytes: manifest?.print?.size ?? 0,
    settings: manifest?.settings ?? null, updatedAt: manifest?.updatedAt ?? 0,
  };
}

async function heldLocks() {
  return new Set((await navigator.locks.query()).held.map((l) => l.name));
}

/** Every checkpoint folder on this origin: `{ id, name, inputBytes, chunks, bytes, updatedAt, inUse }`. */
export async function listCheckpoints() {
  if (!canCheckpoint()) return [];
  const root = await rootDir();
  const held = await heldLocks();
  const out = [];
  for await (const [id, dir] of root.entries()) {
    if (dir.kind !== 'directory') continue;
    out.push({ ...(await describe(id, dir)), inUse: held.has(LOCK_PREFIX + id) });
  }
  return out;
}

/** Deletes a checkpoint folder (not one a running transcode holds). */
export async function deleteCheckpoint(id) {
  if ((await heldLocks()).has(LOCK_PREFIX + id)) return false;
  await (await rootDir()).removeEntry(id, { recursive: true }).catch(() => {});
  return true;
}

/** Deletes checkpoints nobody holds that were last written long ago. */
async function removeAbandoned() {
  const now = Date.now();
  for (const c of await listCheckpoints()) {
    if (!c.inUse && now - c.updatedAt > MAX_AGE_MS) await deleteCheckpoint(c.id);
  }
}

/** The checkpoint of an earlier run of this input with these settings, if any. */
export async function findCheckpoint(input, settings) {
  if (!canCheckpoint()) return null;
  const { id } = await checkpointId(input, settings);
  const root = await rootDir();
  const dir = await root.getDirectoryHandle(id).catch(() => null);
  if (!dir) return null;
  const found = await describe(id, dir);
  return found.chunks > 0 ? found : null;
}

/**
 * Claims the checkpoint folder of this input and settings for a run:
 * `{ id, restorable, finish(), keep() }`, or null when another tab is
 * running the same transcode (this run then keeps no checkpoints). With
 * `resume` false, results already there are deleted first.
 */
export async function claimCheckpoint(input, settings, resume) {
  if (!canCheckpoint()) return null;
  await removeAbandoned();
  const { id, print } = await checkpointId(input, settings);
  let release;
  const held = new Promise((ok) => { release = ok; });
  const granted = await new Promise((answer) => {
    navigator.locks.request(LOCK_PREFIX + id, { ifAvailable: true }, (lock) => {
      answer(!!lock);
      return lock ? held : undefined;
    });
  });
  if (!granted) return null;
  const root = await rootDir();
  if (!resume) await root.removeEntry(id, { recursive: true }).catch(() => {});
  const dir = await root.getDirectoryHandle(id, { create: true });
  const restorable = (await describe(id, dir)).chunks;
  await writeManifest(dir, { print, settings, createdAt: Date.now(), updatedAt: Date.now() });
  return {
    id,
    restorable,
    /** The run finished (or was cancelled): the folder goes. */
    async finish() {
      await root.removeEntry(id, { recursive: true }).catch(() => {});
      release();
    },
    /** The run failed: the folder stays for a later resume. */
    async keep() {
      await writeManifest(dir, { print, settings, createdAt: Date.now(), updatedAt: Date.now() }).catch(() => {});
      release();
    },
  };
}

/** In the coordinator worker: reads and writes one claimed folder's chunk files. */
export async function openCheckpointFiles(id) {
  const dir = await (await rootDir()).getDirectoryHandle(id, { create: true });
  const names = new Set();
  for await (const name of dir.keys()) names.add(name);
  const fileName = (index, key) => `chunk-${String(index).padStart(6, '0')}-${key}.bin`;
  return {
    /** The stored result bytes of chunk `index` with `key`, or null. */
    async load(index, key) {
      const name = fileName(index, key);
      if (!names.has(name)) return null;
      try {
        return new Uint8Array(await (await (await dir.getFileHandle(name)).getFile()).arrayBuffer());
      } catch {
        return null;
      }
    },
    /** Stores a finished chunk's result; a failure (e.g. a full disk) only means it is not kept. */
    async store(index, key, bytes) {
      const name = fileName(index, key);
      let handle;
      try {
        handle = await (await dir.getFileHandle(name, { create: true })).createSyncAccessHandle();
        handle.truncate(0);
        let at = 0;
        while (at < bytes.byteLength) {
          const n = handle.write(bytes.subarray(at), { at });
          if (n <= 0) throw new Error('short write');
          at += n;
        }
        handle.flush();
        handle.close();
        names.add(name);
      } catch {
        // Not kept (a partial file would be rejected when read back anyway).
        try { handle?.close(); } catch { /* already closed */ }
        await dir.removeEntry(name).catch(() => {});
      }
    },
  };
}
