#!/usr/bin/env bash
# Runs the sample xmon-runqlat and BCC's runqlat (Debian package libbpf-tools) side by side over the
# same period on the same synthetic load, then prints both histograms, their total counts, the
# dominant buckets, and the kernel-side cost of every program (run_time_ns / run_cnt from
# kernel.bpf_stats_enabled, read with bpftool while both are attached).
#
# Round 1 compares like with like: xmon-runqlat with off-CPU and hung-task records off (runqlat
# only keeps the histogram). Round 2 repeats with xmon-runqlat's defaults (off-CPU >= 1 s and
# hung >= 5 s records on), to show what that bookkeeping costs. For the cost alone, medians over
# several rounds under a fixed load, see benchmarks/cpusched-cost.sh.
#
# usage: sudo benchmarks/compare-runqlat.sh [seconds]      (default 10)
set -euo pipefail

seconds=${1:-10}
repo=$(cd "$(dirname "$0")/.." && pwd)
runqlat=$(command -v runqlat || echo /usr/sbin/runqlat)
[[ -x $runqlat ]] || { echo "runqlat not found: apt-get install libbpf-tools" >&2; exit 1; }
command -v bpftool >/dev/null || { echo "bpftool not found: apt-get install bpftool" >&2; exit 1; }
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "building the sample (Release) and the load generator..."
dotnet build -c Release -v q "$repo/samples/XMonitor.RunQueueLatency" >/dev/null
xmon="$repo/samples/XMonitor.RunQueueLatency/bin/Release/net10.0/xmon-runqlat"
cc -O2 -pthread -o "$work/workload" "$repo/tests/XMonitor.Bpf.Probes.Tests/native/workload.c"
# Statistics stay on afterwards: other sessions on this machine may be measuring too.
sysctl -qw kernel.bpf_stats_enabled=1

# Sums the count column of a BCC-style histogram ("   lo -> hi   : count   |***|").
total() { awk '/ -> / { n += $5 } END { print n + 0 }' "$1"; }
# The three buckets with the most values, largest first, as "lo-hi".
dominant() { awk '/ -> / { print $5, $1 "-" $3 }' "$1" | sort -rn | head -3 | awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $2 }'; }
# Both histograms' counts and shares of the total, bucket by bucket.
side_by_side() {
  awk 'FNR == 1 { f++ } / -> / { key = $1 " -> " $3; if (!(key in seen)) { seen[key] = 1; order[++n] = key }; c[f, key] = $5; t[f] += $5 }
    END { printf "  %-22s %12s %7s %12s %7s\n", "usecs", "xmon-runqlat", "share", "runqlat", "share"
      for (i = 1; i <= n; i++) { k = order[i]
        printf "  %-22s %12d %6.1f%% %12d %6.1f%%\n", k, c[1, k], t[1] ? c[1, k] * 100 / t[1] : 0, c[2, k], t[2] ? c[2, k] * 100 / t[2] : 0 } }' "$1" "$2"
}
# "name run_cnt run_time_ns" of every program process $1 holds an fd of (its fdinfo names the
# program id; bpftool here cannot show owning pids).
costs() {
  local id
  for id in $(grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -un); do
    bpftool prog show id "$id" | awk '/^[0-9]+: / { name = ""; cnt = 0; ns = 0
      for (i = 1; i <= NF; i++) { if ($i == "name") name = $(i + 1); if ($i == "run_time_ns") ns = $(i + 1); if ($i == "run_cnt") cnt = $(i + 1) }
      print name, cnt, ns }'
  done
}
print_costs() {
  awk -v who="$1" '{ total_cnt += $2; total_ns += $3
      printf "  %-14s %-28s %10d runs %12d ns %8.1f ns/run\n", who, $1, $2, $3, ($2 ? $3 / $2 : 0) }
    END { printf "  %-14s %-28s %10d runs %12d ns %8.1f ns/run\n", who, "(all programs)", total_cnt, total_ns, (total_cnt ? total_ns / total_cnt : 0) }' "$2"
}

round() {
  local label=$1; shift
  echo
  echo "=== $label: ${seconds} s, load = 3 spinning threads + 8 threads sleeping 5 ms on $(nproc) CPUs"
  # Load for the whole round, with a margin on both sides.
  local spin=$work/spin.in sleep=$work/sleep.in
  mkfifo "$spin" "$sleep"
  "$work/workload" spin 3 $(( (seconds + 6) * 1000 )) <"$spin" >/dev/null & pids+=($!)
  "$work/workload" sleeper 8 5 $(( (seconds + 6) * 1000 )) <"$sleep" >/dev/null & pids+=($!)
  echo go >"$spin"; echo go >"$sleep"
  rm -f "$spin" "$sleep"
  sleep 1

  # xmon-runqlat first: .NET start-up takes a moment. runqlat starts once the sample printed its
  # banner (printed after attaching), so both windows cover the same load.
  "$xmon" "$@" "$seconds" 1 >"$work/xmon.txt" 2>"$work/xmon.err" & local xpid=$!; pids+=($xpid)
  until grep -q "^Tracing" "$work/xmon.txt" 2>/dev/null; do
    kill -0 "$xpid" 2>/dev/null || { cat "$work/xmon.err" >&2; exit 1; }
    sleep 0.05
  done
  "$runqlat" "$seconds" 1 >"$work/bcc.txt" 2>&1 & local bpid=$!; pids+=($bpid)

  # Read the costs shortly before the end, while every program is still attached.
  sleep $(( seconds - 1 ))
  costs "$xpid" >"$work/xmon.cost"
  costs "$bpid" >"$work/bcc.cost"
  wait "$xpid" "$bpid"

  echo "--- xmon-runqlat $*"
  sed -n '/usecs/,/^total/p' "$work/xmon.txt"
  echo "--- BCC runqlat"
  sed -n '/usecs/,$p' "$work/bcc.txt"
  local xt bt
  xt=$(total "$work/xmon.txt"); bt=$(total "$work/bcc.txt")
  echo "--- comparison"
  echo "  total count:     xmon-runqlat $xt, runqlat $bt, difference $(awk -v a="$xt" -v b="$bt" 'BEGIN { printf "%.1f%%", b ? (a - b) * 100 / b : 0 }')"
  echo "  top buckets:     xmon-runqlat $(dominant "$work/xmon.txt") usecs; runqlat $(dominant "$work/bcc.txt") usecs"
  side_by_side "$work/xmon.txt" "$work/bcc.txt"
  echo "--- kernel-side cost (bpf_stats, ${seconds} s minus 1)"
  print_costs xmon-runqlat "$work/xmon.cost"
  print_costs runqlat "$work/bcc.cost"
  wait 2>/dev/null || true
  pids=()
}

round "round 1: histograms only" --offcpu 0 --hung 0
round "round 2: xmon-runqlat with off-CPU and hung-task records on (defaults)"
