#!/usr/bin/env bash
# Peak memory of `istmo batch validate` against the number of documents (it must be flat).
#
# For each N (default 10,000 and 100,000), N signed Panama invoices are streamed as NDJSON
# (base64) into `istmo batch validate --ndjson -` through a pipe, so nothing is written to disk
# but the results; `istmo_batch_bench rss` runs the CLI and reports its peak RSS (wait4
# ru_maxrss). Then the same stream is validated again with --resume over the finished results
# file (every input already recorded): that run holds the recorded set, O(N) by design.
#
#   bash bench/batch_memory.sh
#   BATCH_MEMORY_COUNTS="10000 100000 1000000" BATCH_MEMORY_POOL=100000 bash bench/batch_memory.sh
#
# BUILD_DIR (default build-batch-bench): a Release build with -DISTMO_BUILD_BENCH=ON
#   -DISTMO_BUILD_EXAMPLES=ON and the targets istmo_batch_bench and istmo_cli.
# BATCH_MEMORY_POOL (default 1000): distinct invoices (signing all N would dominate the run);
#   they repeat under distinct sources (inv-0000001.xml ...). The validator keeps nothing per
#   content, so repeats cost what distinct documents cost.
# BATCH_MEMORY_JOBS (default 2): --jobs of the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build-batch-bench}
bench=$build/bench/istmo_batch_bench
cli=$build/examples/istmo
counts=${BATCH_MEMORY_COUNTS:-"10000 100000"}
pool=${BATCH_MEMORY_POOL:-1000}
jobs=${BATCH_MEMORY_JOBS:-2}
for f in "$bench" "$cli"; do
    if [ ! -x "$f" ]; then
        echo "batch_memory.sh: $f is missing; build it first:" >&2
        echo "  cmake -S . -B $build -DCMAKE_BUILD_TYPE=Release -DISTMO_BUILD_BENCH=ON -DISTMO_BUILD_TESTS=OFF -DISTMO_BUILD_EXAMPLES=ON" >&2
        echo "  cmake --build $build -j1 --target istmo_batch_bench istmo_cli" >&2
        exit 1
    fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trust=test-vectors/pki/chain.pem

echo "istmo batch validate --profile panama-fe --jobs $jobs --ndjson - (pool of $pool distinct signed invoices)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%10s %-7s %14s %10s %8s %12s  %s\n' N run peak_rss_kb lines exit docs/s summary
for n in $counts; do
    for run in fresh resume; do
        extra=()
        [ "$run" = resume ] && extra=(--resume)
        [ "$run" = fresh ] && rm -f "$tmp/r.ndjson"
        set +e
        "$bench" generate-ndjson "$n" --pool "$pool" |
            "$bench" rss -- "$cli" batch validate --trust "$trust" --profile panama-fe --jobs "$jobs" \
                --progress never --ndjson - --out "$tmp/r.ndjson" "${extra[@]}" 2> "$tmp/err"
        set -e
        rss_line=$(grep '^rss:' "$tmp/err" || true)
        peak=$(sed -n 's/.*peak_rss_kb=\([0-9]*\).*/\1/p' <<< "$rss_line")
        code=$(sed -n 's/.*exit=\([0-9]*\).*/\1/p' <<< "$rss_line")
        rate=$(sed -n 's/.* \([0-9]*\) documents\/s.*/\1/p' "$tmp/err" | head -n1)
        summary=$(grep '^istmo batch:' "$tmp/err" | head -n1 || true)
        lines=$(wc -l < "$tmp/r.ndjson")
        printf '%10s %-7s %14s %10s %8s %12s  %s\n' "$n" "$run" "${peak:-?}" "$lines" "${code:-?}" "${rate:-?}" "$summary"
        if [ "$lines" != "$n" ] || [ "${code:-1}" != 0 ]; then
            echo "batch_memory.sh: expected $n lines and exit 0; stderr of the run:" >&2
            cat "$tmp/err" >&2
            exit 1
        fi
    done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
