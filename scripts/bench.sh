#!/usr/bin/env bash
# Builds and runs the benchmarks (istmo vs libxmlsec1 vs raw OpenSSL), then prints a summary.
#   bash scripts/bench.sh
# Environment:
#   BUILD_DIR=build-bench      where to build
#   BENCH_MIN_TIME=0.5         --benchmark_min_time (seconds per benchmark)
#   BENCH_REPETITIONS=1        >1 adds --benchmark_repetitions=N (summary then uses the medians)
#   BENCH_FILTER=...           --benchmark_filter (default: all)
# Outputs: $BUILD_DIR/bench-results.json (Google Benchmark JSON), $BUILD_DIR/peak-memory.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-bench}
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" "${generator[@]}" >/dev/null
fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DISTMO_BUILD_BENCH=ON \
  -DISTMO_BUILD_TESTS=OFF -DISTMO_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j1 --target istmo_bench istmo_peak_memory

json="$build/bench-results.json"
args=(--benchmark_min_time="${BENCH_MIN_TIME:-0.5}" --benchmark_out="$json" --benchmark_out_format=json)
if [ "${BENCH_REPETITIONS:-1}" -gt 1 ]; then
  args+=(--benchmark_repetitions="$BENCH_REPETITIONS" --benchmark_report_aggregates_only=true)
fi
if [ -n "${BENCH_FILTER:-}" ]; then args+=(--benchmark_filter="$BENCH_FILTER"); fi
echo "== istmo_bench ${args[*]}"
"$build/bench/istmo_bench" "${args[@]}"

echo "== istmo_peak_memory (5.7 MB document, one verification per process)"
doc="$build/bench-5.7MB-signed.xml"
"$build/bench/istmo_peak_memory" prepare "$doc"
: >"$build/peak-memory.txt"
for impl in istmo istmo-nokeep xmlsec; do
  "$build/bench/istmo_peak_memory" "$impl" "$doc" | tee -a "$build/peak-memory.txt"
done

echo
python3 - "$json" "$build/peak-memory.txt" <<'PY'
import json, sys

data = json.load(open(sys.argv[1]))
scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
times = {}
for b in data["benchmarks"]:
    if b.get("error_occurred"):
        times[b["run_name"]] = None
        continue
    kind = b.get("aggregate_name")
    if kind not in (None, "median"):
        continue
    name = b.get("run_name", b["name"])
    if kind is None and name in times:
        continue  # repetitions without aggregates: keep the first
    times[name] = b["cpu_time"] * scale[b.get("time_unit", "ns")]

def t(name):
    return times.get(name)

def us(v):
    return "n/a" if v is None else (f"{v:,.0f}" if v >= 100 else f"{v:,.1f}")

def ratio(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    r = a / b
    return f"{r:.2f}x" if r >= 0.1 else f"{r:.4f}x"

ctx = data.get("context", {})
print(f"Summary: CPU time per operation in microseconds (median of repetitions when repeated); "
      f"{ctx.get('num_cpus', '?')} CPUs, load average {', '.join(f'{x:.2f}' for x in ctx.get('load_avg', []))}")
raw = t("BM_RawOpenSSL/rsa2048-sha256/sign32")
head = ("doc/key", "istmo verify", "xmlsec verify", "xmlsec/istmo", "istmo verify (no cache)",
        "istmo sign", "xmlsec sign", "xmlsec sign (keydup)", "istmo rate/raw RSA rate")
rows = []
for size in ("3KB", "60KB", "5.7MB"):
    for key in ("rsa2048", "p256"):
        sfx = f"/{key}/{size}"
        iv, xv, nv = t("BM_Verify/istmo" + sfx), t("BM_Verify/xmlsec" + sfx), t("BM_Verify/istmo-nocache" + sfx)
        isg, xs, xk = t("BM_Sign/istmo" + sfx), t("BM_Sign/xmlsec" + sfx), t("BM_Sign/xmlsec-keydup" + sfx)
        rate = ratio(raw, isg) if key == "rsa2048" else "-"
        rows.append((f"{size} {key}", us(iv), us(xv), ratio(xv, iv), us(nv), us(isg), us(xs), us(xk), rate))
widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
line = lambda r: "| " + " | ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths))) + " |"
print(line(head))
print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
for r in rows:
    print(line(r))
print()
print("Documents signed by the xmlsec1 CLI, self-signed signer (trust = the signer certificate):")
for key, size in (("cli-exc", "3KB"), ("cli-exc", "60KB"), ("cli-inc", "60KB")):
    iv, xv = t(f"BM_Verify/istmo/{key}/{size}"), t(f"BM_Verify/xmlsec/{key}/{size}")
    print(f"  {key:8s} {size:5s} istmo verify {us(iv):>8s} us   xmlsec verify {us(xv):>8s} us   xmlsec/istmo {ratio(xv, iv)}")
print()
for name in ("BM_RawOpenSSL/rsa2048-sha256/sign32", "BM_RawOpenSSL/rsa2048-sha256/verify32",
             "BM_RawOpenSSL/p256-sha256/sign32", "BM_RawOpenSSL/p256-sha256/verify32"):
    print(f"{name:42s} {us(t(name)):>10s} us")
for size in ("3KB", "60KB", "5.7MB"):
    print(f"{'BM_Parse/istmo/' + size:42s} {us(t('BM_Parse/istmo/' + size)):>10s} us   "
          f"libxml2 xmlReadMemory {us(t('BM_Parse/libxml2/' + size))} us")

peak = {}
for l in open(sys.argv[2]):
    f = dict(kv.split("=", 1) for kv in l.split()[1:])
    peak[f["impl"]] = f
print()
for impl, f in peak.items():
    print(f"peak memory {impl:13s} doc {int(f['doc_bytes'])/1e6:.2f} MB, max RSS growth {int(f['growth_kb'])/1024:.1f} MiB "
          f"= {f['growth_over_doc']}x the document (whole process {f['peak_over_doc']}x), one cold verify {f['verify_ms']} ms wall")

print()
print("Targets:")
def verdict(ok):
    return "n/a" if ok is None else ("MET" if ok else "NOT MET")
v3 = [(k, t(f"BM_Verify/xmlsec/{k}/3KB"), t(f"BM_Verify/istmo/{k}/3KB")) for k in ("rsa2048", "p256")]
for k, x, i in v3:
    ok = None if x is None or i is None else x / i >= 10
    print(f"  verify 3KB {k}: istmo >= 10x libxmlsec1 baseline (issue 13): {ratio(x, i)} -> {verdict(ok)}")
for key, size, goal in (("cli-exc", "3KB", 3.0), ("cli-exc", "60KB", 1.5)):
    x, i = t(f"BM_Verify/xmlsec/{key}/{size}"), t(f"BM_Verify/istmo/{key}/{size}")
    ok = None if x is None or i is None else x / i >= goal
    print(f"  verify {size} xmlsec1-CLI-signed ({key}, self-signed): istmo >= {goal}x libxmlsec1: {ratio(x, i)} -> {verdict(ok)}")
isg = t("BM_Sign/istmo/rsa2048/3KB")
ok = None if raw is None or isg is None else raw / isg >= 0.9
print(f"  sign (RSA-2048, 3KB) >= 0.9x raw OpenSSL RSA-2048 rate: {ratio(raw, isg)} -> {verdict(ok)}")
for k in ("rsa2048", "p256"):
    v = t(f"BM_Verify/istmo/{k}/5.7MB")
    print(f"  5.7MB verify {k} <= 100 ms (CPU time): {us(v)} us -> {verdict(None if v is None else v <= 100000)}")
if "istmo" in peak:
    g = float(peak["istmo"]["growth_over_doc"])
    print(f"  5.7MB peak memory <= 3x document (RSS growth during verify): {g:.2f}x -> {verdict(g <= 3)}")
PY
