// Maps of the kinds the SDK reads: a hash of struct to struct, per-CPU array and hash, and a
// program that bumps the per-CPU counters on whatever CPU it runs.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct xm_flow_key {
	__u32 pid;
	__u16 port;
	__u8 proto;
	__u8 pad;
};

struct xm_flow_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10000);
	__type(key, struct xm_flow_key);
	__type(value, struct xm_flow_stats);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} cpu_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} cpu_small SEC(".maps");

struct xm_prefix {
	__u32 prefixlen;
	__u32 addr;
};

/* Longest-prefix-match tries have no batch operations: reads take the key-by-key path. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xm_prefix);
	__type(value, __u32);
} prefixes SEC(".maps");

SEC("syscall")
int bump(void *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&cpu_counters, &key);

	if (v)
		*v += 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
