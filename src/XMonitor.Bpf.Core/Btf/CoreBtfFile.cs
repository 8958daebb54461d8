using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using XMonitor.Bpf.Elf;
using XMonitor.Bpf.Interop;

namespace XMonitor.Bpf.Btf;

/// <summary>
/// The kernel BTF an object is CO-RE relocated against by default: the <see cref="MinimalKernelBtf"/>
/// of that object, in an anonymous memory file whose <c>/proc/self/fd</c> path is handed to libbpf
/// as <c>btf_custom_path</c>. It must stay open until the object is loaded.
/// </summary>
/// <remarks>
/// Blobs are cached per set of relocation roots, so a probe restarted by a configuration reload
/// builds nothing. The parsed kernel BTF they are cut from is shared by the objects opened within
/// <see cref="KernelBtfIdle"/> of each other (a host starting its probes one after the other parses
/// it once) and then freed: it is ~10 MB of native memory a running process does not need.
/// </remarks>
internal sealed partial class CoreBtfFile : IDisposable
{
    private static readonly TimeSpan KernelBtfIdle = TimeSpan.FromSeconds(5);
    private static readonly ConcurrentDictionary<string, byte[]> Blobs = new();
    private static readonly Lock KernelLock = new();
    private static KernelBtf? s_kernel;
    private static Timer? s_release;

    private readonly SafeFileHandle _file;

    private CoreBtfFile(SafeFileHandle file)
    {
        _file = file;
        Path = $"/proc/self/fd/{file.DangerousGetHandle()}";
    }

    /// <summary>Where libbpf can read the BTF while this instance is open.</summary>
    public string Path { get; }

    /// <summary>
    /// The minimal kernel BTF for the object in <paramref name="elf"/>; null when the object needs no
    /// kernel types, or more than a minimal BTF holds, or anything on the way fails (the caller then
    /// relocates against the full kernel BTF, as libbpf does by default, so this never makes a load fail).
    /// </summary>
    public static CoreBtfFile? TryCreate(ReadOnlySpan<byte> elf, string objectName)
    {
        try
        {
            var image = ElfImage.Parse(elf);
            if (image.FindSection(".BTF") is not { } btf || image.FindSection(".BTF.ext") is not { } ext
                || MinimalKernelBtf.Roots(image.SectionData(btf), image.SectionData(ext)) is not { Count: > 0 } roots)
                return null;
            // The roots decide the blob; objects and restarts with the same roots share it.
            var key = string.Join('\n', roots);
            if (!Blobs.TryGetValue(key, out var blob))
            {
                blob = BuildShared(roots, out var unmatched);
                // A type vmlinux lacks may be a kernel module's, and with CAP_SYS_ADMIN libbpf would
                // find it there (without it libbpf cannot list modules' BTF): leave such objects to libbpf.
                if (unmatched > 0 && Privileges.HasCapability(Privileges.CAP_SYS_ADMIN) && HasModuleBtf())
                    return null;
                blob = Blobs.GetOrAdd(key, blob);
            }
            return new CoreBtfFile(WriteMemoryFile(blob));
        }
        catch (Exception e) when (e is BpfException or BpfElfFormatException or BtfFormatException or IOException or ArgumentException or IndexOutOfRangeException)
        {
            BpfLog.Write(LogLevel.Debug, $"{objectName}: CO-RE relocation uses the full kernel BTF: no minimal BTF ({e.Message})");
            return null;
        }
    }

    public void Dispose() => _file.Dispose();

    private static bool HasModuleBtf()
    {
        foreach (var file in Directory.EnumerateFiles(System.IO.Path.GetDirectoryName(BtfSpec.KernelBtfPath)!))
        {
            if (System.IO.Path.GetFileName(file) != "vmlinux")
                return true;
        }
        return false;
    }

    private static byte[] BuildShared(List<string> roots, out int unmatched)
    {
        lock (KernelLock)
        {
            s_kernel ??= KernelBtf.Open();
            s_release ??= new Timer(_ => Release(), null, Timeout.Infinite, Timeout.Infinite);
            s_release.Change(KernelBtfIdle, Timeout.InfiniteTimeSpan);
            return MinimalKernelBtf.Build(s_kernel, roots, out unmatched);
        }
    }

    private static void Release()
    {
        lock (KernelLock)
        {
            s_kernel?.Dispose();
            s_kernel = null;
        }
    }

    private static unsafe SafeFileHandle WriteMemoryFile(byte[] blob)
    {
        var fd = MemfdCreate("xmonitor-core-btf", MfdCloexec);
        if (fd < 0)
            throw BpfException.FromErrno("create the memory file of a minimal kernel BTF", Marshal.GetLastPInvokeError());
        var file = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            fixed (byte* p = blob)
            {
                for (var written = 0; written < blob.Length;)
                {
                    var n = LibC.Write(fd, p + written, (nuint)(blob.Length - written));
                    if (n < 0)
                        throw BpfException.FromErrno("write a minimal kernel BTF", Marshal.GetLastPInvokeError());
                    written += (int)n;
                }
            }
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private const uint MfdCloexec = 1;

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreate(string name, uint flags);
}
