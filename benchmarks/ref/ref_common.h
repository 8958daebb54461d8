/* Helpers shared by the C reference benchmarks: load bench.bpf.o (the object the .NET build
 * compiled), time with the thread's CPU clock as the .NET side does, report medians in the line format benchmarks/run.sh parses
 * (the .NET side's Samples class prints the same). */
#ifndef REF_COMMON_H
#define REF_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../XMonitor.Bpf.Benchmarks/bpf/bench.h"

static inline void die(const char *what, int err)
{
	fprintf(stderr, "%s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static inline double clock_seconds(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What is timed: on a shared, busy machine wall-clock time also counts the periods the thread
 * waited for a CPU, which swamps differences of a few percent. */
static inline double cpu_seconds(void)
{
	return clock_seconds(CLOCK_THREAD_CPUTIME_ID);
}

static inline double wall_seconds(void)
{
	return clock_seconds(CLOCK_MONOTONIC);
}

static inline struct bpf_object *load_bench(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	int err = libbpf_get_error(obj);

	if (err)
		die(path, err);
	err = bpf_object__load(obj);
	if (err)
		die("load bench.bpf.o", err);
	return obj;
}

static inline int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, name);

	if (!map)
		die(name, ENOENT);
	return bpf_map__fd(map);
}

static inline int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts the samples in place and returns their median. */
static inline double median(double *samples, int n)
{
	qsort(samples, n, sizeof(*samples), compare_doubles);
	return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

static inline void print_result(const char *kind, const char *bench_case, const char *impl, double value)
{
	printf("%s %s %s %.4f\n", kind, bench_case, impl, value);
}

#endif
