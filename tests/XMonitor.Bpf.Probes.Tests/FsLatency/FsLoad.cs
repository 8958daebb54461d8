using System.Diagnostics;

namespace XMonitor.Bpf.Probes.Tests.FsLatency;

/// <summary>
/// A process doing a known set of file operations (C, compiled once per test run): it prints
/// "ready PID", waits for "go" on stdin, does what its mode says, prints "done" and exits. Its own
/// start-up (the loader opening libc) is over before the probe, filtered by its pid, starts.
/// </summary>
internal sealed class FsLoad : IDisposable
{
    public const int Opens = 3;
    public const int Writes = 10;
    public const int Reads = 10;
    public const int BlockSize = 4096;
    public const int Fsyncs = 3;
    public const int Getattrs = 3;
    public const int FifoDelayMs = 200;

    // "fsload ops FILE": open(create) + 10 writes of 4 KiB + fsync, fsync, fdatasync + 2 fstat,
    // open + 10 reads of 4 KiB, open, stat(FILE), unlink.
    // "fsload stat FILE": stat(FILE) three times and nothing else.
    // "fsload fifo FIFO": a child opens the FIFO for writing, sleeps 200 ms and writes a byte; the
    // process reads it: one read that waits about 200 ms.
    private const string Source = """
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
        """;

    private static readonly Lazy<string?> Binary = new(Compile);
    private readonly Process _process;

    public FsLoad(string mode, string path)
    {
        if (Binary.Value is not { } binary)
        {
            BpfEnvironment.Fail("no C compiler (cc, gcc or clang) to build the file-system load helper");
            throw new InvalidOperationException("unreachable");
        }
        var start = new ProcessStartInfo(binary) { RedirectStandardInput = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(mode);
        start.ArgumentList.Add(path);
        _process = Process.Start(start)!;
        var ready = _process.StandardOutput.ReadLine() ?? "";
        Assert.StartsWith("ready ", ready);
        Pid = int.Parse(ready[6..]);
    }

    /// <summary>The binary's name, which is the process's comm.</summary>
    public const string Command = "fsload";

    public int Pid { get; }

    /// <summary>Lets the process do its operations and waits until it is done.</summary>
    public void Run()
    {
        _process.StandardInput.WriteLine("go");
        _process.StandardInput.Flush();
        Assert.Equal("done", _process.StandardOutput.ReadLine());
        Assert.True(_process.WaitForExit(10_000));
        Assert.Equal(0, _process.ExitCode);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.Dispose();
    }

    private static string? Compile()
    {
        var compiler = Tool.Find("cc", "gcc", "clang");
        if (compiler is null)
            return null;
        var dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"xmonitor-tests-{Environment.ProcessId}")).FullName;
        var source = Path.Combine(dir, "fsload.c");
        var output = Path.Combine(dir, Command);
        File.WriteAllText(source, Source);
        var (code, _, error) = Tool.Run(compiler, "-O2", "-Wall", "-o", output, source);
        Assert.True(code == 0, $"{compiler} failed to build the file-system load helper: {error}");
        return output;
    }
}
