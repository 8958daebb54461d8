#!/usr/bin/env bash
# Runs the benchmarks of issue 11 and prints their table (see benchmarks/README.md).
#
#   benchmarks/run.sh            everything: maps, BenchmarkDotNet suite, scrape, probe cost, cold start,
#                                footprint, ring buffer (last, so its ratio line ends the output)
#   benchmarks/run.sh ringbuf    only the ring buffer comparison; ends with "ringbuf ratio .NET/C: X.XX"
#   benchmarks/run.sh maps       only the map comparison
#   benchmarks/run.sh probecost  only probe-cost.sh: ns per run of our BPF programs and BCC's under one load
#   benchmarks/run.sh coldstart  only the cold start: fresh processes timed, then the BenchmarkDotNet ColdStart suite
#   benchmarks/run.sh footprint  only footprint.sh: CPU and peak RSS of the all-probes host and BCC's tools
#   benchmarks/run.sh scrape     only one whole /metrics scrape with every probe running (thread CPU per scrape)
#
# Environment: ROUNDS (default 5) alternating .NET and C runs per comparison (and rounds of the
# other parts), REPEATS (default 200) timed fills or map reads per run, BENCH_CPU (default the last
# CPU) the CPU both sides of a comparison are pinned to.
# Needs root, the .NET SDK, clang + libbpf-dev, libbpf-tools, linux-perf (bash .ci/setup) and gcc.
set -euo pipefail

what=${1:-all}
case "$what" in
  all | ringbuf | maps | probecost | coldstart | footprint | scrape) ;;
  *) echo "usage: $0 [ringbuf|maps|probecost|coldstart|footprint|scrape]" >&2; exit 2 ;;
esac
rounds=${ROUNDS:-5}
repeats=${REPEATS:-200}
cpu=${BENCH_CPU:-$(($(nproc) - 1))}

here=$(cd "$(dirname "$0")" && pwd)
project=$here/XMonitor.Bpf.Benchmarks
out=$project/bin/Release/net10.0
object=$project/obj/bpf/bench.bpf.o

[[ $(id -u) == 0 ]] || { echo "run.sh loads BPF programs: run it as root" >&2; exit 1; }
command -v gcc >/dev/null || { echo "the C reference needs gcc: apt-get install gcc" >&2; exit 1; }
[[ -f /usr/include/bpf/libbpf.h ]] || { echo "the C reference needs libbpf's headers: bash .ci/setup (libbpf-dev)" >&2; exit 1; }

echo "building (dotnet Release, gcc -O2) ..." >&2
dotnet build "$project" -c Release --nologo -v quiet >&2
dotnet build "$here/XMonitor.Bpf.AllProbes" -c Release --nologo -v quiet >&2
dotnet build "$here/XMonitor.Bpf.Prometheus.Benchmarks" -c Release --nologo -v quiet >&2
# The C side loads the very object the .NET build compiled and embedded.
gcc -O2 -Wall -Wextra -Werror -o "$out/ringbuf_ref" "$here/ref/ringbuf_ref.c" -lbpf
gcc -O2 -Wall -Wextra -Werror -o "$out/maps_ref" "$here/ref/maps_ref.c" -lbpf

results=$(mktemp)
trap 'rm -f "$results" "$results.coldstart" "$results.scrape"' EXIT

run_dotnet() { taskset -c "$cpu" dotnet "$out/XMonitor.Bpf.Benchmarks.dll" --compare "$1" --repeats "$repeats"; }
# libbpf notes that it skips the .xm_export section (type markers for the skeleton generator): not an error.
run_c() { taskset -c "$cpu" "$out/$1_ref" "$object" "$repeats" 2> >(grep -v 'skipping unrecognized data section' >&2); }

# Alternating the order each round keeps a slow phase of a busy machine from favouring one side.
compare() {
  local area=$1 round
  for ((round = 1; round <= rounds; round++)); do
    echo "$area: round $round of $rounds ..." >&2
    if ((round % 2)); then
      run_c "$area" | sed "s/^/$round /" >>"$results"
      run_dotnet "$area" | sed "s/^/$round /" >>"$results"
    else
      run_dotnet "$area" | sed "s/^/$round /" >>"$results"
      run_c "$area" | sed "s/^/$round /" >>"$results"
    fi
  done
}

# Lines are "<round> <kind> <case> <implementation> <value>". For every case: the median over the
# rounds of each side, and the median of the per-round ratios (paired, as both ran back to back).
report() {
  awk -v area="$1" '
    function median(list,    a, n, i, j, t) {
      n = split(list, a, " ")
      for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    $2 == "result" { v[$3 "|" $4] = v[$3 "|" $4] " " $5; r[$1 "|" $3 "|" $4] = $5; rounds[$1] = 1 }
    $2 == "alloc" { alloc[$3 "|" $4] = alloc[$3 "|" $4] " " $5 }
    function paired(c, num, den,    k, list) {
      list = ""
      for (k in rounds)
        if ((k "|" c "|" num) in r && (k "|" c "|" den) in r)
          list = list " " r[k "|" c "|" num] / r[k "|" c "|" den]
      return median(list)
    }
    function rate_row(c, impl, label) {
      printf "%-34s %14.1f %14.1f %8.2f %12.4f\n", label, median(v[c "|" impl]) / 1e6, median(v[c "|c"]) / 1e6, paired(c, impl, "c"), median(alloc[c "|" impl])
    }
    function time_row(c, label, unit, scale) {
      printf "%-34s %14.1f %14.1f %8.2f %12.1f\n", label " (" unit ")", median(v[c "|dotnet"]) / scale, median(v[c "|c"]) / scale, paired(c, "dotnet", "c"), median(alloc[c "|dotnet"])
    }
    END {
      if (area == "ringbuf") {
        printf "%-34s %14s %14s %8s %12s\n", "ring buffer, full 4 MiB ring", ".NET Mrec/s", "C Mrec/s", ".NET/C", "B/record"
        rate_row("ringbuf_16", "dotnet_struct", "16 B records, struct handler")
        rate_row("ringbuf_16", "dotnet_delegate", "16 B records, delegate")
        rate_row("ringbuf_64", "dotnet_struct", "64 B records, struct handler")
        rate_row("ringbuf_64", "dotnet_delegate", "64 B records, delegate")
        printf "ringbuf ratio .NET/C: %.2f\n", paired("ringbuf_16", "dotnet_struct", "c")
      } else {
        printf "%-34s %14s %14s %8s %12s\n", "maps (time; .NET/C < 1: .NET faster)", ".NET", "C", ".NET/C", "B/op .NET"
        time_row("map_batch", "batch read, 10,000 entries", "us", 1e3)
        time_row("map_key_by_key", "key-by-key read, 10,000 entries", "us", 1e3)
        time_row("map_lookup", "single lookup", "ns", 1)
        time_row("map_update", "single update", "ns", 1)
        time_row("percpu_read", "per-CPU read, 1 key", "ns", 1)
        printf "batch speedup over key-by-key: .NET %.1fx, C %.1fx\n", median(v["map_key_by_key|dotnet"]) / median(v["map_batch|dotnet"]), median(v["map_key_by_key|c"]) / median(v["map_batch|c"])
        printf "maps batch time .NET/C: %.2f\n", paired("map_batch", "dotnet", "c")
      }
    }' "$results"
}

# Cold start: the first Start of every probe in a fresh process (JIT included), one after the
# other and all at once, the same after one untimed start and stop (--warm: JIT done), and the
# host published as Native AOT (no JIT at all), fresh; modes interleaved within each round, medians
# over the rounds; then BenchmarkDotNet's ColdStart suite (warm, with allocations).
coldstart() {
  local jit=$here/XMonitor.Bpf.AllProbes/bin/Release/net10.0/xmon-allprobes aot=$here/XMonitor.Bpf.AllProbes/bin/aot
  local mode round times=$results.coldstart
  echo "cold start: publishing the host as Native AOT ..." >&2
  dotnet publish "$here/XMonitor.Bpf.AllProbes" -c Release --use-current-runtime -p:PublishAot=true -o "$aot" --nologo -v quiet >&2
  local modes=(sequential parallel warm-sequential warm-parallel aot-sequential aot-parallel)
  for ((round = 1; round <= rounds; round++)); do
    for mode in "${modes[@]}"; do
      echo "cold start: round $round of $rounds, $mode ..." >&2
      local host=$jit flags=()
      [[ $mode == *parallel ]] && flags+=(--parallel)
      [[ $mode == warm-* ]] && flags+=(--warm)
      [[ $mode == aot-* ]] && host=$aot/xmon-allprobes
      "$host" "${flags[@]}" --seconds 0 2>/dev/null | awk -v mode="$mode" '$1 == "start" { print mode, $2, $3, $4 }' >>"$times"
    done
  done
  awk -f "$here/lib/median.awk" -f - "$times" <<'AWK'
{ wall[$1 "|" $2] = wall[$1 "|" $2] " " $3; cpu[$1 "|" $2] = cpu[$1 "|" $2] " " $4; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
END {
  split("sequential parallel warm-sequential warm-parallel aot-sequential aot-parallel", modes, " ")
  printf "%-24s %18s %18s %18s %18s %18s %18s\n", "cold start (ms, medians)", "fresh seq. wall/CPU", "fresh par.", "warm seq.", "warm par.", "AOT seq.", "AOT par."
  for (i = 1; i <= n; i++) {
    p = order[i]
    printf "%-24s", p == "all" ? "all seven" : p
    for (m = 1; m <= 6; m++)
      printf " %10.1f / %5.0f", median(wall[modes[m] "|" p]), median(cpu[modes[m] "|" p])
    printf "\n"
  }
  printf "(per probe: the starting thread's CPU; all seven: the process's, JIT threads included; AOT: the host published as Native AOT)\n"
  printf "cold start all probes (fresh process, sequential): %.0f ms wall, %.0f ms CPU\n", median(wall["sequential|all"]), median(cpu["sequential|all"])
  printf "cold start all probes (fresh Native AOT process, all at once): %.0f ms wall, %.0f ms CPU\n", median(wall["aot-parallel|all"]), median(cpu["aot-parallel|all"])
}
AWK
}

# One whole scrape with the seven probes running and 100 or 1,000 processes in the per-process maps
# (XMonitor.Bpf.Prometheus.Benchmarks, AllProbesScrapeBenchmarks, short in-process jobs): the
# report, then the thread CPU per scrape each case printed (the goal's figure: on a shared VM the
# wall clock also counts waiting for a CPU).
scrape() {
  local dir=$here/XMonitor.Bpf.Prometheus.Benchmarks
  local bin=$dir/bin/Release/net10.0 artifacts=$dir/bin/Release/net10.0/BenchmarkDotNet.Artifacts
  rm -rf "$artifacts/results"
  (cd "$dir" && dotnet "$bin/XMonitor.Bpf.Prometheus.Benchmarks.dll" --filter '*AllProbesScrape*' --job short --inProcess \
    --artifacts "$artifacts") >"$results.scrape"
  cat "$artifacts"/results/*-report-github.md
  awk '/^\/\/ Benchmark: AllProbesScrapeBenchmarks/ { match($0, /\[.*\]/); case = substr($0, RSTART, RLENGTH) }
       /^\/\/ CPU per scrape/ { sub(/^\/\/ /, ""); print "scrape " case ": " $0 }' "$results.scrape" | sort -u
  echo
}

# BenchmarkDotNet with a filter; prints the reports it wrote.
bdn() {
  local artifacts=$out/BenchmarkDotNet.Artifacts
  rm -rf "$artifacts/results"
  (cd "$project" && taskset -c "$cpu" dotnet "$out/XMonitor.Bpf.Benchmarks.dll" --filter "$1" --artifacts "$artifacts" >&2)
  cat "$artifacts"/results/*-report-github.md
  echo
}

if [[ $what == all || $what == maps ]]; then
  compare maps
  report maps
  [[ $what == all ]] && echo
fi
if [[ $what == all ]]; then
  echo "BenchmarkDotNet suite (short jobs) ..." >&2
  bdn '*'
fi
if [[ $what == all || $what == scrape ]]; then
  echo "scrape with all probes (BenchmarkDotNet, short jobs) ..." >&2
  scrape
fi
if [[ $what == all || $what == probecost ]]; then
  ROUNDS=$rounds "$here/probe-cost.sh"
  echo
fi
if [[ $what == all || $what == coldstart ]]; then
  coldstart
  [[ $what == coldstart ]] && bdn '*ColdStart*'
  echo
fi
if [[ $what == all || $what == footprint ]]; then
  ROUNDS=$rounds "$here/footprint.sh"
  echo
fi
if [[ $what == all || $what == ringbuf ]]; then
  # Last, so that its ratio line ends the output of a full run too.
  compare ringbuf
  report ringbuf
fi
