#!/usr/bin/env bash
# Footprint of a monitoring agent under the load of probe-cost.sh: CPU time (utime + stime from
# /proc/PID/stat) over ROUNDS rounds of the fixed scheduler + I/O load, CPU at start-up (until it
# had attached), and peak RSS (VmHWM) and RSS at the end, for our all-probes host (every probe,
# default options) next to BCC's runqlat, biolatency, offcputime and cachestat (cachestat needs
# kprobes or fentry: where it cannot attach, the table says so). All run at the same time, each
# BCC tool with a 1 s interval like our probes.
#
# usage: sudo benchmarks/footprint.sh                      ROUNDS (default 3)
#        sudo benchmarks/footprint.sh COMMAND [ARGS...]    measures COMMAND instead of our host (for
#        example the agent); AGENT_READY: regex of the line it prints once attached (default: wait
#        READY_SECONDS, 5). Environment such as DOTNET_gcServer=1 passes through to it.
set -euo pipefail
(($# == 0)) || export AGENT_CMD="$*"
source "$(dirname "$0")/lib/subjects.sh"
rounds=${ROUNDS:-3}
trap cleanup_subjects EXIT
prepare_subjects
tick=$(getconf CLK_TCK)

# utime + stime of a process in ms (fields 14 and 15, counted after the command's closing parenthesis).
cpu_ms() { awk -v tick="$tick" '{ sub(/^.*\) /, ""); print ($12 + $13) * 1000 / tick }' "/proc/$1/stat"; }
status_kb() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }

echo "starting our probes, runqlat, biolatency, offcputime, cachestat ..." >&2
# shellcheck disable=SC2046 # AGENT_CMD is a command line
start_subject ours "$(our_ready)" $(our_command)
# A tool that cannot attach here stays out of the table's figures; the table says why.
start_subject runqlat '^Tracing' runqlat 1 || true
start_subject biolatency '^Tracing' biolatency 1 || true
# offcputime prints nothing until it stops: give it 2 s to attach.
READY_SECONDS=2 start_subject offcputime '' offcputime || true
start_subject cachestat 'HITS' cachestat 1 2>/dev/null || true
names=(ours runqlat biolatency offcputime cachestat)

declare -A startup before
for name in "${names[@]}"; do
  [[ -n ${subject_pid[$name]:-} ]] || continue
  startup[$name]=$(cpu_ms "${subject_pid[$name]}")
  before[$name]=${startup[$name]}
done
window_start=$(date +%s.%N)
for ((round = 1; round <= rounds; round++)); do
  echo "footprint: load round $round of $rounds ..." >&2
  fixed_load
done
window=$(echo "$(date +%s.%N) - $window_start" | bc)

printf "%-12s %14s %12s %14s %14s %12s\n" "footprint" "start-up CPU" "load CPU" "CPU per s" "peak RSS" "RSS at end"
for name in "${names[@]}"; do
  label=$name
  [[ $name == ours ]] && label=${AGENT_CMD:+agent}; label=${label:-all-probes}
  if [[ -z ${subject_pid[$name]:-} ]]; then
    printf "%-12s %s\n" "$label" "did not start: $(grep -m1 -iE 'fail|error' "$subjects_work/$name.out" || echo 'see its output')"
    continue
  fi
  pid=${subject_pid[$name]}
  load=$(echo "$(cpu_ms "$pid") - ${before[$name]}" | bc)
  printf "%-12s %11.0f ms %9.0f ms %11.1f ms %11.1f MB %9.1f MB\n" "$label" "${startup[$name]}" "$load" \
    "$(echo "$load / $window" | bc -l)" "$(echo "$(status_kb "$pid" VmHWM) / 1024" | bc -l)" "$(echo "$(status_kb "$pid" VmRSS) / 1024" | bc -l)"
done
printf "load window: %.1f s (%d rounds)\n" "$window" "$rounds"
