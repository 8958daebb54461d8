// Compiles, but the verifier must reject it: the map value is used without a NULL check.
// (A hash map: for arrays with a constant in-range key newer verifiers know the value exists.)
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} values SEC(".maps");

SEC("raw_tp/sys_enter")
int unchecked_lookup(void *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&values, &key);

	return *v == 42;
}

char LICENSE[] SEC("license") = "GPL";
