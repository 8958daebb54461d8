// Exercises every part of a generated skeleton: .rodata of several types, .bss and .data
// globals, a hash map of struct to struct with a bitfield, a per-CPU array, and a ring buffer
// whose record has a char array and a union.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xmonitor/xm_export.bpf.h"
#include "skeleton_sample.h"

const volatile __u32 target_tid = 0;
const volatile __u32 cfg_u32 = 7;
const volatile __u64 cfg_u64 = 0;
const volatile bool cfg_enabled = false;
const volatile __u32 cfg_ports[4] = {};
const volatile enum sample_mode cfg_mode = SAMPLE_MODE_OFF;

__u64 bss_calls = 0;
__u32 data_marker = 0xabcd;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct sample_key);
	__type(value, struct sample_value);
} samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} percpu_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} events SEC(".maps");

XM_RINGBUF_RECORD(events, struct, sample_event);

SEC("tp/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sample_key key = {};
	struct sample_value *value, fresh = {};
	struct sample_event *e;
	__u32 zero = 0;
	__u64 *calls;

	if (tid != target_tid)
		return 0;
	__sync_fetch_and_add(&bss_calls, 1);
	calls = bpf_map_lookup_elem(&percpu_calls, &zero);
	if (calls)
		*calls += 1;

	key.tid = tid;
	key.mode = cfg_mode;
	value = bpf_map_lookup_elem(&samples, &key);
	if (!value) {
		bpf_map_update_elem(&samples, &key, &fresh, BPF_NOEXIST);
		value = bpf_map_lookup_elem(&samples, &key);
		if (!value)
			return 0;
	}
	value->count += 1;
	value->sum += cfg_u64;
	value->enabled = cfg_enabled;
	value->level = 5;
	value->spare = cfg_u32;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->tid = tid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->u.as_u64 = cfg_u64;
	e->port_sum = cfg_ports[0] + cfg_ports[1] + cfg_ports[2] + cfg_ports[3];
	e->kind = cfg_mode;
	e->seq = bss_calls;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
