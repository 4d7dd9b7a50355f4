// The output spool: the MP4's payload goes to a file in the Origin Private
// File System as it is made (the coordinator worker writes it with a sync
// access handle), so no media bytes pile up in memory however long the
// output. The MP4 header (`ftyp` + `moov`, known only at the end) is put in
// front when the result Blob is built: `new Blob([header, spoolFile])` stays
// backed by the file, nothing is copied.
//
// Each spool is guarded by a Web Lock named after it, held by the page that
// made it for as long as that page lives (its result Blob reads the file),
// so a new transcode may delete the spools of closed tabs and never those of
// a tab still running or holding a result.

const DIR = 'fanout-spool';
const LOCK_PREFIX = 'fanout-spool:';

/** Whether this page has OPFS and Web Locks (sync access handles exist in
 * workers only: the coordinator reports it if it cannot open one). */
export function canSpool() {
  return typeof navigator !== 'undefined' && !!navigator.storage?.getDirectory && !!navigator.locks;
}

async function spoolDir() {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(DIR, { create: true });
}

/** Deletes spools no live page holds (those of closed or crashed tabs). */
export async function removeStaleSpools() {
  const dir = await spoolDir();
  const held = new Set((await navigator.locks.query()).held.map((l) => l.name));
  for await (const name of dir.keys()) {
    if (!held.has(LOCK_PREFIX + name)) await dir.removeEntry(name).catch(() => {});
  }
}

/**
 * Claims a new spool: checks the free space against `expectedBytes`, takes
 * its lock (held until `release()`), and returns `{ name, file(), remove(), release() }`.
 */
export async function claimSpool(expectedBytes) {
  await removeStaleSpools();
  const { quota = Infinity, usage = 0 } = await navigator.storage.estimate();
  if (quota - usage < expectedBytes) {
    const mib = (n) => `${Math.round(n / 2 ** 20)} MiB`;
    throw Object.assign(new Error(`not enough storage for the output: about ${mib(expectedBytes)} needed, `
      + `${mib(quota - usage)} free for this site`), { kind: 'StorageFull' });
  }
  // Storage that is not persistent may be evicted under pressure; ask once.
  navigator.storage.persist?.().catch(() => {});
  const name = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}.mp4-payload`;
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await new Promise((locked) => {
    navigator.locks.request(LOCK_PREFIX + name, () => { locked(); return held; });
  });
  const dir = await spoolDir();
  return {
    name,
    /** The spooled payload as a disk-backed File. */
    file: async () => (await dir.getFileHandle(name)).getFile(),
    /** Deletes the spool (after a failure or cancel) and lets the lock go. */
    remove: async () => {
      // A just-terminated coordinator may hold the file open a moment longer.
      for (let attempt = 0; attempt < 20; attempt += 1) {
        try {
          await dir.removeEntry(name);
          break;
        } catch (err) {
          if (err?.name === 'NotFoundError') break;
          await new Promise((ok) => setTimeout(ok, 100));
        }
      }
      release();
    },
    release,
  };
}

/** In the coordinator worker: opens the spool for writing. */
export async function openSpoolWriter(name) {
  const dir = await spoolDir();
  const handle = await (await dir.getFileHandle(name, { create: true })).createSyncAccessHandle();
  handle.truncate(0);
  let at = 0;
  return {
    write(bytes) {
      let done = 0;
      const full = () => Object.assign(new Error('the disk or this site\'s storage quota is full: '
        + `the output stopped at ${Math.round(at / 2 ** 20)} MiB`), { name: 'StorageFull' });
      while (done < bytes.byteLength) {
        let n;
        try {
          n = handle.write(bytes.subarray(done), { at: at + done });
        } catch (err) {
          throw err?.name === 'QuotaExceededError' ? full() : err;
        }
        if (n <= 0) throw full();
        done += n;
      }
      at += done;
    },
    close() {
      handle.flush();
      handle.close();
    },
  };
}
