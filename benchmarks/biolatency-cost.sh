#!/usr/bin/env bash
# Kernel-side cost of the BioLatency probe next to BCC's biolatency, only the block I/O part of
# probe-cost.sh and with nothing else attached by us: with kernel.bpf_stats_enabled=1, every round
# starts the all-probes host with only BioLatency (default options), `biolatency 1` and
# `biolatency -Q 1` (which also hooks block_rq_insert, for the queue time ours always measures),
# all attached at the same time in an order that rotates from round to round, runs fixed O_DIRECT
# I/O (64 KiB writes and 4 KiB reads on a file in /var/tmp) and stops them. Prints per subject and
# event the median over the rounds of the average ns per run, and the ns per completed request (all
# of a subject's programs over the round, divided by its completions).
# Only the programs these processes hold count (other sessions run programs with the same names).
#
# usage: sudo benchmarks/biolatency-cost.sh                        ROUNDS (default 9), IO_MB (default 32)
#        OURS="name=command name2=command2" ...: other hosts to measure at the same time (each must
#        print "ready" once attached), for example a build from another branch:
#        OURS="main=/path/to/xmon-allprobes --only BioLatency" (one subject per name=command; no spaces in names)
set -euo pipefail
source "$(dirname "$0")/lib/subjects.sh"
rounds=${ROUNDS:-9}
io_mb=${IO_MB:-32}
trap cleanup_subjects EXIT
prepare_subjects

host="$bench_dir/XMonitor.Bpf.AllProbes/bin/Release/net10.0/xmon-allprobes"
declare -A command=([ours]="$host --only BioLatency" [biolatency]="biolatency 1" [biolatency-Q]="biolatency -Q 1")
declare -A ready=([ours]='^ready' [biolatency]='^Tracing' [biolatency-Q]='^Tracing')
names=(ours)
if [[ -n ${OURS:-} ]]; then
  while read -r name line; do
    names+=("$name")
    command[$name]=$line
    ready[$name]='^ready'
  done < <(sed 's/ \([A-Za-z0-9_-]*\)=/\n\1 /g; s/^\([A-Za-z0-9_-]*\)=/\1 /' <<<"$OURS")
fi
names+=(biolatency biolatency-Q)

# Programs on one tracepoint run in the order they were attached, and the first one pays the
# cache misses on the request, its queue and its disk for all: every round starts the subjects
# anew, each round in another order, so each subject is first as often as the others.
owners=$subjects_work/owners
deltas=$subjects_work/deltas
file=$subjects_work/direct
for ((round = 1; round <= rounds; round++)); do
  order=()
  for ((i = 0; i < ${#names[@]}; i++)); do order+=("${names[(i + round) % ${#names[@]}]}"); done
  echo "block I/O cost: round $round of $rounds (attached in this order: ${order[*]}) ..." >&2
  : >"$owners"
  for name in "${order[@]}"; do
    # The previous round's output would say "ready" before this round's process wrote anything.
    : >"$subjects_work/$name.out"
    # shellcheck disable=SC2086 # a command line
    start_subject "$name" "${ready[$name]}" ${command[$name]}
    prog_ids_of "${subject_pid[$name]}" | sed "s/$/ $name/" >>"$owners"
  done
  snapshot >"$subjects_work/before"
  dd if=/dev/zero of="$file" bs=64k count=$((io_mb * 16)) oflag=direct conv=notrunc status=none
  dd if="$file" of=/dev/null bs=4k count=$((io_mb * 64)) iflag=direct status=none
  snapshot >"$subjects_work/after"
  stop_subjects
  awk -v round="$round" 'NR == FNR { t[$1] = $3; c[$1] = $4; next } { print round, $1, $2, $3 - t[$1], $4 - c[$1] }' \
    "$subjects_work/before" "$subjects_work/after" >>"$deltas"
  awk -v round="$round" '{ print round, $1, $2 }' "$owners" >>"$subjects_work/all-owners"
done

awk -f "$bench_dir/lib/median.awk" -f - "$subjects_work/all-owners" "$deltas" <<'AWK'
function event(name) { sub(/^(handle_|tp_btf_|raw_tp_|tp_)/, "", name); sub(/_(btf|raw|tp)$/, "", name); return name }
NR == FNR { owner[$1, $2] = $3; if (!($3 in seen)) { seen[$3] = 1; order[++n] = $3 }; next }
{
  o = owner[$1, $2]; ev = event($3); key = o "|" ev
  if ($5 > 0) { ns[key] = ns[key] " " $4 / $5; round_ns[key, $1] = $4 / $5 }
  runs[key] = runs[key] " " $5
  events[ev] = 1
  total[o "|" $1] += $4
  if (ev == "block_rq_complete") done[o "|" $1] = $5
  rounds[$1] = 1
}
END {
  printf "%-14s %22s %22s %22s %12s\n", "(medians)", "block_rq_insert ns/run", "block_rq_issue ns/run", "block_rq_complete ns/run", "ns/request"
  for (i = 1; i <= n; i++) {
    o = order[i]; line = sprintf("%-14s", o)
    split("block_rq_insert block_rq_issue block_rq_complete", evs, " ")
    for (j = 1; j <= 3; j++) {
      k = o "|" evs[j]
      line = line sprintf(" %22s", (k in ns) ? sprintf("%.0f (%d runs)", median(ns[k]), median(runs[k])) : "-")
    }
    per = ""
    for (r in rounds) if (done[o "|" r] > 0) per = per " " total[o "|" r] / done[o "|" r]
    print line sprintf(" %12.0f", median(per))
  }
  # Ratios within a round first: the machine's load changes from round to round, alike for all.
  printf "\n%-14s %22s %22s %22s\n", "(median ratios)", "issue / biolatency's", "complete / biolatency's", "request / biolatency-Q's"
  for (i = 1; i <= n; i++) {
    o = order[i]
    if (o ~ /^biolatency/) continue
    split("", lists)
    for (r in rounds) {
      for (j = 2; j <= 3; j++) {
        k = o "|" evs[j]; b = "biolatency|" evs[j]
        if (((k, r) in round_ns) && ((b, r) in round_ns)) lists[j] = lists[j] " " round_ns[k, r] / round_ns[b, r]
      }
      if (done[o "|" r] > 0 && done["biolatency-Q|" r] > 0)
        lists[4] = lists[4] " " (total[o "|" r] / done[o "|" r]) / (total["biolatency-Q|" r] / done["biolatency-Q|" r])
    }
    printf "%-14s %22.2f %22.2f %22.2f\n", o, median(lists[2]), median(lists[3]), median(lists[4])
  }
}
AWK
