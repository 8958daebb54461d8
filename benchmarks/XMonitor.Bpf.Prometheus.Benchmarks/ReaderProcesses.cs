using System.Diagnostics;

namespace XMonitor.Bpf.Prometheus.Benchmarks;

/// <summary>
/// Many small processes that each read a page of a file every 250 ms and sleep otherwise: every
/// probe interval each has page cache accesses (CacheStat), run-queue waits (CpuSched per process)
/// and its address space (ProcessVm), so the maps hold an entry per process as on a busy host,
/// at almost no CPU cost. Compiled with cc; killed (by pid) on dispose.
/// </summary>
internal sealed class ReaderProcesses : IDisposable
{
    private const string Source = """
        #include <fcntl.h>
        #include <unistd.h>

        int main(int argc, char **argv)
        {
        	char buf[4096];
        	int fd = open(argv[1], O_RDONLY);
        	if (fd < 0)
        		return 1;
        	for (;;) {
        		if (pread(fd, buf, sizeof(buf), 0) < 0)
        			return 1;
        		usleep(250 * 1000);
        	}
        }
        """;

    private readonly List<Process> _processes = [];
    private readonly string _directory;

    public ReaderProcesses(int count)
    {
        _directory = Directory.CreateTempSubdirectory("xm-bench-readers-").FullName;
        var source = Path.Combine(_directory, "reader.c");
        var binary = Path.Combine(_directory, "reader");
        File.WriteAllText(source, Source);
        using (var cc = Process.Start("cc", ["-O2", "-o", binary, source]))
        {
            cc.WaitForExit();
            if (cc.ExitCode != 0)
                throw new InvalidOperationException("cc failed to build the reader helper");
        }
        try
        {
            for (var i = 0; i < count; i++)
                _processes.Add(Process.Start(binary, [binary])!);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            if (!p.HasExited)
                p.Kill();
            p.WaitForExit();
            p.Dispose();
        }
        _processes.Clear();
        Directory.Delete(_directory, recursive: true);
    }
}
