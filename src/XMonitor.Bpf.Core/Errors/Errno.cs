namespace XMonitor.Bpf;

/// <summary>Linux errno values the SDK acts on, and their names for messages.</summary>
public static class Errno
{
#pragma warning disable CS1591 // the names are the documentation
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int E2BIG = 7;
    public const int ENOEXEC = 8;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOSPC = 28;
    public const int ENOSYS = 38;
    public const int ENODATA = 61;
    public const int EOPNOTSUPP = 95;
    public const int ENOTSUP_KERNEL = 524;
#pragma warning restore CS1591

    private static readonly Dictionary<int, string> Names = new()
    {
        [EPERM] = "EPERM", [ENOENT] = "ENOENT", [ESRCH] = "ESRCH", [EINTR] = "EINTR", [EIO] = "EIO",
        [E2BIG] = "E2BIG", [ENOEXEC] = "ENOEXEC", [EBADF] = "EBADF", [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM",
        [EACCES] = "EACCES", [EFAULT] = "EFAULT", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST", [ENODEV] = "ENODEV",
        [EINVAL] = "EINVAL", [ENOSPC] = "ENOSPC", [ENOSYS] = "ENOSYS", [ENODATA] = "ENODATA",
        [EOPNOTSUPP] = "EOPNOTSUPP", [ENOTSUP_KERNEL] = "ENOTSUPP",
    };

    /// <summary>The symbolic name (<c>EPERM</c>), or <c>errno N</c> for one not listed.</summary>
    public static string Name(int errno) => Names.TryGetValue(errno, out var n) ? n : $"errno {errno}";

    /// <summary>The C library's description followed by the symbolic name: <c>Operation not permitted (EPERM)</c>.</summary>
    public static string Describe(int errno)
    {
        // 524 is the kernel-internal ENOTSUPP, which libc does not know.
        var text = errno == ENOTSUP_KERNEL ? "Operation not supported" : System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno);
        return $"{text} ({Name(errno)})";
    }
}
