// A deterministic ring buffer producer: one BPF_PROG_TEST_RUN of `produce` writes `count`
// records numbered from `first`, so a reader can check order and contents exactly.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ringbuf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} records SEC(".maps");

__u64 dropped = 0;

static long write_one(__u64 index, struct produce_args *args)
{
	struct sample_record *r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);

	if (!r) {
		__sync_fetch_and_add(&dropped, 1);
		return 1; /* ring full: stop the loop */
	}
	r->seq = args->first + index;
	r->value = r->seq * args->multiplier;
	__builtin_memcpy(r->tag, "xmonitor-record", sizeof(r->tag));
	if (args->discard_every && index % args->discard_every == 0)
		bpf_ringbuf_discard(r, 0);
	else
		bpf_ringbuf_submit(r, 0);
	return 0;
}

SEC("syscall")
int produce(struct produce_args *ctx)
{
	/* bpf_loop's callback context must live on the stack, not in the program's context. */
	struct produce_args args = *ctx;

	/* Pass the count through its own 32-bit load: copied with the struct it would sit in a 64-bit
	 * register beside `multiplier`, and the verifier's inlined bpf_loop compares all 64 bits. */
	bpf_loop(ctx->count, write_one, &args, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
