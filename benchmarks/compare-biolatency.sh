#!/usr/bin/env bash
# Runs the sample xmon-biolatency and BCC's biolatency (Debian package libbpf-tools) over the same
# period on the same direct-I/O load, then prints both service-time histograms (issue to
# completion, every disk in one histogram, microseconds), their totals, the share per bucket, and
# what /sys/block/DISK/stat counted over a window that contains both tools' windows.
#
# Both tools run for seconds + 6 s; the load runs for `seconds` once both have attached, so both
# windows hold all of it. The rest of the machine's I/O (other processes, the journal) falls into
# the two windows a little differently: the totals differ by that, not by what either tool misses.
#
# usage: sudo benchmarks/compare-biolatency.sh [seconds]      (default 10)
set -euo pipefail

seconds=${1:-10}
repo=$(cd "$(dirname "$0")/.." && pwd)
biolatency=$(command -v biolatency || echo /usr/sbin/biolatency)
[[ -x $biolatency ]] || { echo "biolatency not found: apt-get install libbpf-tools" >&2; exit 1; }
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing

work=$(mktemp -d /var/tmp/xmon-biolat.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "building the sample (Release)..."
dotnet build -c Release -v q "$repo/samples/XMonitor.BioLatency" >/dev/null
xmon="$repo/samples/XMonitor.BioLatency/bin/Release/net10.0/xmon-biolatency"
# The disk the load's file lives on.
dev=$(awk -v d="$(df --output=target "$work" | tail -1)" '$5 == d { print $3 }' /proc/self/mountinfo | tail -1)
disk=$(basename "$(readlink -f "/sys/dev/block/$dev")")
[[ -e /sys/dev/block/$dev/partition ]] && disk=$(basename "$(dirname "$(readlink -f "/sys/dev/block/$dev")")")
dd if=/dev/zero of="$work/data" bs=1M count=64 oflag=direct status=none

# Sums the count column of a BCC-style histogram ("   lo -> hi   : count   |***|").
total() { awk '/ -> / { n += $5 } END { print n + 0 }' "$1"; }
side_by_side() {
  awk 'FNR == 1 { f++ } / -> / { key = $1 " -> " $3; if (!(key in seen)) { seen[key] = 1; order[++n] = key }; c[f, key] = $5; t[f] += $5 }
    END { printf "  %-22s %15s %7s %12s %7s\n", "usecs", "xmon-biolatency", "share", "biolatency", "share"
      for (i = 1; i <= n; i++) { k = order[i]
        printf "  %-22s %15d %6.1f%% %12d %6.1f%%\n", k, c[1, k], t[1] ? c[1, k] * 100 / t[1] : 0, c[2, k], t[2] ? c[2, k] * 100 / t[2] : 0 } }' "$1" "$2"
}
stat_requests() { awk '{ print $1 + $5 + $12 + $16 }' "/sys/block/$disk/stat"; }

window=$(( seconds + 6 ))
before=$(stat_requests)
"$xmon" "$window" 1 >"$work/xmon.txt" 2>"$work/xmon.err" & xpid=$!; pids+=($xpid)
# Line-buffered: its banner must reach the file before it exits.
stdbuf -oL "$biolatency" "$window" 1 >"$work/bcc.txt" 2>&1 & bpid=$!; pids+=($bpid)
until grep -q "^Tracing" "$work/xmon.err" 2>/dev/null && grep -q "^Tracing" "$work/bcc.txt" 2>/dev/null; do
  kill -0 "$xpid" 2>/dev/null || { cat "$work/xmon.err" >&2; exit 1; }
  kill -0 "$bpid" 2>/dev/null || { cat "$work/bcc.txt" >&2; exit 1; }
  sleep 0.05
done

echo "=== ${seconds} s of direct I/O on $disk: 64 KiB writes and 4 KiB random reads, alternating, plus an fsync per round"
end=$(( $(date +%s) + seconds ))
rounds=0
while (( $(date +%s) < end )); do
  dd if=/dev/zero of="$work/data" bs=64k count=64 seek=$(( RANDOM % 960 )) oflag=direct conv=notrunc,fsync status=none
  for _ in 1 2 3 4 5 6 7 8; do
    dd if="$work/data" of=/dev/null bs=4k count=1 skip=$(( RANDOM % 16384 )) iflag=direct status=none
  done
  rounds=$(( rounds + 1 ))
done
wait "$xpid" "$bpid"
after=$(stat_requests)

echo "--- xmon-biolatency"
sed -n '/usecs/,$p' "$work/xmon.txt"
echo "--- BCC biolatency"
sed -n '/usecs/,$p' "$work/bcc.txt"
xt=$(total "$work/xmon.txt"); bt=$(total "$work/bcc.txt")
echo "--- comparison ($rounds load rounds: $(( rounds * 64 )) writes of 64 KiB, $(( rounds * 8 )) reads of 4 KiB)"
echo "  total count: xmon-biolatency $xt, biolatency $bt, difference $(awk -v a="$xt" -v b="$bt" 'BEGIN { printf "%.1f%%", b ? (a - b) * 100 / b : 0 }')"
echo "  /sys/block/$disk/stat: $(( after - before )) requests completed from before the first tool started to after both ended"
echo "  mean: xmon-biolatency $(awk '/ -> / { lo = $1; hi = $3; s += $5 * (lo + hi) / 2; n += $5 } END { printf "%.0f", n ? s / n : 0 }' "$work/xmon.txt") us, biolatency $(awk '/ -> / { lo = $1; hi = $3; s += $5 * (lo + hi) / 2; n += $5 } END { printf "%.0f", n ? s / n : 0 }' "$work/bcc.txt") us (bucket midpoints)"
side_by_side "$work/xmon.txt" "$work/bcc.txt"
