using System.Text.RegularExpressions;
using XMonitor.Bpf;

namespace XMonitor.Trace.Tests;

/// <summary>-K: kprobes on kernel functions instead of syscall tracepoints, where the kernel has them.</summary>
[Collection(TraceCollection.Name)]
public sealed partial class KernelFunctionTests
{
    [Fact]
    public void KernelFunction_TracedWithKprobes_OrOneLineNamingTheMissingFeature()
    {
        BpfEnvironment.Require();
        var (known, missing) = (TestProgram.NewKnownPath(), TestProgram.NewMissingPath());
        var before = BpfDescriptors();

        var run = TraceRun.Start(["-C", "-K", "vfs_write", TestProgram.Executable, known, missing], TestContext.Current.CancellationToken);

        if (KernelFeatures.IsSupported(KernelFeature.Kprobe))
        {
            // The test program's one write(fd, "hello xmon\n", 11): file, buffer, count, position.
            Assert.Equal(0, run.ExitCode);
            Assert.Contains(run.Lines, l => VfsWriteLine().IsMatch(l));
            Assert.Contains(run.Lines, l => l.EndsWith(" vfs_write", StringComparison.Ordinal));
            Assert.Contains("errors function", run.Output, StringComparison.Ordinal);
        }
        else
        {
            // This project's kernel (no CONFIG_KPROBES): one line, no stack trace, no command started.
            Assert.Equal(1, run.ExitCode);
            Assert.Equal("", run.Output);
            var line = Assert.Single(run.Diagnostics.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("xmon-trace: ", line, StringComparison.Ordinal);
            Assert.Contains("not supported by this kernel: kprobe", line, StringComparison.Ordinal);
            Assert.Contains("CONFIG_KPROBES", line, StringComparison.Ordinal);
            Assert.False(File.Exists(known), "the command ran although tracing failed");
        }
        Assert.Equal(before, BpfDescriptors());
    }

    [Fact]
    public void UnknownKernelFunction_IsRefusedByName()
    {
        BpfEnvironment.Require();
        var before = BpfDescriptors();

        var run = TraceRun.Start(["-K", "vfs_write,xmon_no_such_function", "/bin/true"], TestContext.Current.CancellationToken);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.Equal("xmon-trace: no kernel function 'xmon_no_such_function' (not in /proc/kallsyms)", run.Diagnostics.TrimEnd('\n'));
        Assert.Equal(before, BpfDescriptors());
    }

    [Fact]
    public void Options_KernelFunctionsExcludeSyscalls()
    {
        var options = TraceOptions.Parse(["-K", "vfs_read, vfs_write", "-p", "1"], out _);
        Assert.Equal(["vfs_read", "vfs_write"], options?.KernelFunctions);
        Assert.Null(TraceOptions.Parse(["-K", "vfs_read", "-e", "read", "-p", "1"], out var error));
        Assert.Equal("give -e (syscalls) or -K (kernel functions), not both", error);
        Assert.Null(TraceOptions.Parse(["-K", ",", "-p", "1"], out error));
        Assert.Equal("-K needs kernel function names", error);
    }

    [Fact]
    public void SyscallMode_StillWorksBesideTheKprobePrograms()
    {
        BpfEnvironment.Require();
        var (known, missing) = (TestProgram.NewKnownPath(), TestProgram.NewMissingPath());

        var run = TraceRun.Start(["-e", "write", TestProgram.Executable, known, missing], TestContext.Current.CancellationToken);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["write(3, \"hello xmon\\n\", 11) = 11"], run.Lines.Select(l => l[..l.LastIndexOf(" <", StringComparison.Ordinal)]));
        Assert.Equal("", run.Diagnostics);
    }

    [Fact]
    public void KprobePrograms_PassTheVerifier()
    {
        // kprobe programs load wherever the program type exists (uprobes use it too), even without
        // CONFIG_KPROBES: the -K side is checked by the verifier here although it cannot attach.
        BpfEnvironment.Require();
        if (!KernelFeatures.IsProgramTypeSupported(BpfProgramType.Kprobe))
            Assert.Skip("the kernel cannot load kprobe programs");
        using var open = TraceSkeleton.Open();
        open.OnSysEnterProgram.Autoload = false;
        open.OnSysExitProgram.Autoload = false;
        open.KernelStacks = true;
        open.UserStacks = true;
        using var skeleton = open.Load();

        Assert.True(skeleton.OnKfuncEntryProgram.IsLoaded);
        Assert.True(skeleton.OnKfuncReturnProgram.IsLoaded);
        Assert.False(skeleton.OnSysEnterProgram.IsLoaded);
    }

    [Fact]
    public void KernelFunctionRecord_DecodedLikeStrace()
    {
        var e = new TraceSkeleton.SyscallEvent { Ret = 4096, DurationNs = 10_000, KernelStack = -1, UserStack = -1 };
        ulong[] args = [0xffff_8880_0123_4500, 0x7ffd_1234_5678, 4096, 0xffff_c900_0001_fe00, 0];
        for (var i = 0; i < args.Length; i++)
            e.Args[i] = args[i];
        var decoder = new CallDecoder(32, null);

        var call = decoder.DecodeFunction(in e, "vfs_read");
        Assert.Equal(["0xffff888001234500", "0x7ffd12345678", "4096", "0xffffc9000001fe00", "0"], call.Args);
        Assert.Equal("4096", call.ReturnText);
        Assert.False(call.Failed);

        e.Ret = -14;
        call = decoder.DecodeFunction(in e, "vfs_read");
        Assert.Equal("-14 EFAULT", call.ReturnText);
        Assert.Equal("EFAULT", call.Errno);

        var json = new StringWriter();
        new TraceWriter(json, json: true, alwaysShowPid: false).Write(call);
        using var line = System.Text.Json.JsonDocument.Parse(json.ToString());
        Assert.Equal("vfs_read", line.RootElement.GetProperty("function").GetString());
        Assert.False(line.RootElement.TryGetProperty("syscall", out _));
        Assert.Equal(-14, line.RootElement.GetProperty("ret").GetInt64());
    }

    /// <summary>This process's BPF programs, links and maps: what a failed run must not leave behind.</summary>
    private static string[] BpfDescriptors()
        => [.. new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos()
            .Select(f => f.LinkTarget)
            .OfType<string>()
            .Where(t => t.StartsWith("anon_inode:bpf", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"^vfs_write\(0x[0-9a-f]+, 0x[0-9a-f]+, 11, 0x[0-9a-f]+, -?\w+\) = 11 <\d+\.\d{6}>$")]
    private static partial Regex VfsWriteLine();
}
