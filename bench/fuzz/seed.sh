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
mkdir -p "$out"/{demux,video_parsers,wire,audio_frames,audio_decoders,mp4_muxer,chunk_job,planner}
head64() { head -c 65536 "$1" > "$2"; }
for ts in "$corpus"/*.ts tests/fixtures/damaged/*.ts; do
  [ -f "$ts" ] || continue
  name=$(basename "$ts" .ts)
  head64 "$ts" "$out/demux/$name"
  # Elementary streams: video as H.264 (control 3), HEVC (4), MPEG-2 (5),
  # fed in 184-byte pieces as the demuxer's packets would come.
  for pair in "h264:3" "hevc:4" "mpeg2video:5"; do
    fmt=${pair%%:*}; control=${pair##*:}
    if ffmpeg -v quiet -y -i "$ts" -map 0:v:0 -c copy -f "$fmt" -t 2 /tmp/fanout-seed.es 2>/dev/null && [ -s /tmp/fanout-seed.es ]; then
      { printf "\\x0$control"; head -c 65535 /tmp/fanout-seed.es; } > "$out/video_parsers/$name-$fmt"
    fi
  done
  # Audio: MPEG audio (control 0), AC-3 (1), E-AC-3 (2), ADTS (3); the
  # framer's seeds (control + 12) take 184-byte pieces.
  for pair in "mp2:0" "ac3:1" "eac3:2" "adts:3"; do
    fmt=${pair%%:*}; control=${pair##*:}
    if ffmpeg -v quiet -y -i "$ts" -map 0:a:0 -c copy -f "$fmt" -t 1 /tmp/fanout-seed.es 2>/dev/null && [ -s /tmp/fanout-seed.es ]; then
      { printf "\\x$(printf %02x $((control + 12)))"; head -c 16383 /tmp/fanout-seed.es; } > "$out/audio_frames/$name-$fmt"
      { printf "\\x0$control"; head -c 4095 /tmp/fanout-seed.es; } > "$out/audio_decoders/$name-$fmt"
    fi
  done
done
for m2v in tests/fixtures/mpeg2/*.m2v; do
  { printf '\x05'; head -c 65535 "$m2v"; } > "$out/video_parsers/$(basename "$m2v")"
done
# The chunk job: tiny transport streams (64x64, 6 frames, every video codec
# and audio codec it decodes), each under the four job modes (control byte).
tiny() { # name, ffmpeg output options
  local name=$1; shift
  ffmpeg -v quiet -y -f lavfi -i testsrc2=size=64x64:rate=25:duration=0.24 \
    -f lavfi -i sine=frequency=440:sample_rate=48000:duration=0.24 "$@" -f mpegts /tmp/fanout-seed.ts || return 0
  for control in 0 1 2 3; do
    { printf "\\x0$control"; cat /tmp/fanout-seed.ts; } > "$out/chunk_job/$name-$control"
  done
}
tiny h264-mp2 -c:v libx264 -g 3 -bf 1 -c:a mp2
tiny h264i-ac3 -c:v libx264 -g 4 -flags +ildct+ilme -top 1 -c:a ac3
tiny hevc-aac -c:v libx265 -x265-params log-level=none:keyint=3 -c:a aac
tiny mpeg2-eac3 -c:v mpeg2video -g 3 -bf 2 -c:a eac3
rm -f /tmp/fanout-seed.ts
# Wire bytes: chunks and results as the faces exchange them.
cargo run --release --quiet --example wire_seeds -- "$out/wire" 2>/dev/null || true
printf '\x10\x00\x10\x00\x01\x01\x20\x02' > "$out/mp4_muxer/min"
# The planner: 25 fps streams (3600 ticks = 225 steps of 16) with an IDR
# every 12 frames, B-frames (PTS after DTS), in each of its modes.
python3 - "$out/planner" <<'PY'
import struct, sys
for control in (0, 2, 7, 16 + 2):
    units = b""
    for i in range(120):
        ra = 1 if i % 12 == 0 else 0
        flags = 3 | ra << 2 | (16 if i % 3 != 2 else 0) | (4 if ra else 1) << 5
        dp = 225 * (3 if i % 3 == 0 else -1) if i else 450
        units += struct.pack("<hhB", dp, 225, flags)
    open(f"{sys.argv[1]}/gop12-{control}", "wb").write(bytes([control]) + units)
PY
rm -f /tmp/fanout-seed.es
for d in "$out"/*/; do echo "$(basename "$d"): $(ls "$d" | wc -l) seeds"; done
