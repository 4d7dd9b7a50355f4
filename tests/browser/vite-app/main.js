// A minimal app that installs the npm package and imports it by name, as
// a user would; Vite bundles it, workers and wasm included.
import { transcode } from 'fanout-transcoder';

window.runTranscode = async (url, options) => {
  const blob = await (await fetch(url)).blob();
  const { blob: mp4, stats } = await transcode(blob, options);
  document.getElementById('out').textContent = `${stats.frames} frames`;
  return { bytes: mp4.size, type: mp4.type, frames: stats.frames, chunks: stats.chunks };
};
