// Benchmark fixtures: deterministic ring buffer producers (run with BPF_PROG_TEST_RUN, untimed) and
// the maps the .NET benchmarks and the C reference in benchmarks/ref read.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xmonitor/xm_export.bpf.h"
#include "bench.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, BENCH_RING_SIZE);
} ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BENCH_HASH_ENTRIES);
	__type(key, __u32);
	__type(value, struct bench_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

XM_EXPORT_TYPE(struct, bench_produce_args);
XM_EXPORT_TYPE(struct, bench_record_16);
XM_EXPORT_TYPE(struct, bench_record_64);

/* Records are submitted without a wakeup: nobody sleeps in epoll during a benchmark, and skipping
 * the notification keeps the untimed fill short. */
static long write_16(__u64 index, void *unused)
{
	struct bench_record_16 *r = bpf_ringbuf_reserve(&ring, sizeof(*r), 0);

	if (!r)
		return 1; /* ring full: stop the loop */
	r->seq = index;
	r->value = index * 3;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

static long write_64(__u64 index, void *unused)
{
	struct bench_record_64 *r = bpf_ringbuf_reserve(&ring, sizeof(*r), 0);

	if (!r)
		return 1;
	r->seq = index;
	r->value = index * 3;
	for (int i = 0; i < 6; i++)
		r->payload[i] = index + i;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

/* ctx->count is passed straight from its own 32-bit load: the verifier's inlined bpf_loop compares
 * all 64 bits of the register it gets, so nothing may share that register. */
SEC("syscall")
int produce_16(struct bench_produce_args *ctx)
{
	bpf_loop(ctx->count, write_16, NULL, 0);
	return 0;
}

SEC("syscall")
int produce_64(struct bench_produce_args *ctx)
{
	bpf_loop(ctx->count, write_64, NULL, 0);
	return 0;
}

/* Bumps this CPU's counter in slot BENCH_PERCPU_KEY, the one the per-CPU benchmarks read. */
SEC("syscall")
int bump(void *ctx)
{
	__u32 key = BENCH_PERCPU_KEY;
	__u64 *v = bpf_map_lookup_elem(&counters, &key);

	if (v)
		*v += 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
