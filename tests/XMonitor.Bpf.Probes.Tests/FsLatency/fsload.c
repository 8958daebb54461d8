// The file-system load of FsLatencyTests: prints "ready PID", waits for a line on stdin, does what
// its mode says, prints "done" and exits.
// "fsload ops FILE": open(create) + 10 writes of 4 KiB + fsync, fsync, fdatasync + 2 fstat,
// open + 10 reads of 4 KiB, open, stat(FILE), unlink.
// "fsload stat FILE": stat(FILE) three times and nothing else.
// "fsload fifo FIFO": a child opens the FIFO for writing, sleeps 200 ms and writes a byte; the
// process reads it: one read that waits about 200 ms.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void check(int ok, const char *what)
{
	if (!ok) {
		perror(what);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	char buf[4096], line[16];
	struct stat st;
	int fd, i;

	memset(buf, 'x', sizeof(buf));
	if (argc != 3)
		return 2;
	if (!strcmp(argv[1], "fifo"))
		check(mkfifo(argv[2], 0600) == 0, "mkfifo");
	printf("ready %d\n", getpid());
	fflush(stdout);
	check(fgets(line, sizeof(line), stdin) != NULL, "stdin");

	if (!strcmp(argv[1], "ops")) {
		fd = open(argv[2], O_CREAT | O_TRUNC | O_RDWR, 0600);
		check(fd >= 0, "open");
		for (i = 0; i < 10; i++)
			check(write(fd, buf, sizeof(buf)) == sizeof(buf), "write");
		check(fsync(fd) == 0, "fsync");
		check(fsync(fd) == 0, "fsync");
		check(fdatasync(fd) == 0, "fdatasync");
		check(fstat(fd, &st) == 0, "fstat");
		check(fstat(fd, &st) == 0, "fstat");
		close(fd);
		fd = open(argv[2], O_RDONLY);
		check(fd >= 0, "open");
		for (i = 0; i < 10; i++)
			check(read(fd, buf, sizeof(buf)) == sizeof(buf), "read");
		close(fd);
		fd = open(argv[2], O_RDONLY);
		check(fd >= 0, "open");
		close(fd);
		check(stat(argv[2], &st) == 0, "stat");
		unlink(argv[2]);
	} else if (!strcmp(argv[1], "stat")) {
		for (i = 0; i < 3; i++)
			check(stat(argv[2], &st) == 0, "stat");
	} else {
		pid_t child = fork();
		if (child == 0) {
			fd = open(argv[2], O_WRONLY);
			usleep(200 * 1000);
			_exit(write(fd, "x", 1) == 1 ? 0 : 1);
		}
		fd = open(argv[2], O_RDONLY);
		check(fd >= 0, "open fifo");
		check(read(fd, buf, 1) == 1, "read fifo");
		close(fd);
		waitpid(child, NULL, 0);
		unlink(argv[2]);
	}
	printf("done\n");
	fflush(stdout);
	return 0;
}
