using System.Diagnostics;
using System.Globalization;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>A process running vmsteps.c: it changes its address space one step per command (see the C file).</summary>
internal sealed class VmStepper : IDisposable
{
    public const string Command = "xmon-vmsteps";
    private readonly Process _process;

    /// <summary>Starts vmsteps, as the leader of a new process group when <paramref name="newProcessGroup"/> is set.</summary>
    public VmStepper(bool newProcessGroup = false)
    {
        var binary = NativeProgram.Build("vmsteps.c", Command);
        var start = new ProcessStartInfo(binary) { RedirectStandardInput = true, RedirectStandardOutput = true };
        if (newProcessGroup)
            start.Environment["VMSTEPS_SETPGID"] = "1";
        _process = Process.Start(start)!;
        var (word, pid, _) = Read();
        Assert.Equal("ready", word);
        Pid = (int)pid;
        Assert.Equal(_process.Id, Pid);
    }

    public int Pid { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Runs one step and returns the address and length it reports.</summary>
    public (ulong Address, ulong Length) Step(char command)
    {
        _process.StandardInput.Write(command);
        _process.StandardInput.Flush();
        var (word, address, length) = Read();
        Assert.True(word == "ok", $"step {command} failed: {word}");
        return (address, length);
    }

    public void Quit()
    {
        _process.StandardInput.Write('q');
        _process.StandardInput.Flush();
        Assert.True(_process.WaitForExit(TimeSpan.FromSeconds(10)), "vmsteps did not exit");
        Assert.Equal(0, _process.ExitCode);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.Dispose();
    }

    private (string Word, ulong A, ulong B) Read()
    {
        var line = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("vmsteps ended early");
        var parts = line.Split(' ');
        return (parts[0], ulong.Parse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture), ulong.Parse(parts[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }
}
