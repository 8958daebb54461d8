// A perf event array fed by a tracepoint, and a uprobe counter: the two attach and streaming
// paths that kernels older than 5.8 (no ring buffer) and user-space tracing rely on.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

const volatile __u32 target_tid = 0;

struct perf_sample {
	__u32 tid;
	__u32 seq;
	__u64 magic;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} samples SEC(".maps");

__u32 seq = 0;
__u64 uprobe_hits = 0;

SEC("tp/syscalls/sys_enter_getpid")
int emit_sample(void *ctx)
{
	struct perf_sample s = {};

	s.tid = (__u32)bpf_get_current_pid_tgid();
	if (s.tid != target_tid)
		return 0;
	/* One traced thread: a plain increment is enough (and clang 14 for BPF v1 cannot use an atomic add's result). */
	s.seq = seq++;
	s.magic = 0xfeedf00dcafebeefULL;
	bpf_perf_event_output(ctx, &samples, BPF_F_CURRENT_CPU, &s, sizeof(s));
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(count_call)
{
	if ((__u32)bpf_get_current_pid_tgid() == target_tid)
		__sync_fetch_and_add(&uprobe_hits, 1);
	return 0;
}

__u64 clock_samples = 0;

SEC("perf_event")
int on_cpu_clock(void *ctx)
{
	__sync_fetch_and_add(&clock_samples, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
