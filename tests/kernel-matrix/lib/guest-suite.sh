#!/bin/bash
# The matrix's work inside one guest (cwd: the repository, built in Release): the feature report
# and every probe's strategy (xmon-features --probes), then the probes' and the agent's test
# suites with XMONITOR_REQUIRE_BPF=1, NFS tests on a loopback NFS mount. Writes OUT/strategies.txt
# and OUT/<suite>.log; exits non-zero when anything failed.
#
#   guest-suite.sh OUT [SUITE...]      (SUITE: probes, agent; default both)
set -uo pipefail
out=$1
shift
suites=("$@")
((${#suites[@]})) || suites=(probes agent)
mkdir -p "$out"
# XMONITOR_TIME_SCALE: wall-clock bounds of the tests stretch by this factor on the emulated CPUs.
export XMONITOR_REQUIRE_BPF=1 XMONITOR_REQUIRE_NFS=1 XMONITOR_TIME_SCALE=3 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
bin=bin/Release/net10.0
status=0

if mounts=$(bash tests/kernel-matrix/lib/guest-nfs.sh); then
  export XMONITOR_NFS_MOUNTS=$mounts
  echo "guest: NFS mounted ($mounts)"
else
  echo "guest: the loopback NFS server did not start" >&2
  status=1
fi

echo "== strategies"
dotnet "samples/XMonitor.Features/$bin/xmon-features.dll" --probes 2>&1 | tee "$out/strategies.txt"
((PIPESTATUS[0] == 0)) || status=1

for suite in "${suites[@]}"; do
  case "$suite" in
    # Latency magnitudes mean nothing on an emulated CPU (a 1 ms sleep wakes 250 ms late there);
    # the counts of every latency are checked by the other tests.
    probes) project=XMonitor.Bpf.Probes.Tests; filter=(-method- XMonitor.Bpf.Probes.Tests.RunQueueLatencyTests.LatenciesGrowWhenTheCpusAreOversubscribed) ;;
    # The agent end to end where it meets the kernel: every probe's families from the shipped
    # configuration, events, a clean SIGTERM, and the deployment files' capability sets. Each test
    # starts a whole agent (about a minute on an emulated CPU); configuration, reload and HTTP
    # behaviour do not depend on the kernel and stay with the host's suite, as does the Native AOT
    # publish.
    agent)
      project=XMonitor.Agent.Tests
      filter=()
      for method in The_shipped_default_serves_every_probes_metrics_within_two_intervals \
                    Events_streams_an_off_cpu_event_of_a_process_that_slept_past_the_threshold \
                    Sigterm_stops_within_seconds_and_leaves_none_of_its_programs_loaded \
                    Every_probe_runs_with_the_capabilities_the_deployment_files_grant_and_without_CAP_SYS_ADMIN; do
        filter+=(-method "XMonitor.Agent.Tests.AgentProcessTests.$method")
      done
      ;;
    *) echo "guest-suite.sh: unknown suite $suite" >&2; exit 2 ;;
  esac
  echo "== $suite tests"
  # The verbose reporter names each test as it starts, so the log (written to the host through 9p
  # as it goes) shows which test was running if the guest's kernel stops.
  (cd "tests/$project/$bin" && "./$project" -noColor -parallel none -reporter verbose "${filter[@]}") > "$out/$suite.log" 2>&1
  code=$?
  grep -a -E '\[FAIL\]|Total:' "$out/$suite.log"
  ((code == 0)) || status=1
done
exit "$status"
