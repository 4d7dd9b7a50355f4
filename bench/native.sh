#!/usr/bin/env bash
# Native benchmark: Fanout's CLI with --jobs 1 and --jobs 2 against ffmpeg
# with librav1e (rav1e with its assembly) at the same speed preset and
# quantizer, on the same generated input, in the same run.
#
#   bench/native.sh [seconds=60] [size=1280x720]
#
# Writes bench/results/<date>-native.{md,json}. Not run in CI (it takes an
# hour at 720p on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
size=${2:-1280x720}
speed=10
qp=100
work=bench/work
mkdir -p "$work" bench/results
scripts/setup
cargo build --release --bin fanout
input=$work/input-${size}-${seconds}s.ts
if [ ! -f "$input" ]; then
  # Camera-like: moving test pattern with temporal noise, 30 fps, 2 s GOPs, AAC.
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=$size:rate=30,noise=alls=4:allf=t" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$seconds" \
    -c:v libx264 -preset veryfast -g 60 -keyint_min 60 -sc_threshold 0 -c:a aac -b:a 96k \
    -f mpegts "$input"
fi
frames=$(ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$input")

measure() { # name, output, command...
  local name=$1 out=$2; shift 2
  /usr/bin/time -v -o "$work/$name.time" "$@" > "$work/$name.log" 2>&1
  local wall rss psnr size
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/$name.time" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$name.time")
  size=$(stat -c %s "$out")
  psnr=$(ffmpeg -nostats -i "$out" -i "$input" -filter_complex \
    "[0:v]setpts=PTS-STARTPTS[a];[1:v]setpts=PTS-STARTPTS[b];[a][b]psnr=shortest=1" -f null - 2>&1 \
    | sed -n 's/.*PSNR y:\([0-9.inf]*\).*/\1/p')
  echo "$name $wall $rss $size $psnr"
}

results=()
results+=("$(measure fanout-jobs1 "$work/jobs1.mp4" ./target/release/fanout "$input" -o "$work/jobs1.mp4" --jobs 1 --speed $speed --quality $qp)")
results+=("$(measure fanout-jobs2 "$work/jobs2.mp4" ./target/release/fanout "$input" -o "$work/jobs2.mp4" --jobs 2 --speed $speed --quality $qp)")
results+=("$(measure ffmpeg-librav1e-1thread "$work/librav1e.mp4" ffmpeg -v error -y -i "$input" -c:v librav1e -speed $speed -qp $qp -rav1e-params threads=1 -c:a copy "$work/librav1e.mp4")")

date=$(date -u +%Y-%m-%d)
md=bench/results/$date-native.md
json=bench/results/$date-native.json
{
  echo "# Native benchmark, $date"
  echo
  echo "Command: \`bench/native.sh $seconds $size\` on $(nproc) cores ($(lscpu | sed -n 's/Model name: *//p'))."
  echo "Input: $seconds s $size 30 fps testsrc2 with temporal noise, libx264 2 s GOPs, $frames frames; rav1e speed $speed, quantizer $qp."
  echo "ffmpeg: $(ffmpeg -version | head -1 | cut -d' ' -f1-3); Fanout's rav1e is built without assembly (identical output natively and in WebAssembly)."
  echo
  echo "| run | wall s | fps | × real time | peak RSS MB | output MB | PSNR-Y dB |"
  echo "|---|---|---|---|---|---|---|"
  for r in "${results[@]}"; do
    read -r name wall rss size psnr <<<"$r"
    awk -v n="$name" -v w="$wall" -v r="$rss" -v s="$size" -v p="$psnr" -v f="$frames" -v d="$seconds" \
      'BEGIN { printf "| %s | %.1f | %.2f | %.3f | %.0f | %.2f | %s |\n", n, w, f/w, d/w, r/1024, s/1e6, p }'
  done
  read -r _ w1 _ <<<"${results[0]}"; read -r _ w2 _ <<<"${results[1]}"; read -r _ wr _ <<<"${results[2]}"
  echo
  awk -v a="$w1" -v b="$w2" -v c="$wr" 'BEGIN {
    printf "- speedup of --jobs 2 over --jobs 1: %.2f×\n", a/b;
    printf "- Fanout --jobs 1 vs ffmpeg+librav1e on one thread (fps ratio): %.2f\n", c/a;
    printf "- Fanout --jobs 2 vs ffmpeg+librav1e on one thread (fps ratio): %.2f\n", c/b }'
} > "$md"
printf '{"date":"%s","seconds":%s,"size":"%s","frames":%s,"runs":[' "$date" "$seconds" "$size" "$frames" > "$json"
first=1
for r in "${results[@]}"; do
  read -r name wall rss size psnr <<<"$r"
  [ $first = 1 ] || printf ',' >> "$json"; first=0
  printf '{"name":"%s","wall_s":%s,"peak_rss_kb":%s,"bytes":%s,"psnr_y":"%s"}' "$name" "$wall" "$rss" "$size" "$psnr" >> "$json"
done
echo ']}' >> "$json"
cat "$md"
