#ifndef RINGBUF_H
#define RINGBUF_H

/* Context of one BPF_PROG_TEST_RUN of `produce`. */
struct produce_args {
	__u32 count;
	__u32 multiplier;
	__u64 first;
	__u32 discard_every; /* discard record i when i % discard_every == 0; 0 keeps all */
	__u32 pad;
};

/* One record: 32 bytes, 40 with the ring buffer's header. */
struct sample_record {
	__u64 seq;
	__u64 value;
	char tag[16];
};

#endif
