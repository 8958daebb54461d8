#ifndef BENCH_H
#define BENCH_H

/* Shared by bench.bpf.c and the C reference consumers in benchmarks/ref, so both sides fill and
 * read exactly the same ring and maps. Include <linux/types.h> (user space) or vmlinux.h first. */

/* Bytes of the ring: a full ring holds RING_SIZE / (payload + 8-byte header) records. */
#define BENCH_RING_SIZE (1 << 22)

/* Entries of the hash map that batch and key-by-key reads walk. */
#define BENCH_HASH_ENTRIES 10000

/* The slot of the per-CPU array that per-CPU reads look up. */
#define BENCH_PERCPU_KEY 3

/* Context of one BPF_PROG_TEST_RUN of produce_16 / produce_64: records to write at most (the
 * producer stops early when the ring is full). */
struct bench_produce_args {
	__u32 count;
};

/* The small record: 16 bytes, 24 with the ring buffer's header. */
struct bench_record_16 {
	__u64 seq;
	__u64 value;
};

/* The larger record: 64 bytes, 72 with the header. */
struct bench_record_64 {
	__u64 seq;
	__u64 value;
	__u64 payload[6];
};

/* A value of the hash map: what a per-process statistics map typically holds. */
struct bench_stats {
	__u64 packets;
	__u64 bytes;
};

#endif
