// Serves www/ on 127.0.0.1 with the headers a fast, isolated page wants
// (COOP/COEP, so SharedArrayBuffer is available) and the right MIME types.
// `--no-isolation` leaves those headers off (to test embedding pages that
// cannot set them). `--port N` picks the port (0: any free one).
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.ts': 'video/mp2t',
  '.m2ts': 'video/mp2t',
  '.mp4': 'video/mp4',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export function serve({ root, port = 0, isolation = true, mounts = {} }) {
  const server = createServer(async (req, res) => {
    try {
      let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      // `mounts` maps URL prefixes to other folders (tests serve the corpus).
      const mount = Object.keys(mounts).find((prefix) => path.startsWith(prefix));
      const base = resolve(mount ? mounts[mount] : root);
      if (mount) path = path.slice(mount.length - 1);
      let file = normalize(join(base, path));
      if (!file.startsWith(base)) {
        res.writeHead(403).end();
        return;
      }
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      const headers = {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Cache-Control': 'no-store',
      };
      if (isolation) {
        headers['Cross-Origin-Opener-Policy'] = 'same-origin';
        headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
        headers['Cross-Origin-Resource-Policy'] = 'same-origin';
      }
      res.writeHead(200, headers).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const portAt = args.indexOf('--port');
  const port = portAt >= 0 ? Number(args[portAt + 1]) : 8080;
  const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'www');
  const server = await serve({ root, port, isolation: !args.includes('--no-isolation') });
  console.log(`Fanout is ready: http://127.0.0.1:${server.address().port}/`);
}
