// SPDX-License-Identifier: MIT
/*
 * Workloads with a known scheduling behaviour for the CPU scheduling probe's tests. Each mode
 * prints "ready <pid>" and waits for a line on stdin before it starts, so a test can load a probe
 * filtered on the pid first; then it prints what the test checks against.
 *
 *   sleeper THREADS PERIOD_MS DURATION_MS  threads sleep PERIOD_MS in a loop; prints "iterations N"
 *                                          (each finished sleep is exactly one wakeup)
 *   spin THREADS DURATION_MS               threads that never sleep
 *   dstate HOLD_MS FILE                    one thread sits in uninterruptible sleep (not killable)
 *                                          for HOLD_MS; prints "blocked TID" before it
 *   vfork HOLD_MS                          a vfork parent waits (killable) while its child sleeps
 *   threads COUNT                          creates COUNT threads one after the other, each
 *                                          returning at once, and joins each before the next
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long period_ms, duration_ms;
static struct timespec deadline;
static long iterations;

static void die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int past_deadline(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline.tv_sec || (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}

static void set_deadline(void)
{
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += duration_ms / 1000;
	deadline.tv_nsec += (duration_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
}

static void *sleeper(void *arg)
{
	long n = 0;

	(void)arg;
	while (!past_deadline()) {
		sleep_ms(period_ms);
		n++;
	}
	__atomic_add_fetch(&iterations, n, __ATOMIC_RELAXED);
	return NULL;
}

static void *spinner(void *arg)
{
	volatile unsigned long x = 0;

	(void)arg;
	while (!past_deadline())
		for (int i = 0; i < 100000; i++)
			x++;
	return NULL;
}

static void *nothing(void *arg)
{
	return arg;
}

static void run_short_threads(int count)
{
	pthread_t tid;

	for (int i = 0; i < count; i++) {
		if (pthread_create(&tid, NULL, nothing, NULL))
			die("pthread_create");
		pthread_join(tid, NULL);
	}
}

static void run_threads(int threads, void *(*fn)(void *))
{
	pthread_t tids[256];

	if (threads < 1 || threads > 256)
		die("thread count out of range");
	set_deadline();
	for (int i = 0; i < threads; i++)
		if (pthread_create(&tids[i], NULL, fn, NULL))
			die("pthread_create");
	for (int i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
}

/*
 * D state on demand: thread A writes to a file from a page registered with userfaultfd, so it
 * blocks in the page fault while holding the file's inode lock; thread B then writes to the same
 * file and sleeps in down_write() on that lock: TASK_UNINTERRUPTIBLE, not killable, until the fault
 * is resolved HOLD_MS later.
 */
static int dstate_fd;
static char *dstate_page;
static long page_size;

static void *dstate_holder(void *arg)
{
	(void)arg;
	if (write(dstate_fd, dstate_page, page_size) < 0)
		die("write from the userfaultfd page");
	return NULL;
}

static void *dstate_waiter(void *arg)
{
	(void)arg;
	printf("blocked %ld\n", (long)syscall(SYS_gettid));
	fflush(stdout);
	if (pwrite(dstate_fd, "x", 1, 0) < 0)
		die("write behind the inode lock");
	return NULL;
}

static void run_dstate(long hold_ms, const char *path)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	struct uffdio_zeropage zero = { 0 };
	struct uffd_msg msg;
	pthread_t holder, waiter;
	int uffd;

	page_size = sysconf(_SC_PAGESIZE);
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		die("userfaultfd");
	dstate_page = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dstate_page == MAP_FAILED)
		die("mmap");
	reg.range.start = (unsigned long)dstate_page;
	reg.range.len = page_size;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		die("UFFDIO_REGISTER");
	dstate_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (dstate_fd < 0)
		die("open");

	if (pthread_create(&holder, NULL, dstate_holder, NULL))
		die("pthread_create");
	/* The fault message arrives once the holder is blocked with the inode lock held. */
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) || msg.event != UFFD_EVENT_PAGEFAULT)
		die("read userfaultfd");
	if (pthread_create(&waiter, NULL, dstate_waiter, NULL))
		die("pthread_create");
	sleep_ms(hold_ms);
	zero.range.start = msg.arg.pagefault.address & ~(unsigned long long)(page_size - 1);
	zero.range.len = page_size;
	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zero))
		die("UFFDIO_ZEROPAGE");
	pthread_join(holder, NULL);
	pthread_join(waiter, NULL);
	unlink(path);
}

static void run_vfork(long hold_ms)
{
	pid_t child = vfork();

	if (child < 0)
		die("vfork");
	if (child == 0) {
		/* Only syscalls here: the child borrows the parent's memory until it exits. */
		struct timespec ts = { hold_ms / 1000, (hold_ms % 1000) * 1000000L };

		syscall(SYS_nanosleep, &ts, NULL);
		_exit(0);
	}
	waitpid(child, NULL, 0);
}

int main(int argc, char **argv)
{
	char line[64];

	if (argc < 3) {
		fprintf(stderr, "usage: workload sleeper|spin|dstate|vfork|threads ARGS\n");
		return 2;
	}
	if (getenv("WORKLOAD_SETPGID") && setpgid(0, 0))
		die("setpgid");
	printf("ready %d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 0;

	if (!strcmp(argv[1], "sleeper") && argc == 5) {
		period_ms = atol(argv[3]);
		duration_ms = atol(argv[4]);
		run_threads(atoi(argv[2]), sleeper);
		printf("iterations %ld\n", iterations);
	} else if (!strcmp(argv[1], "spin") && argc == 4) {
		duration_ms = atol(argv[3]);
		run_threads(atoi(argv[2]), spinner);
	} else if (!strcmp(argv[1], "dstate") && argc == 4) {
		run_dstate(atol(argv[2]), argv[3]);
	} else if (!strcmp(argv[1], "vfork") && argc == 3) {
		run_vfork(atol(argv[2]));
	} else if (!strcmp(argv[1], "threads") && argc == 3) {
		run_short_threads(atoi(argv[2]));
	} else {
		fprintf(stderr, "workload: bad arguments\n");
		return 2;
	}
	printf("done\n");
	return 0;
}
