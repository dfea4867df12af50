#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz (clang, -fsanitize=fuzzer,address,undefined; the
# library itself instrumented with fuzzer-no-link) and runs each for SECONDS (default 60).
#   scripts/fuzz.sh [SECONDS] [HARNESS...]
#   FUZZ_BUILD_DIR=build-fuzz   where to build and keep corpora/artifacts
#   FUZZ_JOBS=2                 build parallelism
#   FUZZ_RUNS=N                 a reproducible pass instead: N inputs per harness from a fixed
#                               seed (FUZZ_SEED, default 1), SECONDS only as a cap (used by CI)
# Seed corpora come from test-vectors/ (copied into $FUZZ_BUILD_DIR/seeds/<harness>); new
# inputs found go to $FUZZ_BUILD_DIR/corpus/<harness>, crashes to $FUZZ_BUILD_DIR/artifacts/.
# Exit status 1 when any harness crashed, leaked, hit UB, timed out or ran out of memory.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
build=${FUZZ_BUILD_DIR:-build-fuzz}
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(fuzz_xml_parse fuzz_dsig_verify fuzz_invoice_validate fuzz_invoice_json fuzz_tsa_response fuzz_batch_ndjson)
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"

echo "== configure + build ($build)"
CXX=clang++ CC=clang cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" -DISTMO_WERROR=ON -DISTMO_BUILD_FUZZ=ON \
  -DISTMO_BUILD_TESTS=OFF -DISTMO_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j"${FUZZ_JOBS:-2}" --target "${harnesses[@]}"

seed() {  # seed HARNESS FILE...
  local dir=$build/seeds/$1
  shift
  rm -rf "$dir"
  mkdir -p "$dir"
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    cp "$f" "$dir/$(printf '%s' "$f" | tr '/' '_')"
  done
}
mapfile -t all_xml < <(find test-vectors -name '*.xml' -size -256k | sort)
mapfile -t dsig_xml < <(find test-vectors/dsig test-vectors/attacks test-vectors/fuzz-regressions -name '*.xml' -size -256k 2>/dev/null | sort)
mapfile -t invoice_xml < <(find test-vectors/panama-fe test-vectors/fuzz-regressions -name '*.xml' -size -256k 2>/dev/null | sort)
mapfile -t invoice_json < <(find test-vectors/panama-fe test-vectors/fuzz-regressions -name '*.json' 2>/dev/null | sort)
mapfile -t tsa_der < <(find test-vectors -name '*.tsr' -o -name '*.tst' -o -name '*.der' | sort)
seed fuzz_xml_parse "${all_xml[@]}"
seed fuzz_dsig_verify "${dsig_xml[@]}"
seed fuzz_invoice_validate "${invoice_xml[@]}"
seed fuzz_invoice_json "${invoice_json[@]}"
seed fuzz_tsa_response "${tsa_der[@]}"
# NDJSON batch input: a few lines {"source": ..., "base64": ...} of signed documents, and a
# results file line.
seed fuzz_batch_ndjson
n=0
for f in test-vectors/panama-fe/valid/01-factura.xml test-vectors/panama-fe/invalid/x18-email-invalid.xml \
         test-vectors/attacks/wrap-01-duplicate-id-before.xml test-vectors/attacks/xml-01-xxe-file.xml; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  printf '{"source": "%s", "base64": "%s"}\n' "$f" "$(base64 -w0 "$f")" > "$build/seeds/fuzz_batch_ndjson/doc-$n.ndjson"
done
printf '{"source":"a.xml","sha256":"00","indication":"TOTAL_PASSED","sub_indication":null,"codes":[],"cufe":null,"ms":1.5}\n{"data":"PHIvPg=="}\n\n{"source":"x"}\n' \
  > "$build/seeds/fuzz_batch_ndjson/lines.ndjson"

max_len() {
  case $1 in
    fuzz_invoice_json | fuzz_tsa_response) echo 16384 ;;
    fuzz_batch_ndjson) echo 131072 ;;
    *) echo 65536 ;;
  esac
}

status=0
summary=()
for h in "${harnesses[@]}"; do
  corpus=$build/corpus/$h
  artifacts=$build/artifacts/$h
  mkdir -p "$corpus" "$artifacts"
  log=$build/fuzz-$h.log
  budget=(-max_total_time="$seconds")
  if [ -n "${FUZZ_RUNS:-}" ]; then budget+=(-runs="$FUZZ_RUNS" -seed="${FUZZ_SEED:-1}"); fi
  echo "== $h: ${FUZZ_RUNS:+$FUZZ_RUNS runs, seed ${FUZZ_SEED:-1}, at most }${seconds}s (seeds: $(ls "$build/seeds/$h" | wc -l))"
  rc=0
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
    "$build/tests/fuzz/$h" "$corpus" "$build/seeds/$h" "${budget[@]}" -max_len="$(max_len "$h")" \
    -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 -artifact_prefix="$artifacts/" > "$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -n 's/.*cov: \([0-9]*\).*ft: \([0-9]*\).*/cov \1 ft \2/p')
  line="$h: exit $rc, ${execs:-?} executions (at most ${seconds}s), ${cov:-no coverage line}, corpus $(ls "$corpus" | wc -l) files"
  if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$artifacts")" ]; then
    status=1
    line="$line, FAILED (log $log; artifacts in $artifacts)"
    grep -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY' "$log" | head -5 || true
  fi
  echo "$line"
  summary+=("$line")
done
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
exit $status
