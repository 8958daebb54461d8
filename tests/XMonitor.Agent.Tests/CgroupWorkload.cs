using System.Diagnostics;

namespace XMonitor.Agent.Tests;

/// <summary>
/// A bash process in a cgroup v2 directory of its own, waiting on stdin; <see cref="WarmAsync"/>
/// wakes it once, <see cref="RunAsync"/>
/// makes it drop a file from the page cache (checked with fincore, and retried: a CI run once saw a
/// "cold" read that mostly hit, right after a Native AOT publish had filled the cache), read it four
/// times (one cold read, three warm), and
/// spin <see cref="Spinners"/> subshells for 3 s (run-queue waits on any machine with fewer cores).
/// Everything it does runs in the cgroup, so probes filtered on it see only this work.
/// </summary>
internal sealed class CgroupWorkload : IDisposable
{
    public const int Spinners = 6;

    private readonly Process _shell;

    private CgroupWorkload(string cgroup, Process shell)
    {
        Cgroup = cgroup;
        _shell = shell;
    }

    /// <summary>The cgroup directory.</summary>
    public string Cgroup { get; }

    public static CgroupWorkload Start(string file)
    {
        var root = new[] { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" }.FirstOrDefault(d => File.Exists(Path.Combine(d, "cgroup.controllers")));
        if (root is null)
            BpfEnvironment.Fail("no cgroup v2 hierarchy is mounted");
        var cgroup = Directory.CreateDirectory(Path.Combine(root!, $"xmon-agent-test-{Environment.ProcessId}-{Guid.NewGuid():N}")).FullName;
        // bash's SECONDS: no date(1) process per loop turn, whose exec would read the page cache.
        var script = $"""
            read warm
            read go
            for try in 1 2 3 4 5; do
              dd if='{file}' iflag=nocache count=0 status=none
              (( $(fincore --bytes --noheadings --output RES '{file}') * 20 < $(stat -c %s '{file}') )) && break
              sleep 0.2
            done
            for i in 1 2 3 4; do cat '{file}' > /dev/null; done
            for i in $(seq {Spinners}); do ( end=$((SECONDS + 3)); while (( SECONDS < end )); do :; done ) & done
            wait
            """;
        var start = new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardInput = true };
        var shell = Process.Start(start)!;
        File.WriteAllText(Path.Combine(cgroup, "cgroup.procs"), shell.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new CgroupWorkload(cgroup, shell);
    }

    /// <summary>Wakes the shell once without starting the work: one run-queue wait, so that the probes' series exist before the work.</summary>
    public async Task WarmAsync(CancellationToken cancellationToken)
    {
        await _shell.StandardInput.WriteLineAsync("warm".AsMemory(), cancellationToken);
        await _shell.StandardInput.FlushAsync(cancellationToken);
    }

    /// <summary>Lets the work run and waits for its end.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await _shell.StandardInput.WriteLineAsync("go".AsMemory(), cancellationToken);
        await _shell.StandardInput.FlushAsync(cancellationToken);
        await _shell.WaitForExitAsync(cancellationToken);
        Assert.Equal(0, _shell.ExitCode);
    }

    public void Dispose()
    {
        if (!_shell.HasExited)
            _shell.Kill(entireProcessTree: true);
        _shell.WaitForExit();
        _shell.Dispose();
        // The cgroup is empty once its processes are gone.
        for (var attempt = 0; attempt < 50 && Directory.Exists(Cgroup); attempt++)
        {
            try
            {
                Directory.Delete(Cgroup);
            }
            catch (IOException)
            {
                Thread.Sleep(100);
            }
        }
    }
}
