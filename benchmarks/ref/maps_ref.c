/* The C half of `benchmarks/run.sh maps`: libbpf on the same 10,000-entry hash map and per-CPU
 * array as the .NET benchmarks, timed the same way (median over REPEATS rounds):
 * a full read with bpf_map_lookup_batch, a full read with bpf_map_get_next_key + bpf_map_lookup_elem
 * (ns per full read), and single lookups, updates and per-CPU reads (ns per call over blocks).
 *
 * usage: maps_ref BENCH_BPF_O REPEATS */
#include <unistd.h>
#include "ref_common.h"

#define BLOCK 10000

static int stats_fd, counters_fd, ncpus;
static __u32 keys[BENCH_HASH_ENTRIES];
static struct bench_stats values[BENCH_HASH_ENTRIES];
static __u64 *per_cpu;

static void expect(const char *what, int read)
{
	if (read != BENCH_HASH_ENTRIES) {
		fprintf(stderr, "%s: read %d entries, expected %d\n", what, read, BENCH_HASH_ENTRIES);
		exit(1);
	}
}

/* The same loop as the SDK's ReadAll: ask for all that fits, continue from the returned token until ENOENT. */
static void read_batch(void)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 token, total = 0;
	int first = 1;

	while (total < BENCH_HASH_ENTRIES) {
		__u32 count = BENCH_HASH_ENTRIES - total;
		int err = bpf_map_lookup_batch(stats_fd, first ? NULL : &token, &token, keys + total,
					       values + total, &count, &opts);

		total += count;
		if (err && errno == ENOENT)
			break;
		if (err)
			die("bpf_map_lookup_batch", errno);
		first = 0;
	}
	expect("batch", total);
}

static void read_key_by_key(void)
{
	__u32 key, *prev = NULL;
	int n = 0;

	while (bpf_map_get_next_key(stats_fd, prev, &key) == 0) {
		if (bpf_map_lookup_elem(stats_fd, &key, &values[n]) == 0)
			n++;
		prev = &key;
	}
	expect("key by key", n);
}

static __u32 middle_key(void)
{
	return (BENCH_HASH_ENTRIES / 2) * 7919 + 1000;
}

static void lookups(void)
{
	__u32 key = middle_key();

	for (int i = 0; i < BLOCK; i++)
		bpf_map_lookup_elem(stats_fd, &key, &values[0]);
}

static void updates(void)
{
	__u32 key = middle_key();
	struct bench_stats v = { .packets = 1, .bytes = 1500 };

	for (int i = 0; i < BLOCK; i++)
		if (bpf_map_update_elem(stats_fd, &key, &v, BPF_ANY))
			die("bpf_map_update_elem", errno);
}

static void per_cpu_reads(void)
{
	__u32 key = BENCH_PERCPU_KEY;

	for (int i = 0; i < BLOCK; i++)
		bpf_map_lookup_elem(counters_fd, &key, per_cpu);
}

/* A few untimed runs, then REPEATS timed ones; prints the median ns of thread CPU time per operation. */
static void time_case(const char *bench_case, int repeats, int operations, void (*body)(void))
{
	double *samples = calloc(repeats, sizeof(*samples));

	if (!samples)
		die("calloc", ENOMEM);
	for (int i = 0; i < 3; i++)
		body();
	for (int i = 0; i < repeats; i++) {
		double t0 = cpu_seconds();

		body();
		samples[i] = (cpu_seconds() - t0) * 1e9 / operations;
	}
	print_result("result", bench_case, "c", median(samples, repeats));
	free(samples);
}

/* The fixture the .NET side's BenchFixture sets up: every hash entry, and this CPU's per-CPU counter bumped. */
static void fill(struct bpf_object *obj)
{
	LIBBPF_OPTS(bpf_test_run_opts, run);
	struct bpf_program *bump = bpf_object__find_program_by_name(obj, "bump");
	__u32 count = BENCH_HASH_ENTRIES;

	for (int i = 0; i < BENCH_HASH_ENTRIES; i++) {
		keys[i] = i * 7919 + 1000;
		values[i].packets = i;
		values[i].bytes = (__u64)i * 1500;
	}
	if (bpf_map_update_batch(stats_fd, keys, values, &count, NULL))
		die("bpf_map_update_batch", errno);
	if (!bump || bpf_prog_test_run_opts(bpf_program__fd(bump), &run))
		die("test run of bump", errno);
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	int repeats, slow_repeats;

	if (argc != 3) {
		fprintf(stderr, "usage: %s BENCH_BPF_O REPEATS\n", argv[0]);
		return 2;
	}
	repeats = atoi(argv[2]);
	/* Key by key is ~20,000 syscalls a read: fewer repeats, as on the .NET side. */
	slow_repeats = repeats / 10 > 5 ? repeats / 10 : 5;
	obj = load_bench(argv[1]);
	stats_fd = map_fd(obj, "stats");
	counters_fd = map_fd(obj, "counters");
	ncpus = libbpf_num_possible_cpus();
	per_cpu = calloc(ncpus, sizeof(*per_cpu));
	if (ncpus < 0 || !per_cpu)
		die("possible CPUs", ncpus < 0 ? ncpus : ENOMEM);
	fill(obj);

	time_case("map_batch", repeats, 1, read_batch);
	time_case("map_key_by_key", slow_repeats, 1, read_key_by_key);
	time_case("map_lookup", repeats, BLOCK, lookups);
	time_case("map_update", repeats, BLOCK, updates);
	time_case("percpu_read", repeats, BLOCK, per_cpu_reads);

	free(per_cpu);
	bpf_object__close(obj);
	return 0;
}
