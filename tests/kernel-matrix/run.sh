#!/usr/bin/env bash
# The kernel matrix: boots each of Debian 12's kernels under QEMU (vm.sh) and runs the probes' and
# the agent's tests there against the real kernel, with the strategy every probe chose. Prints a
# line per kernel and the table kernel x probe -> strategy; exits non-zero when anything failed on
# any kernel. Run as root after a Release build (`dotnet build XMonitor.Bpf.sln -c Release`, which
# `dotnet test -c Release` does too).
#
#   tests/kernel-matrix/run.sh [--kernel 6.1|6.12]... [--suite probes|agent]...
#
# Output per kernel lands in tests/kernel-matrix/out/KERNEL/ (strategies.txt, probes.log, agent.log, guest.log).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

kernels=() suites=()
while (($#)); do
  case "$1" in
    --kernel) kernels+=("$2"); shift 2 ;;
    --suite) suites+=("$2"); shift 2 ;;
    *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
((${#kernels[@]})) || kernels=(6.1 6.12)

for built in tests/XMonitor.Bpf.Probes.Tests tests/XMonitor.Agent.Tests samples/XMonitor.Features; do
  [[ -d "$repo/$built/bin/Release/net10.0" ]] || { (cd "$repo" && dotnet build XMonitor.Bpf.sln -c Release -v q); break; }
done

status=0
summary=()
for kernel in "${kernels[@]}"; do
  out="$here/out/$kernel"
  rm -rf "$out"
  mkdir -p "$out"
  start=$SECONDS
  code=0
  (cd "$repo" && "$here/vm.sh" --kernel "$kernel" --timeout 1200 -- bash tests/kernel-matrix/lib/guest-suite.sh "$out" "${suites[@]}") \
    2>&1 | tee "$out/guest.log" || code=$?
  if ((code != 0)); then
    status=1
    # What CI shows is the end of the output: say here which test each suite was in, and where
    # the kernel was if it locked up (vm.sh panics the guest on a soft lockup).
    for log in "$out"/probes.log "$out"/agent.log; do
      [[ -f "$log" ]] || continue
      echo "last test started in $(basename "$log" .log): $(grep -a '\[STARTING\]' "$log" | tail -1 | sed 's/^ *//;s/ \[STARTING\]//')"
    done
    grep -a -m1 -A60 -E 'soft lockup|rcu_preempt detected stalls|Kernel panic|BUG:' "$out/guest.log" | sed 's/^/  | /' || true
  fi
  counts=$({ grep -a -h 'Total:' "$out"/probes.log "$out"/agent.log 2>/dev/null || true; } | sed 's/.*Total: //' | paste -sd ';' -)
  summary+=("$kernel: exit $code in $((SECONDS - start)) s; ${counts:-no test summary}")
done

echo
echo "kernel matrix:"
printf '  %s\n' "${summary[@]}"
echo
echo "strategies (xmon-features --probes on each kernel):"
for kernel in "${kernels[@]}"; do
  echo "  $kernel:"
  sed -n '/^probe strategies/,$p' "$here/out/$kernel/strategies.txt" 2>/dev/null | tail -n +2 | sed 's/^/  /'
done
exit "$status"
