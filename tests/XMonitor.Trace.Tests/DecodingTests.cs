using System.Text.RegularExpressions;

namespace XMonitor.Trace.Tests;

/// <summary>Names, flags, strings and options, checked without the kernel.</summary>
public sealed partial class DecodingTests
{
    [Theory]
    [InlineData(0x80241UL, "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC")]
    [InlineData(0x80000UL, "O_RDONLY|O_CLOEXEC")]
    [InlineData(0x90800UL, "O_RDONLY|O_NONBLOCK|O_DIRECTORY|O_CLOEXEC")]
    [InlineData(0x410002UL, "O_RDWR|O_TMPFILE")]
    [InlineData(0x101001UL, "O_WRONLY|O_SYNC")]
    [InlineData(0x1000000UL, "O_RDONLY|0x1000000")]
    public void OpenFlags(ulong flags, string expected) => Assert.Equal(expected, FlagNames.Open(flags));

    [Fact]
    public void OpenMode_IsShownOnlyWhenTheCallCreates()
    {
        Assert.True(FlagNames.OpenCreates(0x241));
        Assert.True(FlagNames.OpenCreates(0x410002));
        Assert.False(FlagNames.OpenCreates(0x10000)); // O_DIRECTORY alone is not O_TMPFILE
    }

    [Fact]
    public void MemoryFlags()
    {
        Assert.Equal("MAP_PRIVATE|MAP_ANONYMOUS", FlagNames.Map(0x22));
        Assert.Equal("MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE", FlagNames.Map(0x812));
        Assert.Equal("MAP_SHARED|0x80000000", FlagNames.Map(0x80000001));
        Assert.Equal("PROT_NONE", FlagNames.Prot(0));
        Assert.Equal("PROT_READ|PROT_EXEC", FlagNames.Prot(5));
    }

    [Fact]
    public void OtherConstants()
    {
        Assert.Equal("F_OK", FlagNames.Access(0));
        Assert.Equal("R_OK|W_OK", FlagNames.Access(6));
        Assert.Equal("AT_EMPTY_PATH", FlagNames.At(0x1000));
        Assert.Equal("SIGKILL", FlagNames.Signal(9));
        Assert.Equal("SEEK_END", FlagNames.Whence(2));
        Assert.Equal("SOCK_STREAM|SOCK_CLOEXEC", FlagNames.SocketType(0x80001));
        Assert.Equal("AF_INET6", FlagNames.SocketDomain(10));
        Assert.Equal("0644", FlagNames.Mode(420));
    }

    [Fact]
    public void Strings_AreEscapedLikeStrace()
    {
        Assert.Equal("\"\\177ELF\\2\\1\\1\\3\\0\\0\"", CString.Quote([0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 3, 0, 0], 32));
        Assert.Equal("\"\\0012\"", CString.Quote([1, (byte)'2'], 32));
        Assert.Equal("\"a\\\"b\\\\c\\n\\t\"", CString.Quote("a\"b\\c\n\t"u8, 32));
        Assert.Equal("\"abc\"...", CString.Quote("abcdef"u8, 3));
        Assert.Equal("\"abc\"...", CString.Quote("abc"u8, 32, cut: true));
        Assert.Equal("NULL", CString.Pointer(0));
    }

    [Fact]
    public void SyscallTable_MatchesTheInstalledHeader()
    {
        const string Header = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";
        if (!File.Exists(Header))
            Assert.Skip($"{Header} is missing (Debian package linux-libc-dev)");
        var fromHeader = File.ReadLines(Header).Select(l => NrDefine().Match(l)).Where(m => m.Success)
            .ToDictionary(m => int.Parse(m.Groups[2].Value), m => m.Groups[1].Value);

        Assert.Equal(fromHeader.OrderBy(p => p.Key), SyscallNames.ByNumber.OrderBy(p => p.Key));
        Assert.Equal("openat", SyscallNames.ByNumber[257]);
        Assert.Equal("ENOENT", ErrnoNames.ByNumber[2]);
        Assert.Equal("ERESTARTSYS", ErrnoNames.ByNumber[512]);
    }

    [Fact]
    public void Signatures_TellTheKernelSideWhatToCopy()
    {
        var openat = SyscallSignatures.ToSpec(SyscallSignatures.Find("openat"));
        Assert.Equal((1, -1, -1), (openat.Str0, openat.Str1, openat.Data));
        var write = SyscallSignatures.ToSpec(SyscallSignatures.Find("write"));
        Assert.Equal((-1, 1, 2, 1), (write.Str0, write.Data, write.DataLen, write.DataKind));
        var rename = SyscallSignatures.ToSpec(SyscallSignatures.Find("renameat2"));
        Assert.Equal((1, 3), (rename.Str0, rename.Str1));
        var execve = SyscallSignatures.ToSpec(SyscallSignatures.Find("execve"));
        Assert.Equal((0, 1, 3, 2), (execve.Str0, execve.Data, execve.DataKind, execve.Flags));
        Assert.Equal(1, SyscallSignatures.ToSpec(SyscallSignatures.Find("exit_group")).Flags);
        Assert.All(new[] { "read", "write", "openat", "close", "mmap", "execve", "exit_group" },
            n => Assert.NotNull(SyscallSignatures.Find(n)));
    }

    [Fact]
    public void Options()
    {
        var o = TraceOptions.Parse(["-e", "trace=openat,write", "-k", "-u", "-C", "--", "ls", "-l"], out _)!;
        Assert.Equal(["openat", "write"], o.Syscalls!);
        Assert.Equal(["ls", "-l"], o.Command);
        Assert.True(o is { KernelStacks: true, UserStacks: true, Summary: true, Lines: true });
        Assert.False(TraceOptions.Parse(["-c", "-a"], out _)!.Lines);
        Assert.Equal(42, TraceOptions.Parse(["-p", "42"], out _)!.Pid);
        Assert.Null(TraceOptions.Parse(["-p", "42", "ls"], out var both));
        Assert.Contains("exactly one", both);
        Assert.Null(TraceOptions.Parse([], out _));
        Assert.Null(TraceOptions.Parse(["-x", "ls"], out var unknown));
        Assert.Contains("-x", unknown);
    }

    [GeneratedRegex(@"^#define __NR_(\w+) (\d+)$")]
    private static partial Regex NrDefine();
}
