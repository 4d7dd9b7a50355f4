#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60) on its seeded corpus
# (bench/fuzz/seed.sh first) and prints executions and coverage per target.
# Crashes land in fuzz/artifacts/<target>/. Not part of CI (scripts/test-fuzz is
# the short smoke run ../test makes).
#   bench/fuzz/run.sh [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^fanout-fuzz$')
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  log=$(mktemp)
  started=$(date +%s)
  kept=()
  [ -d "tests/fixtures/fuzz/$t" ] && kept=("tests/fixtures/fuzz/$t")
  # FUZZ_MAX_LEN (e.g. 8192) trades depth for executions per second.
  # FUZZ_RUNS: stop after that many executions (SECONDS still caps the time).
  # FUZZ_SANITIZER: address (default) or none (no ASan: 2-5x the executions).
  cargo +nightly fuzz run -O -s "${FUZZ_SANITIZER:-address}" --debug-assertions "$t" "fuzz/corpus/$t" "${kept[@]}" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    ${FUZZ_MAX_LEN:+-max_len=$FUZZ_MAX_LEN} ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  echo "$t: rc=$rc executions=${execs:-?} ${cov:-} seconds=$(( $(date +%s) - started ))"
  [ $rc -eq 0 ] || grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -5
  rm -f "$log"
done
