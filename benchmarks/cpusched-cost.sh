#!/usr/bin/env bash
# Kernel-side cost of the CPU scheduling probe against BCC's runqlat (Debian package libbpf-tools),
# measured side by side: both are attached at the same time, under the same fixed load, and
# kernel.bpf_stats_enabled gives each program's run_time_ns and run_cnt. Each round reads both
# counters at the start and the end of a window and divides the differences; the table shows the
# median over the rounds of each program's ns per run, ours beside runqlat's for the same
# tracepoint, and the ratio (below 1: ours is cheaper).
#
# Cases (each its own rounds, runqlat attached in every one; it uses tp_btf here):
#   tp_btf, histograms only      xmon-runqlat --offcpu 0 --hung 0     (like for like with runqlat)
#   tp_btf, off-CPU + hung on    xmon-runqlat (defaults: off-CPU >= 1 s, hung >= 5 s records)
#   raw_tp, histograms only      xmon-runqlat --raw-tp --offcpu 0 --hung 0  (the fallback strategy)
#   raw_tp, off-CPU + hung on    xmon-runqlat --raw-tp
#
# Load: `perf bench sched messaging -t -g GROUPS` (threads ping-ponging over sockets; Debian package
# linux-perf, installed here when missing), or, without perf, tests/.../native/workload.c: threads
# sleeping 1 ms plus more spinning threads than CPUs.
#
# usage: sudo benchmarks/cpusched-cost.sh [rounds [window-seconds [groups]]]   (default 5 5 2)
set -euo pipefail

rounds=${1:-5}
window=${2:-5}
groups=${3:-2}
repo=$(cd "$(dirname "$0")/.." && pwd)
runqlat=$(command -v runqlat || echo /usr/sbin/runqlat)
[[ -x $runqlat ]] || { echo "runqlat not found: apt-get install libbpf-tools" >&2; exit 1; }
command -v bpftool >/dev/null || { echo "bpftool not found: apt-get install bpftool" >&2; exit 1; }
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
if ! command -v perf >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends linux-perf >/dev/null 2>&1 || true
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "building the sample (Release)..."
dotnet build -c Release -m:1 -v q "$repo/samples/XMonitor.RunQueueLatency" >/dev/null
xmon="$repo/samples/XMonitor.RunQueueLatency/bin/Release/net10.0/xmon-runqlat"
# Statistics stay on afterwards: other sessions on this machine may be measuring too.
sysctl -qw kernel.bpf_stats_enabled=1

if perf bench sched messaging -t -g 1 -l 10 >/dev/null 2>&1; then
  load_name="perf bench sched messaging -t -g $groups ($((groups * 40)) threads)"
  start_load() { perf bench sched messaging -t -g "$groups" -l 100000000 >/dev/null 2>&1 & pids+=($!); load_pids=($!); }
else
  cc -O2 -pthread -o "$work/workload" "$repo/tests/XMonitor.Bpf.Probes.Tests/native/workload.c"
  load_name="workload.c: 8 threads sleeping 1 ms + $(( $(nproc) + 2 )) spinning threads"
  start_load() {
    local ms=$(( (window + 10) * 1000 ))
    mkfifo "$work/go"
    "$work/workload" sleeper 8 1 "$ms" <"$work/go" >/dev/null & pids+=($!); load_pids=($!)
    "$work/workload" spin $(( $(nproc) + 2 )) "$ms" <"$work/go" >/dev/null & pids+=($!); load_pids+=($!)
    echo go >"$work/go"
    rm -f "$work/go"
  }
fi

# "event run_cnt run_time_ns" of every program process $1 holds an fd of (its fdinfo names the
# program id). The event is the tracepoint: handle_ and the _btf/_raw suffix are dropped.
snapshot() {
  local id
  for id in $(grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -un); do
    bpftool prog show id "$id" | awk '/^[0-9]+: / { name = ""; cnt = 0; ns = 0
      for (i = 1; i <= NF; i++) { if ($i == "name") name = $(i + 1); if ($i == "run_time_ns") ns = $(i + 1); if ($i == "run_cnt") cnt = $(i + 1) }
      sub(/^handle_/, "", name); sub(/_(btf|raw)$/, "", name); print name, cnt, ns }'
  done
}

# One round of case $1 (a label) with xmon-runqlat's arguments $2...: appends
# "case<TAB>who<TAB>event<TAB>runs<TAB>ns" lines (differences over the window) to $work/data.
round() {
  local label=$1; shift
  "$xmon" "$@" 3600 1 >"$work/xmon.txt" 2>&1 & local xpid=$!; pids+=($xpid)
  until grep -q "^Tracing" "$work/xmon.txt" 2>/dev/null; do
    kill -0 "$xpid" 2>/dev/null || { cat "$work/xmon.txt" >&2; exit 1; }
    sleep 0.05
  done
  "$runqlat" 1 $(( window + 30 )) >/dev/null 2>&1 & local bpid=$!; pids+=($bpid)
  until [[ $(grep -c '^prog_id:' /proc/"$bpid"/fdinfo/* 2>/dev/null | awk -F: '{ n += $2 } END { print n + 0 }') -ge 3 ]]; do sleep 0.05; done
  start_load
  sleep 1
  snapshot "$xpid" >"$work/x0"; snapshot "$bpid" >"$work/b0"
  sleep "$window"
  snapshot "$xpid" >"$work/x1"; snapshot "$bpid" >"$work/b1"
  kill "${load_pids[@]}" "$bpid" 2>/dev/null || true
  kill -TERM "$xpid" 2>/dev/null || true
  wait "${load_pids[@]}" "$bpid" "$xpid" 2>/dev/null || true
  pids=()
  awk -v c="$label" -v who=xmon 'NR == FNR { cnt[$1] = $2; ns[$1] = $3; next } { print c "\t" who "\t" $1 "\t" $2 - cnt[$1] "\t" $3 - ns[$1] }' "$work/x0" "$work/x1" >>"$work/data"
  awk -v c="$label" -v who=runqlat 'NR == FNR { cnt[$1] = $2; ns[$1] = $3; next } { print c "\t" who "\t" $1 "\t" $2 - cnt[$1] "\t" $3 - ns[$1] }' "$work/b0" "$work/b1" >>"$work/data"
}

cases=(
  "tp_btf, histograms only|--offcpu 0 --hung 0"
  "tp_btf, off-CPU + hung on|"
  "raw_tp, histograms only|--raw-tp --offcpu 0 --hung 0"
  "raw_tp, off-CPU + hung on|--raw-tp"
)
: >"$work/data"
echo "load: $load_name; $rounds rounds of ${window} s per case, on $(nproc) CPUs, $(uname -r)"
for r in $(seq 1 "$rounds"); do
  for c in "${cases[@]}"; do
    label=${c%%|*}
    read -r -a args <<<"${c#*|}"
    echo "  round $r: $label"
    round "$label" "${args[@]}"
  done
done

# Median of each program's ns/run over the rounds, and of its runs per second; ours beside runqlat's.
echo
awk -F '\t' -v window="$window" '
  { c = $1; who = $2; ev = $3
    if (!(c in seenc)) { seenc[c] = 1; corder[++nc] = c }
    if (!((c, ev) in seenev)) { seenev[c, ev] = 1; evs[c] = evs[c] " " ev }
    if ($4 > 0) { n = ++cnt[c, who, ev]; per[c, who, ev, n] = $5 / $4; runs[c, who, ev, n] = $4 / window } }
  function median(c, who, ev, arr,    n, i, j, t, v) {
    n = cnt[c, who, ev]; if (!n) return -1
    for (i = 1; i <= n; i++) v[i] = arr[c, who, ev, i]
    for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
  END {
    printf "%-28s %-18s %12s %10s %12s %10s %7s\n", "case", "tracepoint", "xmon ns/run", "xmon runs/s", "runqlat ns/run", "runs/s", "ratio"
    for (i = 1; i <= nc; i++) { c = corder[i]; m = split(evs[c], e, " ")
      for (j = 1; j <= m; j++) { ev = e[j]
        x = median(c, "xmon", ev, per); b = median(c, "runqlat", ev, per)
        xr = median(c, "xmon", ev, runs); br = median(c, "runqlat", ev, runs)
        printf "%-28s %-18s %12.0f %10.0f %12s %10s %7s\n", c, ev, x, xr,
          (b < 0 ? "-" : sprintf("%.0f", b)), (b < 0 ? "-" : sprintf("%.0f", br)), (b > 0 ? sprintf("%.2f", x / b) : "-") } } }' "$work/data"
echo
echo "ns/run: run_time_ns / run_cnt over each ${window} s window (kernel.bpf_stats_enabled), median of $rounds rounds;"
echo "runs/s: median run_cnt per second. runqlat runs tp_btf programs in every case."
