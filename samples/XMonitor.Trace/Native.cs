using System.Runtime.InteropServices;

namespace XMonitor.Trace;

/// <summary>The libc calls the tracer needs that .NET does not offer.</summary>
internal static partial class Native
{
    public const int SigCont = 18;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
