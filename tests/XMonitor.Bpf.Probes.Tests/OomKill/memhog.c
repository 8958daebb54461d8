// SPDX-License-Identifier: MIT
/*
 * Allocates and touches MIB mebibytes of private anonymous memory, one page at a time, so that a
 * memory cgroup limit below that ends it with an OOM kill. Prints "survived" if it never does.
 *
 *   memhog MIB
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len;
	char *p;

	if (argc != 2) {
		fprintf(stderr, "usage: memhog MIB\n");
		return 2;
	}
	len = (size_t)atol(argv[1]) << 20;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	for (size_t off = 0; off < len; off += page)
		p[off] = 1;
	printf("survived\n");
	return 0;
}
