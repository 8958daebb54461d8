using System.Runtime.InteropServices;

namespace XMonitor.Agent.Tests;

/// <summary>libc calls .NET does not offer in the form a test needs.</summary>
internal static partial class Posix
{
    /// <summary>rename(2): atomically replaces <paramref name="to"/>, even a symlink to a directory (which File.Move will not move).</summary>
    public static void Rename(string from, string to)
    {
        if (RenameNative(from, to) != 0)
            throw new IOException($"rename({from}, {to}) failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameNative(string from, string to);
}
