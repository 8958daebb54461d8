/* The C half of `benchmarks/run.sh ringbuf`: libbpf's ring_buffer__consume on the same object,
 * producer, ring size and record sizes as the .NET reader. Each round fills the ring untimed with
 * one BPF_PROG_TEST_RUN and times the consumption only; prints the median records per second of
 * the thread's CPU time.
 *
 * usage: ringbuf_ref BENCH_BPF_O REPEATS */
#include "ref_common.h"

/* Warm up as long as the .NET side does (its JIT needs it; here it warms caches and frequency). */
#define WARMUP_SECONDS 2.0

/* Reads each record's first 8 bytes, as the .NET handlers do. */
static int on_record(void *ctx, void *data, size_t size __attribute__((unused)))
{
	*(__u64 *)ctx += *(const __u64 *)data;
	return 0;
}

static void fill(int prog_fd, int expected)
{
	struct bench_produce_args args = { .count = expected + 1 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
	int err = bpf_prog_test_run_opts(prog_fd, &opts);

	if (err)
		die("test run of the producer", err);
}

static void measure(struct bpf_object *obj, struct ring_buffer *rb, const char *bench_case,
		    const char *producer, int record_bytes, int repeats)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, producer);
	int expected = BENCH_RING_SIZE / record_bytes;
	double *rates = calloc(repeats, sizeof(*rates));
	double start;
	int prog_fd, i, n;

	if (!prog || !rates)
		die(producer, ENOENT);
	prog_fd = bpf_program__fd(prog);

	start = wall_seconds();
	while (wall_seconds() - start < WARMUP_SECONDS) {
		fill(prog_fd, expected);
		ring_buffer__consume(rb);
	}
	for (i = 0; i < repeats; i++) {
		double t0, t1;

		fill(prog_fd, expected);
		t0 = cpu_seconds();
		n = ring_buffer__consume(rb);
		t1 = cpu_seconds();
		if (n != expected) {
			fprintf(stderr, "%s: consumed %d records, expected %d\n", bench_case, n, expected);
			exit(1);
		}
		rates[i] = n / (t1 - t0);
	}
	print_result("result", bench_case, "c", median(rates, repeats));
	free(rates);
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct ring_buffer *rb;
	__u64 sum = 0;
	int repeats;

	if (argc != 3) {
		fprintf(stderr, "usage: %s BENCH_BPF_O REPEATS\n", argv[0]);
		return 2;
	}
	repeats = atoi(argv[2]);
	obj = load_bench(argv[1]);
	rb = ring_buffer__new(map_fd(obj, "ring"), on_record, &sum, NULL);
	if (!rb)
		die("ring_buffer__new", errno);

	measure(obj, rb, "ringbuf_16", "produce_16", 16 + 8, repeats);
	measure(obj, rb, "ringbuf_64", "produce_64", 64 + 8, repeats);
	/* Keeps the callback's reads observable, as the .NET side's checksum line does. */
	print_result("checksum", "ringbuf", "c", (double)sum);

	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}
