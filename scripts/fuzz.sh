#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz (clang, -fsanitize=fuzzer,address,undefined; the
# library itself instrumented with fuzzer-no-link) and runs a campaign per harness.
#   scripts/fuzz.sh [SECONDS] [HARNESS...]
#   FUZZ_BUILD_DIR=build-fuzz   where to build and keep corpora/artifacts/logs
#   FUZZ_JOBS=2                 build parallelism
#   FUZZ_WORKERS=N              fuzzing processes per harness (libFuzzer -jobs=N -workers=N,
#                               sharing one corpus; default: every core, `nproc`)
#   FUZZ_EXECS=N                a campaign of N executions per harness (split over the workers),
#                               SECONDS then only a cap; without it the campaign is SECONDS long
#   FUZZ_RUNS=N                 a reproducible pass instead: one worker, N inputs per harness from
#                               a fixed seed (FUZZ_SEED, default 1), SECONDS only as a cap (CI)
#   FUZZ_MERGE=1                merge what the campaign learned back into the kept corpus
#                               tests/fuzz/corpus/HARNESS (default 1 for campaigns, 0 with FUZZ_RUNS)
#   FUZZ_CORPUS_MAX_FILE=8192   kept-corpus caps: bytes per file (larger inputs are not kept) and
#   FUZZ_CORPUS_MAX_KB=256      kilobytes per harness (smallest files first)
# Every run reads three corpora: $FUZZ_BUILD_DIR/corpus/<harness> (written), the seeds copied from
# test-vectors/ and the kept corpus tests/fuzz/corpus/<harness> (read only), so CI and every
# campaign start from what earlier campaigns learned. Crashes go to $FUZZ_BUILD_DIR/artifacts/.
# One summary line per harness: executions, coverage (cov/ft of the final corpus), corpus size,
# findings. Exit status 1 when any harness crashed, leaked, hit UB, timed out or ran out of memory.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
build=${FUZZ_BUILD_DIR:-build-fuzz}
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(fuzz_xml_parse fuzz_dsig_verify fuzz_invoice_validate fuzz_invoice_json fuzz_tsa_response fuzz_batch_ndjson fuzz_crl_parse fuzz_ocsp_response fuzz_pkcs11_uri fuzz_service_request fuzz_dgi_response fuzz_xades_unsigned)
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
# CRLs (DER and PEM) and OCSP responses of test-vectors/revocation (and any fuzz regressions).
mapfile -t crls < <(find test-vectors/revocation test-vectors/fuzz-regressions -name '*.crl' -o -name '*.crl.pem' 2>/dev/null | sort)
mapfile -t ocsp < <(find test-vectors/revocation test-vectors/fuzz-regressions -name '*.ocsp' 2>/dev/null | sort)
seed fuzz_crl_parse "${crls[@]}"
seed fuzz_ocsp_response "${ocsp[@]}"
mapfile -t pkcs11_uris < <(find test-vectors/pkcs11-uris test-vectors/fuzz-regressions -name '*.uri' 2>/dev/null | sort)
seed fuzz_pkcs11_uri "${pkcs11_uris[@]}"
# DGI web-service answers (test-vectors/dgi).
mapfile -t dgi_answers < <(find test-vectors/dgi test-vectors/fuzz-regressions -name '*.xml' -path '*dgi*' 2>/dev/null | sort)
seed fuzz_dgi_response "${dgi_answers[@]}"
# XAdES unsigned signature properties (the harness splices them into a signed B-B): validation
# data and time-stamp containers around the DER values above.
seed fuzz_xades_unsigned
n=0
for f in "${ocsp[@]}" "${crls[@]}" "${tsa_der[@]}"; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  b64=$(base64 -w0 "$f")
  case $f in
    *.ocsp) body="<xades:RevocationValues><xades:OCSPValues><xades:EncapsulatedOCSPValue>$b64</xades:EncapsulatedOCSPValue></xades:OCSPValues></xades:RevocationValues>" ;;
    *.crl | *.crl.pem) body="<xades:RevocationValues><xades:CRLValues><xades:EncapsulatedCRLValue>$b64</xades:EncapsulatedCRLValue></xades:CRLValues></xades:RevocationValues>" ;;
    *) body="<xades:SignatureTimeStamp><xades:EncapsulatedTimeStamp>$b64</xades:EncapsulatedTimeStamp></xades:SignatureTimeStamp><xades141:ArchiveTimeStamp><xades:EncapsulatedTimeStamp>$b64</xades:EncapsulatedTimeStamp></xades141:ArchiveTimeStamp>" ;;
  esac
  printf '%s' "$body" > "$build/seeds/fuzz_xades_unsigned/value-$n.xml"
  [ $n -ge 40 ] && break
done
printf '%s' '<xades:CertificateValues><xades:EncapsulatedX509Certificate>MIIB</xades:EncapsulatedX509Certificate></xades:CertificateValues><xades141:TimeStampValidationData><xades:CertificateValues/></xades141:TimeStampValidationData>' \
  > "$build/seeds/fuzz_xades_unsigned/containers.xml"
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
# HTTP requests of the validation service: an XML body, a JSON base64 body, a chunked body,
# keep-alive pairs, and requests the server refuses.
seed fuzz_service_request
printf 'POST /v1/validate?profile=panama-fe&source=a%%20b HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: 5\r\n\r\n<r/>\n' \
  > "$build/seeds/fuzz_service_request/xml.http"
printf 'POST /v1/validate HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 35\r\n\r\n{"source":"s","base64":"PHIvPg=="}\n' \
  > "$build/seeds/fuzz_service_request/json.http"
printf 'POST /v1/validate HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n<r\r\n2\r\n/>\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n' \
  > "$build/seeds/fuzz_service_request/chunked.http"
printf 'GET /metrics HTTP/1.1\r\nConnection: keep-alive\r\n\r\nDELETE /v1/validate?x=%%zz HTTP/1.0\r\nContent-Length: 0\r\n\r\n' \
  > "$build/seeds/fuzz_service_request/pair.http"

max_len() {
  case $1 in
    fuzz_invoice_json | fuzz_tsa_response | fuzz_crl_parse | fuzz_ocsp_response) echo 16384 ;;
    fuzz_pkcs11_uri) echo 4096 ;;
    fuzz_batch_ndjson) echo 131072 ;;
    *) echo 65536 ;;
  esac
}

workers=${FUZZ_WORKERS:-$(nproc)}
merge=${FUZZ_MERGE:-1}
if [ -n "${FUZZ_RUNS:-}" ]; then
  workers=1
  merge=${FUZZ_MERGE:-0}
fi
max_file=${FUZZ_CORPUS_MAX_FILE:-8192}
max_kb=${FUZZ_CORPUS_MAX_KB:-256}

# The kept corpus: what this run's corpus adds in coverage over the seeds, merged with the kept
# files (libFuzzer -merge=1 prefers small inputs), within the caps. Prints what it kept.
merge_back() {  # merge_back HARNESS
  local h=$1 kept=tests/fuzz/corpus/$1 work=$build/merge/$1
  rm -rf "$work"
  mkdir -p "$work/base" "$kept"
  cp "$build/seeds/$h"/* "$work/base/" 2> /dev/null || true
  ls "$work/base" | sort > "$work/seed-names"
  if ! "$build/tests/fuzz/$h" -merge=1 -max_len="$(max_len "$h")" -rss_limit_mb=2048 -timeout=20 \
    "$work/base" "$kept" "$build/corpus/$h" > "$work/merge.log" 2>&1; then
    echo "unchanged, $(ls "$kept" | wc -l) files (the merge failed: $work/merge.log)"
    return
  fi
  local before
  before=$(ls "$kept" | wc -l)
  mkdir -p "$work/kept"
  local total=0 f size
  # New files only (not seeds), smallest first, within the caps.
  while read -r size f; do
    [ "$size" -le "$max_file" ] || continue
    [ $((total + size)) -le $((max_kb * 1024)) ] || break
    total=$((total + size))
    cp "$work/base/$f" "$work/kept/$f"
  done < <(comm -13 "$work/seed-names" <(ls "$work/base" | sort) | while read -r f; do
             printf '%s %s\n' "$(stat -c %s "$work/base/$f")" "$f"; done | sort -n)
  local added
  added=$(comm -13 <(ls "$kept" | sort) <(ls "$work/kept" | sort) | wc -l)
  rm -rf "$kept"
  mv "$work/kept" "$kept"
  echo "$(ls "$kept" | wc -l) files (+$added, was $before)"
}

absolute() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

status=0
summary=()
for h in "${harnesses[@]}"; do
  corpus=$build/corpus/$h
  artifacts=$build/artifacts/$h
  logs=$build/logs/$h
  kept=tests/fuzz/corpus/$h
  mkdir -p "$corpus" "$artifacts" "$kept"
  rm -rf "$logs"
  mkdir -p "$logs"
  budget=(-max_total_time="$seconds")
  what="${seconds}s"
  if [ -n "${FUZZ_RUNS:-}" ]; then
    budget+=(-runs="$FUZZ_RUNS" -seed="${FUZZ_SEED:-1}")
    what="$FUZZ_RUNS runs, seed ${FUZZ_SEED:-1}, at most ${seconds}s"
  elif [ -n "${FUZZ_EXECS:-}" ]; then
    budget+=(-runs=$(((FUZZ_EXECS + workers - 1) / workers)))
    what="$FUZZ_EXECS executions, at most ${seconds}s"
  fi
  if [ "$workers" -gt 1 ]; then budget+=(-jobs="$workers" -workers="$workers"); fi
  echo "== $h: $what, $workers worker(s) (seeds: $(ls "$build/seeds/$h" | wc -l), kept: $(ls "$kept" | wc -l))"
  rc=0
  # With -jobs libFuzzer writes one fuzz-N.log per job into the current directory.
  dirs=("$(absolute "$corpus")" "$(absolute "$build/seeds/$h")" "$(absolute "$kept")")
  binary=$(absolute "$build/tests/fuzz/$h")
  prefix=$(absolute "$artifacts")/
  (cd "$logs" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
    "$binary" "${dirs[@]}" "${budget[@]}" -max_len="$(max_len "$h")" -rss_limit_mb=2048 -timeout=20 \
    -print_final_stats=1 -artifact_prefix="$prefix" > main.log 2>&1) || rc=$?
  # One log per worker (main.log repeats them) or, with one worker, main.log.
  worker_logs=("$logs"/fuzz-*.log)
  [ -e "${worker_logs[0]}" ] || worker_logs=("$logs/main.log")
  execs=$(cat "${worker_logs[@]}" | sed -n 's/^stat::number_of_executed_units: *//p' | awk '{n += $1} END {print n + 0}')
  # Coverage of the corpus as it stands now (all workers' finds), measured once: -runs=0.
  "$build/tests/fuzz/$h" -runs=0 -max_len="$(max_len "$h")" -rss_limit_mb=2048 -timeout=20 \
    "$corpus" "$build/seeds/$h" "$kept" > "$logs/coverage.log" 2>&1 || true
  cov=$(sed -n 's/.*INITED cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, ft \2, corpus \3 inputs/p' "$logs/coverage.log" | tail -1)
  findings=$(ls "$artifacts" | wc -l)
  kept_line=""
  if [ "$merge" = "1" ] && [ "$rc" -eq 0 ] && [ "$findings" -eq 0 ]; then
    kept_line=", kept corpus $(merge_back "$h")"
  fi
  line="$h: ${execs} executions ($what, $workers worker(s)), ${cov:-no coverage line}$kept_line, findings $findings, exit $rc"
  if [ "$rc" -ne 0 ] || [ "$findings" -ne 0 ]; then
    status=1
    line="$line, FAILED (logs $logs; artifacts in $artifacts)"
    cat "${worker_logs[@]}" | grep -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY' | head -5 || true
  fi
  echo "$line"
  summary+=("$line")
done
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
exit $status
