# Sourced by probe-cost.sh and footprint.sh: the fixed scheduler + I/O load, and starting the
# programs they measure (our all-probes host or the agent, BCC's libbpf-tools) in the background.
#
# Needs: root, perf (Debian linux-perf, for `perf bench sched messaging`), dd, libbpf-tools,
# tracefs mounted (libbpf resolves tp/ names through it).

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo_dir=$(cd "$bench_dir/.." && pwd)

# Load sizes: fixed amounts of work (not durations), so every round makes about the same events.
LOAD_GROUPS=${LOAD_GROUPS:-4}          # perf bench sched messaging: 4 groups of 20 senders + 20 receivers over pipes
LOAD_LOOPS=${LOAD_LOOPS:-1000}         # messages per sender
LOAD_IO_MB=${LOAD_IO_MB:-32}           # MiB written with O_DIRECT (64 KiB requests) and buffered (fsync'ed)
LOAD_IO_READS=${LOAD_IO_READS:-2048}   # 4 KiB O_DIRECT reads

subjects_work=$(mktemp -d /var/tmp/xmon-bench.XXXXXX)
subject_pids=()

stop_subjects() {
  local p
  # TERM, not INT: a background job of a script starts with SIGINT ignored.
  for p in "${subject_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${subject_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  subject_pids=()
}

cleanup_subjects() {
  stop_subjects
  rm -rf "$subjects_work"
}

prepare_subjects() {
  [[ $(id -u) == 0 ]] || { echo "$0 loads BPF programs: run it as root" >&2; exit 1; }
  command -v perf >/dev/null || { echo "the load needs perf: bash .ci/setup (linux-perf)" >&2; exit 1; }
  command -v runqlat >/dev/null || { echo "BCC's tools are missing: bash .ci/setup (libbpf-tools)" >&2; exit 1; }
  mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
  # Others on this machine may be measuring too: switched on, never off.
  sysctl -q -w kernel.bpf_stats_enabled=1
  if [[ -z ${AGENT_CMD:-} ]]; then
    echo "building the all-probes host (Release) ..." >&2
    dotnet build "$bench_dir/XMonitor.Bpf.AllProbes" -c Release -m:1 --nologo -v quiet >&2
  fi
  dd if=/dev/zero of="$subjects_work/direct" bs=64k count=$((LOAD_IO_MB * 16)) oflag=direct status=none
}

# The program under test on our side: AGENT_CMD if set (for example the agent), else the host that
# starts all seven probes with default options.
our_command() {
  if [[ -n ${AGENT_CMD:-} ]]; then
    echo "$AGENT_CMD"
  else
    echo "$bench_dir/XMonitor.Bpf.AllProbes/bin/Release/net10.0/xmon-allprobes"
  fi
}

# What our side prints once attached: AGENT_READY for AGENT_CMD (empty: wait READY_SECONDS), else the host's "ready".
our_ready() {
  if [[ -n ${AGENT_CMD:-} ]]; then echo "${AGENT_READY:-}"; else echo '^ready'; fi
}

# start_subject NAME READY_PATTERN COMMAND...: runs the command in the background (output in
# $subjects_work/NAME.out), waits until a line matches READY_PATTERN (it has attached; with an
# empty pattern, READY_SECONDS, default 5), and records its pid in subject_pid[NAME].
declare -A subject_pid
start_subject() {
  local name=$1 ready=$2 deadline
  shift 2
  stdbuf -oL "$@" >"$subjects_work/$name.out" 2>&1 &
  subject_pid[$name]=$!
  subject_pids+=($!)
  deadline=$((SECONDS + 60))
  [[ -n $ready ]] || sleep "${READY_SECONDS:-5}"
  until if [[ -n $ready ]]; then grep -qE "$ready" "$subjects_work/$name.out"; else kill -0 "${subject_pid[$name]}" 2>/dev/null; fi; do
    if ! kill -0 "${subject_pid[$name]}" 2>/dev/null || ((SECONDS > deadline)); then
      echo "$name did not start:" >&2
      cat "$subjects_work/$name.out" >&2
      unset "subject_pid[$name]"
      return 1
    fi
    sleep 0.05
  done
}

# The ids of the BPF programs a process holds (programs and links name them in fdinfo).
prog_ids_of() {
  grep -hs '^prog_id:' /proc/"$1"/fdinfo/* | awk '{ print $2 }' | sort -un
}

# "<id> <name> <run_time_ns> <run_cnt>" of the programs in $owners.
snapshot() {
  bpftool prog show | awk -v owners="$owners" '
    BEGIN { while ((getline line < owners) > 0) { split(line, f, " "); own[f[1]] = 1 } }
    /^[0-9]+: / {
      id = $1; sub(":", "", id)
      if (!(id in own)) next
      name = ""; t = 0; c = 0
      for (i = 2; i < NF; i++) {
        if ($i == "name") name = $(i + 1)
        if ($i == "run_time_ns") t = $(i + 1)
        if ($i == "run_cnt") c = $(i + 1)
      }
      print id, name, t, c
    }'
}

# One round of the fixed load: the scheduler part and the I/O part at the same time.
fixed_load() {
  perf bench sched messaging -p -g "$LOAD_GROUPS" -l "$LOAD_LOOPS" >/dev/null &
  local sched=$!
  {
    dd if=/dev/zero of="$subjects_work/direct" bs=64k count=$((LOAD_IO_MB * 16)) oflag=direct conv=notrunc status=none
    dd if="$subjects_work/direct" of=/dev/null bs=4k count="$LOAD_IO_READS" iflag=direct status=none
    dd if=/dev/zero of="$subjects_work/buffered" bs=1M count="$LOAD_IO_MB" conv=fsync status=none
  } &
  local io=$!
  wait "$sched" "$io"
}
