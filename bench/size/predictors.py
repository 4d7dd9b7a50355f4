#!/usr/bin/env python3
"""How well a rate probe predicts a chunk's AV1 size, per predictor.

    cargo run --release --example rate_probe -- 100 8 ../shared/corpus/*.ts > bench/results/size-probe-q100.jsonl
    cargo run --release --example rate_probe -- 100 0 ../shared/corpus/*.ts > bench/results/size-probe-source.jsonl
    bench/size/predictors.py bench/results/size-probe-q100.jsonl bench/results/size-probe-source.jsonl

Per chunk of at least 8 frames: actual bytes of the real encode (speed 9)
over each predictor's bytes, from the first 8 frames at speed 10:
- mean: the probe's keyframe, then its mean inter frame for every other
  frame (the first version of the cap);
- shape: the probe's frames as they are, then the source's bytes of every
  later frame times what the probe's inter frames cost against the same
  source frames (src/encode/rate.rs).
Prints the median, 10th and 90th percentile and extremes of actual/predicted.
"""
import json, math, statistics as st, sys


def mean_predictor(probe, frames, source):
    key, rest = probe[0], probe[1:]
    return key + sum(rest) / len(rest) * (frames - 1)


def shape_predictor(probe, frames, source):
    source = sorted(source)
    plain = sorted(b for i, (_, b, rap) in enumerate(source) if i and not rap)
    median = plain[len(plain) // 2] if plain else 0
    s = [b if (i == 0 or not rap) else median for i, (_, b, rap) in enumerate(source)]
    k = len(probe)
    probed = sum(s[1:k])
    if probed == 0:
        return mean_predictor(probe, frames, source)
    return sum(probe) + sum(s[k:]) * sum(probe[1:]) / probed


def main():
    rows = [json.loads(l) for l in open(sys.argv[1])]
    source = {(r["file"], r["chunk"]): r["source_units"] for r in map(json.loads, open(sys.argv[2]))}
    for name, predict in (("mean", mean_predictor), ("shape", shape_predictor)):
        errors = []
        for r in rows:
            if r["frames"] < 8 or len(r["probe"]) < 2:
                continue
            predicted = predict(r["probe"], r["frames"], source[(r["file"], r["chunk"])])
            errors.append(math.log2(sum(r["real"]) / predicted))
        errors.sort()
        at = lambda f: 2 ** errors[int(f * (len(errors) - 1))]
        print(f"{name}: {len(errors)} chunks, actual/predicted median {2 ** st.median(errors):.2f}, "
              f"p10 {at(0.1):.2f}, p90 {at(0.9):.2f}, min {2 ** errors[0]:.2f}, max {2 ** errors[-1]:.2f}")


main()
