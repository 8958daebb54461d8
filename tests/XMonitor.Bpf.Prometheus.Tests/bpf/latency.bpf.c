// A kernel-side stand-in for a latency probe: each getpid() of one thread records the value user
// space put into `input` into a log2 histogram, so a test knows every bucket the exporter must show.
// Input 0 records nothing: the runtime itself may call getpid() on the thread after the test's calls.
// A second program is loaded but never attached, for the health series.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xmonitor/xm_hist.bpf.h"

const volatile __u32 target_tid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} input SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xm_hist);
} hist SEC(".maps");

SEC("tp/syscalls/sys_enter_getpid")
int record_latency(void *ctx)
{
	__u32 zero = 0;
	__u64 *value;
	struct xm_hist *h;

	if ((__u32)bpf_get_current_pid_tgid() != target_tid)
		return 0;
	value = bpf_map_lookup_elem(&input, &zero);
	h = bpf_map_lookup_elem(&hist, &zero);
	if (value && *value && h)
		xm_hist_add(h, *value);
	return 0;
}

SEC("tp/syscalls/sys_enter_getppid")
int never_attached(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
