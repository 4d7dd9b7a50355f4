// support.js's probe: loaded as a module worker (import.meta below makes
// it fail to parse as a classic script), it reports what workers have.
self.postMessage({
  module: typeof import.meta.url === 'string',
  syncAccessHandles: typeof FileSystemFileHandle === 'function'
    && typeof FileSystemFileHandle.prototype.createSyncAccessHandle === 'function',
});
