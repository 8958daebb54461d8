#!/usr/bin/env bash
# Kernel-side cost of our probes next to BCC's: with kernel.bpf_stats_enabled=1, starts all seven
# probes (benchmarks/XMonitor.Bpf.AllProbes, default options; or AGENT_CMD), BCC's runqlat and
# biolatency at the same time, runs a fixed scheduler + I/O load (lib/subjects.sh) ROUNDS times,
# and prints per BPF program the average ns per run (delta of run_time_ns / delta of run_cnt over
# the load) and runs per round, medians over the rounds; ours and BCC's side by side where they
# hook the same event. Only the programs these processes hold count (found through
# /proc/PID/fdinfo): other sessions on the machine run programs with the same names.
#
# usage: sudo benchmarks/probe-cost.sh          ROUNDS (default 5); load sizes: see lib/subjects.sh
#        AGENT_CMD="path/to/agent args" AGENT_READY="regex of its ready line" sudo benchmarks/probe-cost.sh
set -euo pipefail
source "$(dirname "$0")/lib/subjects.sh"
rounds=${ROUNDS:-5}
trap cleanup_subjects EXIT
prepare_subjects

echo "starting our probes, runqlat and biolatency ..." >&2
# shellcheck disable=SC2046 # AGENT_CMD is a command line
start_subject ours "$(our_ready)" $(our_command)
start_subject runqlat '^Tracing' runqlat 1
start_subject biolatency '^Tracing' biolatency 1

# "<id> <owner> <probe>": our host names each program's probe; an agent's programs count as one.
owners=$subjects_work/owners
if grep -q '^program ' "$subjects_work/ours.out"; then
  awk '/^program / { print $3, "ours", $2 }' "$subjects_work/ours.out" >"$owners"
else
  prog_ids_of "${subject_pid[ours]}" | sed "s/$/ ours agent/" >"$owners"
fi
for name in runqlat biolatency; do
  prog_ids_of "${subject_pid[$name]}" | sed "s/$/ $name $name/" >>"$owners"
done

deltas=$subjects_work/deltas
for ((round = 1; round <= rounds; round++)); do
  echo "probe cost: load round $round of $rounds ..." >&2
  snapshot >"$subjects_work/before"
  fixed_load
  snapshot >"$subjects_work/after"
  awk -v round="$round" 'NR == FNR { t[$1] = $3; c[$1] = $4; next } { print round, $1, $2, $3 - t[$1], $4 - c[$1] }' \
    "$subjects_work/before" "$subjects_work/after" >>"$deltas"
done
stop_subjects

# The event a program hooks, whatever its prefix or suffix: handle_sched_switch_btf, tp_btf_block_rq_issue,
# block_rq_issue_btf and sched_switch all name their tracepoint.
awk -f "$bench_dir/lib/median.awk" -f - "$owners" "$deltas" <<'AWK'
function event(name) { sub(/^(handle_|tp_btf_|raw_tp_|tp_)/, "", name); sub(/_(btf|raw|tp)$/, "", name); return name }
NR == FNR { owner[$1] = $2; probe[$1] = $3; next }
{
  o = owner[$2]; ev = event($3); key = o "|" ev
  if ($5 > 0) ns[key] = ns[key] " " $4 / $5
  runs[key] = runs[key] " " $5
  total[o "|" $1] += $4; rounds[$1] = 1
  if (o == "ours") { per_probe[probe[$2] "|" $1] += $4; probes[probe[$2]] = 1 }
  if (!(key in seen)) { seen[key] = 1; if (o == "ours") ours[++n] = ev; else bcc[ev] = o }
}
function ns_of(key) { return (key in ns) ? sprintf("%.0f", median(ns[key])) : "-" }
END {
  printf "%-34s %10s %12s %10s %12s %8s\n", "probe cost (medians per round)", "ours ns/run", "ours runs", "BCC ns/run", "BCC runs", "ours/BCC"
  for (i = 1; i <= n; i++) {
    ev = ours[i]
    if (!(ev in bcc)) continue
    a = "ours|" ev; b = bcc[ev] "|" ev
    printf "%-34s %10s %12d %10s %12d %8.2f\n", ev " (" bcc[ev] ")", ns_of(a), median(runs[a]), ns_of(b), median(runs[b]), median(ns[a]) / median(ns[b])
  }
  printf "\n%-34s %10s %12s\n", "our other programs", "ns/run", "runs"
  for (i = 1; i <= n; i++) {
    ev = ours[i]
    if (ev in bcc) continue
    a = "ours|" ev
    printf "%-34s %10s %12d\n", ev, ns_of(a), median(runs[a])
  }
  for (r in rounds) { t_ours = t_ours " " total["ours|" r] / 1e6; t_bcc = t_bcc " " (total["runqlat|" r] + total["biolatency|" r]) / 1e6 }
  printf "\nkernel CPU per load round (ms): ours %.1f, runqlat + biolatency %.1f\n", median(t_ours), median(t_bcc)
  for (p in probes) {
    list = ""
    for (r in rounds) list = list " " per_probe[p "|" r] / 1e6
    printf "  %-12s %8.1f\n", p, median(list)
  }
}
AWK
