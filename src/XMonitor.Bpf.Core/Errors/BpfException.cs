using System.Runtime.InteropServices;

namespace XMonitor.Bpf;

/// <summary>
/// A BPF operation failed. Carries the errno the kernel or libbpf reported and what was being done
/// (which object, program or map), so the message reads like <c>load object 'cpusched': program
/// 'handle_switch': Permission denied (EPERM)</c>.
/// </summary>
public class BpfException : Exception
{
    /// <summary>Creates an exception for <paramref name="context"/> failing with <paramref name="errno"/>.</summary>
    public BpfException(string context, int errno, string? detail = null, Exception? inner = null)
        : base(Format(context, errno, detail), inner)
    {
        Context = context;
        Errno = errno;
    }

    /// <summary>The positive errno value (0 where the failure did not come with one).</summary>
    public int Errno { get; }

    /// <summary>What was being done, naming the object, program or map.</summary>
    public string Context { get; }

    /// <summary>The symbolic errno name, for example <c>EPERM</c>.</summary>
    public string ErrnoName => Bpf.Errno.Name(Errno);

    private static string Format(string context, int errno, string? detail)
    {
        var msg = errno == 0 ? context : $"{context}: {Bpf.Errno.Describe(errno)}";
        return string.IsNullOrEmpty(detail) ? msg : $"{msg}. {detail}";
    }

    /// <summary>
    /// Builds the most specific exception for an errno: EPERM/EACCES become
    /// <see cref="BpfPermissionException"/> when the process lacks privilege, EOPNOTSUPP and friends
    /// <see cref="BpfNotSupportedException"/>.
    /// </summary>
    internal static BpfException FromErrno(string context, int errno, string? detail = null)
    {
        if ((errno == Bpf.Errno.EPERM || errno == Bpf.Errno.EACCES) && !Privileges.CanUseBpf)
            return new BpfPermissionException(context, errno);
        if (errno is Bpf.Errno.EOPNOTSUPP or Bpf.Errno.ENOTSUP_KERNEL)
            return new BpfNotSupportedException(context, context, errno, detail);
        return new BpfException(context, errno, detail);
    }

    /// <summary>Throws for the errno of the last native call made with SetLastError.</summary>
    internal static BpfException FromLastError(string context, string? detail = null)
        => FromErrno(context, Marshal.GetLastSystemError(), detail);
}
