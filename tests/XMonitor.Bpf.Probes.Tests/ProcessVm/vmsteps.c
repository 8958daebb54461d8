// SPDX-License-Identifier: MIT
/*
 * Changes its own address space one step per command line on stdin, so that a test can sample
 * between steps. Prints "ready PID" first and "ok ADDR LEN" (hex) after each step. It never calls
 * malloc (no stdio after the start): the brk heap moves only when a command says so.
 *
 *   a  mmap 100 MiB MAP_PRIVATE|MAP_ANONYMOUS      A  munmap its second half
 *   s  mmap 32 MiB MAP_SHARED|MAP_ANONYMOUS        S  munmap its first half
 *   b  grow brk by 16 MiB                          B  shrink brk by 8 MiB
 *   q  exit
 *
 * With VMSTEPS_SETPGID set in the environment it leads a process group of its own.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MIB (1UL << 20)

static void reply(const char *what, unsigned long addr, unsigned long len)
{
	char line[96];
	int n = snprintf(line, sizeof(line), "%s %lx %lx\n", what, addr, len);

	if (write(1, line, n) != n)
		_exit(3);
}

static void fail(const char *what)
{
	reply(what, 0, 0);
	_exit(2);
}

int main(void)
{
	char *anon = NULL, *shared = NULL, c;
	void *brk0;

	if (getenv("VMSTEPS_SETPGID") && setpgid(0, 0))
		fail("setpgid-failed");
	reply("ready", (unsigned long)getpid(), 0);
	while (read(0, &c, 1) == 1) {
		switch (c) {
		case 'a':
			anon = mmap(NULL, 100 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (anon == MAP_FAILED)
				fail("mmap-anon-failed");
			reply("ok", (unsigned long)anon, 100 * MIB);
			break;
		case 's':
			shared = mmap(NULL, 32 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
			if (shared == MAP_FAILED)
				fail("mmap-shared-failed");
			reply("ok", (unsigned long)shared, 32 * MIB);
			break;
		case 'b':
			brk0 = sbrk(16 * MIB);
			if (brk0 == (void *)-1)
				fail("brk-failed");
			reply("ok", (unsigned long)brk0, 16 * MIB);
			break;
		case 'A':
			if (munmap(anon + 50 * MIB, 50 * MIB))
				fail("munmap-anon-failed");
			reply("ok", (unsigned long)(anon + 50 * MIB), 50 * MIB);
			break;
		case 'S':
			if (munmap(shared, 16 * MIB))
				fail("munmap-shared-failed");
			reply("ok", (unsigned long)shared, 16 * MIB);
			break;
		case 'B':
			if (sbrk(-(long)(8 * MIB)) == (void *)-1)
				fail("brk-failed");
			reply("ok", (unsigned long)sbrk(0), 8 * MIB);
			break;
		case 'q':
			return 0;
		default:
			break;
		}
	}
	return 0;
}
