using System.Runtime.InteropServices;
using System.Text;

namespace XMonitor.Bpf.Tests;

/// <summary>Walks the kernel's program list independently of the SDK, as <c>bpftool prog show</c> does.</summary>
internal static unsafe partial class NativeIds
{
    private const int ProgInfoSize = 232;
    private const int ProgInfoNameOffset = 64;

    /// <summary>How many programs loaded in the kernel right now carry one of <paramref name="names"/>
    /// (names as the kernel keeps them: at most 15 characters).</summary>
    internal static int CountPrograms(IReadOnlySet<string> names)
    {
        var count = 0;
        uint id = 0;
        var info = stackalloc byte[ProgInfoSize];
        while (NextProgramId(id, out var next) == 0)
        {
            id = next;
            var fd = ProgramFdById(id);
            if (fd < 0)
                continue;
            new Span<byte>(info, ProgInfoSize).Clear();
            var len = (uint)ProgInfoSize;
            if (GetInfoByFd(fd, info, ref len) == 0)
            {
                var name = new ReadOnlySpan<byte>(info + ProgInfoNameOffset, 16);
                var end = name.IndexOf((byte)0);
                if (names.Contains(Encoding.ASCII.GetString(end < 0 ? name : name[..end])))
                    count++;
            }
            Close(fd);
        }
        return count;
    }

    [LibraryImport("libbpf.so.1", EntryPoint = "bpf_prog_get_next_id")]
    private static partial int NextProgramId(uint start, out uint next);

    [LibraryImport("libbpf.so.1", EntryPoint = "bpf_prog_get_fd_by_id")]
    private static partial int ProgramFdById(uint id);

    [LibraryImport("libbpf.so.1", EntryPoint = "bpf_obj_get_info_by_fd")]
    private static partial int GetInfoByFd(int fd, byte* info, ref uint length);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
