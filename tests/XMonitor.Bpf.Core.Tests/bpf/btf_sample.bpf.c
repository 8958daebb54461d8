// Test fixture for the managed BTF and BPF ELF readers: it is never loaded into the kernel, only
// parsed. Every construct here exists to exercise one part of the readers (map definitions, each
// global section, bitfields, unions, enums and CO-RE relocations).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

enum sample_state {
	SAMPLE_IDLE = 0,
	SAMPLE_RUNNING = 1,
	SAMPLE_BLOCKED = 7,
};

struct sample_key {
	__u32 pid;
	__u32 cpu;
	__u64 cgroup_id;
};

struct sample_flags {
	__u32 runnable : 1;
	__u32 prio : 7;
	__u32 reserved : 24;
	__u8 tail;
};

struct sample_value {
	char comm[16];
	__u64 runtime_ns;
	union {
		__u64 as_u64;
		__u32 as_u32[2];
		struct {
			__u16 lo;
			__u16 hi;
		} parts;
	} data;
	struct sample_flags flags;
	enum sample_state state;
	struct {
		__s32 x;
		__s32 y;
	};
	struct sample_value *next;
	void (*callback)(int, void *);
};

struct sample_event {
	__u32 pid;
	__u32 prev_pid;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct sample_key);
	__type(value, struct sample_value);
} sample_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} sample_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u64));
	__uint(map_flags, BPF_F_NUMA_NODE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sample_counts SEC(".maps");

const volatile __u32 target_pid = 42;
const volatile __u64 min_runtime_ns = 1000000;
const volatile bool verbose = true;
const volatile __u8 filter_bytes[4] = { 1, 2, 3, 4 };
const volatile enum sample_state wanted_state = SAMPLE_BLOCKED;

__u64 total_events;
__u32 generation = 3;

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&sample_counts, &slot);
	if (v)
		__sync_fetch_and_add(v, 1);
}

// Kept out of line so the object has a .text subprogram.
static __noinline __u64 scale(__u64 v)
{
	return v * 3 + 1;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(handle_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct sample_event *e;
	__u32 pid = BPF_CORE_READ(next, pid);

	if (target_pid && pid != target_pid)
		return 0;
	e = bpf_ringbuf_reserve(&sample_events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	e->prev_pid = BPF_CORE_READ(prev, pid);
	BPF_CORE_READ_STR_INTO(&e->comm, next, comm);
	bpf_ringbuf_submit(e, 0);
	total_events++;
	count(0);
	return 0;
}

SEC("tp/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct sample_key key = { .pid = bpf_get_current_pid_tgid() >> 32, .cpu = bpf_get_smp_processor_id() };
	struct sample_value zero = {};

	zero.state = wanted_state;
	zero.flags.prio = verbose ? 1 : 0;
	zero.data.as_u32[1] = filter_bytes[2];
	zero.runtime_ns = scale(min_runtime_ns + generation);
	bpf_map_update_elem(&sample_hash, &key, &zero, BPF_NOEXIST);
	count(1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
