#!/usr/bin/env bash
# Seeds every fuzz target's corpus (fuzz/corpus/<target>/, not committed)
# from the shared corpus and the test fixtures: transport streams for the
# demuxer, elementary streams cut out with ffmpeg for the parsers and audio
# framers. Each seed is the first 64 KiB, so one execution stays fast.
# Every target reads a control byte first; a seed's first byte plays it.
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=../shared/corpus
out=fuzz/corpus
mkdir -p "$out"/{demux,video_parsers,wire,audio_frames,audio_decoders,mp4_muxer}
head64() { head -c 65536 "$1" > "$2"; }
for ts in "$corpus"/*.ts tests/fixtures/damaged/*.ts; do
  [ -f "$ts" ] || continue
  name=$(basename "$ts" .ts)
  head64 "$ts" "$out/demux/$name"
  # Elementary streams: video as H.264 (control 0), HEVC (1), MPEG-2 (2).
  for pair in "h264:0" "hevc:1" "mpeg2video:2"; do
    fmt=${pair%%:*}; control=${pair##*:}
    if ffmpeg -v quiet -y -i "$ts" -map 0:v:0 -c copy -f "$fmt" -t 2 /tmp/fanout-seed.es 2>/dev/null && [ -s /tmp/fanout-seed.es ]; then
      { printf "\\x0$control"; head -c 65535 /tmp/fanout-seed.es; } > "$out/video_parsers/$name-$fmt"
    fi
  done
  for pair in "mp2:0" "ac3:1" "eac3:2" "adts:3"; do
    fmt=${pair%%:*}; control=${pair##*:}
    if ffmpeg -v quiet -y -i "$ts" -map 0:a:0 -c copy -f "$fmt" -t 1 /tmp/fanout-seed.es 2>/dev/null && [ -s /tmp/fanout-seed.es ]; then
      { printf "\\x0$control"; head -c 16383 /tmp/fanout-seed.es; } > "$out/audio_frames/$name-$fmt"
      { printf "\\x0$control"; head -c 4095 /tmp/fanout-seed.es; } > "$out/audio_decoders/$name-$fmt"
    fi
  done
done
for m2v in tests/fixtures/mpeg2/*.m2v; do
  { printf '\x02'; head -c 65535 "$m2v"; } > "$out/video_parsers/$(basename "$m2v")"
done
# Wire bytes: chunks and results as the faces exchange them.
cargo run --release --quiet --example wire_seeds -- "$out/wire" 2>/dev/null || true
printf '\x10\x00\x10\x00\x01\x01\x20\x02' > "$out/mp4_muxer/min"
rm -f /tmp/fanout-seed.es
for d in "$out"/*/; do echo "$(basename "$d"): $(ls "$d" | wc -l) seeds"; done
