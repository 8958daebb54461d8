namespace XMonitor.Bpf.Tests;

/// <summary>Bad input gets a typed error that says what and why, and leaks nothing.</summary>
[Collection(SerialCollection.Name)]
public sealed class ErrorTests
{
    [Fact]
    public void VerifierRejectionCarriesTheWholeLog()
    {
        BpfEnvironment.Require();
        var fds = BpfEnvironment.OpenFdCount();
        using var open = BpfEnvironment.Open("rejected");
        var ex = Assert.Throws<BpfVerifierException>(() => open.Load());

        Assert.Equal("unchecked_lookup", ex.Program);
        Assert.Equal(Errno.EACCES, ex.Errno);
        Assert.Contains(ex.Log, l => l.Contains("invalid mem access 'map_value_or_null'", StringComparison.Ordinal));
        Assert.True(ex.Log.Count > 3);
        Assert.Contains("verifier rejected program 'unchecked_lookup'", ex.Message);
        Assert.Contains("invalid mem access", ex.Message);
        Assert.Equal(fds, BpfEnvironment.OpenFdCount());
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' })]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 })]
    public void MalformedObjectsGiveAFormatError(byte[] image)
    {
        var ex = Assert.Throws<BpfObjectFormatException>(() => BpfObject.OpenMemory(image));
        Assert.Contains("open BPF object", ex.Message);
    }

    [Fact]
    public void ATruncatedObjectGivesAFormatError()
    {
        using var stream = typeof(ErrorTests).Assembly.GetManifestResourceStream("counter.bpf.o")!;
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        foreach (var length in new[] { 64, bytes.Length / 2, bytes.Length - 100 })
            Assert.Throws<BpfObjectFormatException>(() => BpfObject.OpenMemory(bytes.AsSpan(0, length)));
    }

    [Fact]
    public void MissingThingsAreNamedWithWhatExists()
    {
        var missingFile = Assert.Throws<BpfException>(() => BpfObject.OpenFile("/nonexistent/x.bpf.o"));
        Assert.Equal(Errno.ENOENT, missingFile.Errno);
        Assert.Contains("/nonexistent/x.bpf.o", missingFile.Message);

        var missingResource = Assert.Throws<FileNotFoundException>(() => BpfObject.OpenEmbedded(typeof(ErrorTests).Assembly, "nope.bpf.o"));
        Assert.Contains("counter.bpf.o", missingResource.Message);

        using var open = BpfEnvironment.Open("counter");
        var map = Assert.Throws<KeyNotFoundException>(() => open.GetMap("nope"));
        Assert.Contains("counts", map.Message);
        var program = Assert.Throws<KeyNotFoundException>(() => open.GetProgram("nope"));
        Assert.Contains("count_raw_tp", program.Message);
        var variable = Assert.Throws<KeyNotFoundException>(() => open.SetConstant("nope", 1));
        Assert.Contains("nope", variable.Message);
        var size = Assert.Throws<ArgumentException>(() => open.SetConstant("target_tid", 1UL));
        Assert.Contains("4 bytes", size.Message);
    }

    [Fact]
    public void FentryOnAKernelWithoutItIsNotSupported()
    {
        BpfEnvironment.Require();
        Assert.SkipWhen(KernelFeatures.IsSupported(KernelFeature.Fentry), "this kernel supports fentry");
        using var open = BpfEnvironment.Open("strategies");
        open.GetProgram("on_vfs_read_kprobe").Autoload = false;
        var ex = Assert.Throws<BpfNotSupportedException>(() => open.Load());
        Assert.Contains("fentry", ex.Feature);
        Assert.Contains("on_vfs_read_fentry", ex.Message);
    }

    [Fact]
    public void KprobeOnAKernelWithoutItIsNotSupported()
    {
        BpfEnvironment.Require();
        Assert.SkipWhen(KernelFeatures.IsSupported(KernelFeature.Kprobe), "this kernel supports kprobes");
        var fds = BpfEnvironment.OpenFdCount();
        using (var open = BpfEnvironment.Open("strategies"))
        {
            open.GetProgram("on_vfs_read_fentry").Autoload = false;
            using var obj = open.Load();
            var ex = Assert.Throws<BpfNotSupportedException>(() => obj.GetProgram("on_vfs_read_kprobe").Attach());
            Assert.Equal("kprobe", ex.Feature);
            Assert.Contains("CONFIG_KPROBES", ex.Message);
            Assert.Throws<BpfNotSupportedException>(() => obj.GetProgram("on_vfs_read_kprobe").AttachKprobe("vfs_read"));
            Assert.Throws<BpfNotSupportedException>(() => obj.AttachAll());
        }
        Assert.Equal(fds, BpfEnvironment.OpenFdCount());
    }

    [Fact]
    public void ErrnoNamesAndDescriptionsAreReadable()
    {
        Assert.Equal("EPERM", Errno.Name(1));
        Assert.Equal("Operation not permitted (EPERM)", Errno.Describe(1));
        Assert.Equal("errno 999", Errno.Name(999));
        var ex = new BpfException("load BPF object 'x'", Errno.ENOENT);
        Assert.Equal("load BPF object 'x': No such file or directory (ENOENT)", ex.Message);
        Assert.Equal("ENOENT", ex.ErrnoName);
    }
}
