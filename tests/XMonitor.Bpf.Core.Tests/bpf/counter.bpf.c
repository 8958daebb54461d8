// Counts getpid() calls of one thread through three attach kinds at once, so a test can check
// each kind against the exact number of calls it made.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "counter.h"

const volatile __u32 target_tid = 0;
const volatile long getpid_nr = 39; /* __NR_getpid on x86-64 */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, COUNTER_KINDS);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void count(__u32 kind)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *slot;

	if (tid != target_tid)
		return;
	slot = bpf_map_lookup_elem(&counts, &kind);
	if (slot)
		__sync_fetch_and_add(slot, 1);
}

SEC("tp/syscalls/sys_enter_getpid")
int count_tracepoint(void *ctx)
{
	count(COUNTER_TRACEPOINT);
	return 0;
}

SEC("raw_tp/sys_enter")
int count_raw_tp(struct bpf_raw_tracepoint_args *ctx)
{
	if (ctx->args[1] == getpid_nr)
		count(COUNTER_RAW_TP);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(count_tp_btf, struct pt_regs *regs, long id)
{
	if (id == getpid_nr)
		count(COUNTER_TP_BTF);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
