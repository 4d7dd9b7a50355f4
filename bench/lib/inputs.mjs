// The benchmark's inputs, made with ffmpeg into bench/work and cached by
// their parameters (the file name says them all). Generated inputs are
// deterministic: the same parameters give the same content, so an excerpt
// (the first N seconds, for the quality sweep and the seam test) is the
// same generator run for N seconds.
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { log, runCommand, sh } from './util.mjs';

const corpusDir = (repo) => join(repo, '..', 'shared', 'corpus');

async function ffmpeg(args, out) {
  const partial = out + '.partial.ts';
  const r = await runCommand('ffmpeg', ['-v', 'error', '-y', ...args, '-f', 'mpegts', partial]);
  if (r.status !== 0) throw new Error(`ffmpeg could not make ${out}: ${r.stderr.slice(-3000)}`);
  await rename(partial, out);
}


/** (a) Camera-like: testsrc2 with temporal noise, a slow pan and zoom, libx264, fixed GOPs, AAC. */
function camGraph(size) {
  const [w, h] = size.split('x').map(Number);
  const big = `${Math.round(w * 1.25 / 2) * 2}x${Math.round(h * 1.25 / 2) * 2}`;
  // A source a quarter larger, panned and zoomed by zoompan (one output frame per input frame).
  return `testsrc2=size=${big}:rate=30,noise=alls=4:allf=t,` +
    `zoompan=z='1.1+0.08*sin(on/70)':x='(iw-iw/zoom)/2*(1+sin(on/110))':y='(ih-ih/zoom)/2*(1+cos(on/150))':d=1:s=${size}:fps=30,format=yuv420p`;
}

/** (b) Scene cuts every `cut` seconds between visually different lavfi sources. */
function cutsGraph(size, seconds, cut) {
  const s = `size=${size}:rate=30`;
  const sources = [
    `mandelbrot=${s}:start_scale=2:end_scale=0.02:maxiter=200`,
    `testsrc2=${s},noise=alls=3:allf=t`,
    `life=${s}:mold=10:ratio=0.2:death_color=#302040:life_color=#f0d070`,
    `smptehdbars=${s},scroll=h=0.004:v=0.002,noise=alls=2:allf=t`,
    `gradients=${s}:speed=0.03:n=5`,
    `cellauto=${s}:rule=110:random_fill_ratio=0.4`,
    `rgbtestsrc=${s},hue=H=t*2,noise=alls=6:allf=t`,
  ];
  const n = Math.ceil(seconds / cut);
  const parts = [];
  for (let i = 0; i < n; i++) {
    // Each segment starts its source at a different time, so a repeated source is not a repeat.
    parts.push(`${sources[i % sources.length]},trim=start=${(i * 0.7).toFixed(1)}:duration=${cut},setpts=PTS-STARTPTS,format=yuv420p[s${i}]`);
  }
  return `${parts.join(';')};${parts.map((_, i) => `[s${i}]`).join('')}concat=n=${n}:v=1:a=0,trim=duration=${seconds}`;
}

const audio = (seconds) => ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`];
const aac = ['-c:a', 'aac', '-b:a', '96k'];

/** Input descriptions. `make(seconds, extra)` returns the cached file path, making it if needed. */
export function inputKinds(cfg, repo) {
  const work = cfg.work;
  return {
    cam: {
      id: 'cam',
      describe: (seconds, gop = 2) => `${seconds} s ${cfg.camSize} 30 fps camera-like (testsrc2 + temporal noise + slow pan/zoom), libx264 veryfast, ${gop} s closed GOPs (no scene-cut keyframes), AAC`,
      size: cfg.camSize,
      fps: 30,
      generated: true,
      async make(seconds, { gop = 2 } = {}) {
        const out = join(work, `cam-v1-${cfg.camSize}-${seconds}s-g${gop}.ts`);
        if (!existsSync(out)) {
          log(`making ${out}`);
          await ffmpeg(['-f', 'lavfi', '-i', camGraph(cfg.camSize), ...audio(seconds), '-t', String(seconds),
            '-c:v', 'libx264', '-preset', 'veryfast', '-g', String(30 * gop), '-keyint_min', String(30 * gop), '-sc_threshold', '0',
            ...aac], out);
        }
        return out;
      },
    },
    cuts: {
      id: 'cuts',
      describe: (seconds) => `${seconds} s ${cfg.cutsSize} 30 fps, a scene cut every ${cfg.cutSeconds} s between lavfi sources (mandelbrot, testsrc2+noise, life, scrolling smptehdbars, gradients, cellauto, hue-cycling rgbtestsrc), libx264 veryfast -g 300 with scene-cut keyframes, AAC`,
      size: cfg.cutsSize,
      fps: 30,
      generated: true,
      async make(seconds) {
        const out = join(work, `cuts-v1-${cfg.cutsSize}-${seconds}s-c${cfg.cutSeconds}.ts`);
        if (!existsSync(out)) {
          log(`making ${out}`);
          await ffmpeg(['-f', 'lavfi', '-i', cutsGraph(cfg.cutsSize, seconds, cfg.cutSeconds), ...audio(seconds), '-t', String(seconds),
            '-c:v', 'libx264', '-preset', 'veryfast', '-g', '300', '-keyint_min', '30', ...aac], out);
        }
        return out;
      },
    },
    broadcast: {
      id: 'broadcast',
      file: join(corpusDir(repo), 'broadcast-h264-high-aac-576p.ts'),
      describe: (seconds) => `../shared/corpus/broadcast-h264-high-aac-576p.ts (live DVB capture, H.264 High 1024x576p25 + AAC, 12 s)${seconds ? `, first ${seconds} s cut with -c copy` : ''}`,
      size: '1024x576',
      fps: 25,
      generated: false,
      fullSeconds: 12,
      async make(seconds) {
        if (!seconds || seconds >= this.fullSeconds) return this.file;
        // A stream-copied cut: the same pictures as the capture (checked to decode without errors).
        const out = join(work, `broadcast-first${seconds}s.ts`);
        if (!existsSync(out)) {
          await ffmpeg(['-i', this.file, '-t', String(seconds), '-c', 'copy'], out);
          const check = await runCommand('ffmpeg', ['-v', 'error', '-i', out, '-f', 'null', '-']);
          if (check.stderr.trim()) log(`warning: ${out} decodes with messages: ${check.stderr.slice(0, 300)}`);
        }
        return out;
      },
    },
  };
}

/** Frame count, duration, size and frame rate of a file's video. */
export function probe(file) {
  const out = JSON.parse(sh('ffprobe', ['-v', 'error', '-count_packets', '-select_streams', 'v:0', '-show_entries',
    'stream=nb_read_packets,width,height,r_frame_rate:format=duration,size', '-of', 'json', file]));
  const s = out.streams[0];
  const [num, den] = s.r_frame_rate.split('/').map(Number);
  return { frames: Number(s.nb_read_packets), width: s.width, height: s.height, fps: num / den, duration: Number(out.format.duration), bytes: Number(out.format.size) };
}
