using System.Globalization;
using System.Runtime.InteropServices;

namespace XMonitor.Trace;

/// <summary>Turns the kernel side's records into <see cref="DecodedCall"/>s: names, decoded arguments, errors, stacks.</summary>
internal sealed class CallDecoder(int stringLimit, StackSymbolizer? stacks)
{
    private const uint EventNoReturn = 1;
    private const uint EventArgvTruncated = 2;
    private const int StrMax = 256;
    private const int KernelFunctionArgs = 5;
    private const int MaxErrno = 4095;
    // Kernel function arguments have no known types: values in this range (counts, flags, fds,
    // negative errors) are shown in decimal, anything else (pointers) in hex.
    private const long SmallBelow = 1 << 20;

    public static string NameOf(int nr) => SyscallNames.ByNumber.GetValueOrDefault(nr) ?? $"syscall_{nr}";

    public DecodedCall Decode(ref readonly TraceSkeleton.SyscallEvent e)
    {
        var name = NameOf(e.Nr);
        var signature = SyscallSignatures.Find(name);
        var raw = ((ReadOnlySpan<ulong>)e.Args).ToArray();
        var args = signature is null ? raw.Select(CString.Hex).ToList() : DecodeArgs(in e, signature, raw);

        var returned = (e.Flags & EventNoReturn) == 0;
        string? errno = null;
        string returnText;
        if (!returned)
            returnText = "?";
        else if (e.Ret is < 0 and >= -MaxErrno)
        {
            var code = (int)-e.Ret;
            errno = ErrnoNames.ByNumber.GetValueOrDefault(code) ?? code.ToString(CultureInfo.InvariantCulture);
            returnText = code >= 512 ? $"? {errno}" : $"-1 {errno} ({Marshal.GetPInvokeErrorMessage(code)})";
        }
        else
            returnText = signature?.Return == ReturnKind.Hex ? CString.Hex((ulong)e.Ret) : e.Ret.ToString(CultureInfo.InvariantCulture);

        return new DecodedCall(
            e.Pid, e.Tid, e.Comm.ToString(), e.Nr, name, args, raw, e.Ret, returned, returnText, errno, e.StartNs, e.DurationNs,
            stacks?.Kernel(e.KernelStack), stacks?.User(e.UserStack, e.Pid, new UserRegisters(e.UserIp, e.UserSp, e.UserBp), UserStackCopy(in e)), KernelFunction: false);
    }

    /// <summary>Decodes a kprobe record (-K) of kernel function <paramref name="function"/>: its first
    /// five arguments (arity and types are unknown here) and its return value, an error name when it
    /// is a negative errno.</summary>
    public DecodedCall DecodeFunction(ref readonly TraceSkeleton.SyscallEvent e, string function)
    {
        var raw = ((ReadOnlySpan<ulong>)e.Args)[..KernelFunctionArgs].ToArray();
        string? errno = null;
        var returnText = Number((ulong)e.Ret);
        if (e.Ret is < 0 and >= -MaxErrno)
        {
            errno = ErrnoNames.ByNumber.GetValueOrDefault((int)-e.Ret);
            if (errno is not null)
                returnText += " " + errno;
        }
        return new DecodedCall(
            e.Pid, e.Tid, e.Comm.ToString(), e.Nr, function, raw.Select(Number).ToList(), raw, e.Ret, true, returnText, errno, e.StartNs, e.DurationNs,
            stacks?.Kernel(e.KernelStack), stacks?.User(e.UserStack, e.Pid, new UserRegisters(0, 0, 0), []), KernelFunction: true);

        static string Number(ulong v) => (long)v is > -SmallBelow and < SmallBelow
            ? ((long)v).ToString(CultureInfo.InvariantCulture)
            : CString.Hex(v);
    }

    private static ReadOnlySpan<byte> UserStackCopy(ref readonly TraceSkeleton.SyscallEvent e)
    {
        ReadOnlySpan<byte> copy = e.UserStackCopy;
        return copy[..Math.Clamp(e.UserStackLen, 0, copy.Length)];
    }

    private List<string> DecodeArgs(ref readonly TraceSkeleton.SyscallEvent e, SyscallSignature signature, ulong[] raw)
    {
        var strings = signature.StringArgs;
        var args = new List<string>(signature.Args.Length);
        for (var i = 0; i < signature.Args.Length; i++)
        {
            var v = raw[i];
            switch (signature.Args[i])
            {
                case ArgKind.Int: args.Add(((int)v).ToString(CultureInfo.InvariantCulture)); break;
                case ArgKind.Long: args.Add(((long)v).ToString(CultureInfo.InvariantCulture)); break;
                case ArgKind.UInt: args.Add(v.ToString(CultureInfo.InvariantCulture)); break;
                case ArgKind.Hex: args.Add(v == 0 ? "0" : CString.Hex(v)); break;
                case ArgKind.Pointer: args.Add(CString.Pointer(v)); break;
                case ArgKind.Fd: args.Add(((int)v).ToString(CultureInfo.InvariantCulture)); break;
                case ArgKind.DirFd: args.Add((int)v == FlagNames.AtFdCwd ? "AT_FDCWD" : ((int)v).ToString(CultureInfo.InvariantCulture)); break;
                case ArgKind.FilePath: args.Add(PathArg(in e, strings[0] == i ? 0 : 1, v)); break;
                case ArgKind.BufferIn: args.Add(BufferArg(in e, v, raw[i + 1], e.DataLen)); break;
                case ArgKind.BufferOut: args.Add(e.Ret < 0 ? CString.Pointer(v) : BufferArg(in e, v, (ulong)e.Ret, e.DataLen)); break;
                case ArgKind.Argv: args.Add(ArgvArg(in e, v)); break;
                case ArgKind.OpenFlags: args.Add(FlagNames.Open(v)); break;
                case ArgKind.OpenMode when i > 0 && FlagNames.OpenCreates(raw[i - 1]): args.Add(FlagNames.Mode(v)); break;
                case ArgKind.OpenMode: break;
                case ArgKind.Mode: args.Add(FlagNames.Mode(v)); break;
                case ArgKind.MmapProt: args.Add(FlagNames.Prot(v)); break;
                case ArgKind.MmapFlags: args.Add(FlagNames.Map(v)); break;
                case ArgKind.AtFlags: args.Add(FlagNames.At(v)); break;
                case ArgKind.AccessMode: args.Add(FlagNames.Access(v)); break;
                case ArgKind.Whence: args.Add(FlagNames.Whence(v)); break;
                case ArgKind.Signal: args.Add(FlagNames.Signal(v)); break;
                case ArgKind.SocketDomain: args.Add(FlagNames.SocketDomain(v)); break;
                case ArgKind.SocketType: args.Add(FlagNames.SocketType(v)); break;
                case ArgKind.FcntlCommand: args.Add(FlagNames.Fcntl(v)); break;
            }
        }
        return args;
    }

    private static string PathArg(ref readonly TraceSkeleton.SyscallEvent e, int slot, ulong pointer)
    {
        var length = slot == 0 ? e.Str0Len : e.Str1Len;
        var bytes = MemoryMarshal.AsBytes(slot == 0 ? (ReadOnlySpan<sbyte>)e.Str0 : e.Str1);
        if (length <= 0)
            return CString.Pointer(pointer);
        // The copy stops at STR_MAX bytes with its NUL; a longer path is shown cut.
        return CString.Quote(bytes[..(length - 1)], int.MaxValue, cut: length == StrMax);
    }

    private string BufferArg(ref readonly TraceSkeleton.SyscallEvent e, ulong pointer, ulong count, int copied)
    {
        if (copied < 0 || (copied == 0 && count > 0))
            return CString.Pointer(pointer);
        var bytes = ((ReadOnlySpan<byte>)e.Data)[..copied];
        return CString.Quote(bytes, stringLimit, cut: count > (ulong)copied && stringLimit > copied);
    }

    private string ArgvArg(ref readonly TraceSkeleton.SyscallEvent e, ulong pointer)
    {
        if (e.DataLen <= 0)
            return CString.Pointer(pointer);
        var bytes = ((ReadOnlySpan<byte>)e.Data)[..e.DataLen];
        var items = new List<string>();
        while (!bytes.IsEmpty)
        {
            var end = bytes.IndexOf((byte)0);
            if (end < 0)
                end = bytes.Length;
            items.Add(CString.Quote(bytes[..end], stringLimit));
            bytes = end < bytes.Length ? bytes[(end + 1)..] : [];
        }
        if ((e.Flags & EventArgvTruncated) != 0)
            items.Add("...");
        return "[" + string.Join(", ", items) + "]";
    }
}
