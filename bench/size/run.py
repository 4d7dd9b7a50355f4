#!/usr/bin/env python3
"""Output size and quality at the default settings, per corpus file.

    bench/size/run.py LABEL [CLI ARGS...]

Transcodes every file in ../shared/corpus with target/release/fanout (plus
the given arguments), then measures with ffprobe/ffmpeg: the video
bitrate of input and output (sum of video packet sizes over the source's
duration), PSNR-Y and SSIM-Y of the output against the decoded source,
and the wall time. Appends one JSON line per file to
bench/results/size-LABEL.jsonl and prints a table.
"""
import json, os, re, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "..", "shared", "corpus")
CLI = os.path.join(ROOT, "target", "release", "fanout")


def run(*a):
    return subprocess.run(a, capture_output=True, text=True)


def video_bytes_and_duration(path):
    p = run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
            "packet=size,pts_time,duration_time", "-of", "json", path)
    pk = json.loads(p.stdout or "{}").get("packets", [])
    size = sum(int(x.get("size", 0)) for x in pk)
    times = [float(x["pts_time"]) for x in pk if x.get("pts_time") not in (None, "N/A")]
    dur = (max(times) - min(times)) * len(times) / max(len(times) - 1, 1) if len(times) > 1 else 0.0
    return size, len(pk), dur


def quality(src, out):
    g = ("[0:v]setpts=PTS-STARTPTS[a];[1:v]setpts=PTS-STARTPTS,scale=iw:ih[b];"
         "[a]split[a1][a2];[b]split[b1][b2];[a1][b1]psnr;[a2][b2]ssim")
    p = run("ffmpeg", "-nostdin", "-i", out, "-i", src, "-lavfi", g, "-f", "null", "-")
    y = re.search(r"PSNR y:([\d.]+|inf)", p.stderr)
    s = re.search(r"SSIM Y:([\d.]+)", p.stderr)
    return (float(y.group(1)) if y else None), (float(s.group(1)) if s else None)


def main():
    label, extra = sys.argv[1], sys.argv[2:]
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    log = os.path.join(ROOT, "bench", "results", f"size-{label}.jsonl")
    work = os.path.join(ROOT, "target", "bench-size", label)
    os.makedirs(work, exist_ok=True)
    rows = []
    for name in sorted(os.listdir(CORPUS)):
        if not name.endswith(".ts"):
            continue
        src = os.path.join(CORPUS, name)
        out = os.path.join(work, name[:-3] + ".mp4")
        t0 = time.time()
        p = run(CLI, src, "-o", out, "--no-checkpoints", *extra)
        wall = time.time() - t0
        row = {"file": name, "args": extra, "wall_s": round(wall, 2)}
        if p.returncode != 0:
            row["error"] = (p.stderr.strip().splitlines() or ["?"])[-1]
        else:
            ib, n_in, dur = video_bytes_and_duration(src)
            ob, n_out, _ = video_bytes_and_duration(out)
            y, s = quality(src, out)
            row.update({
                "frames_in": n_in, "frames_out": n_out, "duration_s": round(dur, 3),
                "in_kbps": round(ib * 8 / dur / 1000, 1) if dur else None,
                "out_kbps": round(ob * 8 / dur / 1000, 1) if dur else None,
                "ratio": round(ob / ib, 3) if ib else None,
                "psnr_y": y, "ssim_y": s,
            })
        rows.append(row)
        with open(log, "a") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)
    print(f"\n| file | in kbit/s | out kbit/s | out/in | PSNR-Y | SSIM-Y | wall s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        if "error" in r:
            print(f"| {r['file']} | error: {r['error'][:60]} | | | | | {r['wall_s']} |")
        else:
            print(f"| {r['file']} | {r['in_kbps']} | {r['out_kbps']} | {r['ratio']} | {r['psnr_y']} | {r['ssim_y']} | {r['wall_s']} |")


if __name__ == "__main__":
    main()
