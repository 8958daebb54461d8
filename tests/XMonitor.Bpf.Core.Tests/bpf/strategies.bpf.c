// One program per attach kind that this machine lacks (kprobe, fentry) next to one it has,
// for the tests of clear "not supported" errors and of choosing programs with autoload.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

__u64 hits = 0;

SEC("kprobe/vfs_read")
int BPF_KPROBE(on_vfs_read_kprobe)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("fentry/vfs_read")
int BPF_PROG(on_vfs_read_fentry)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("tp/syscalls/sys_enter_read")
int on_read_tracepoint(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
