using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Interop;

/// <summary>
/// Holds a reference on a SafeHandle for the span of one native call, so a concurrent Dispose cannot
/// close the object (and let the kernel reuse its fds) while the call runs. Throws
/// <see cref="ObjectDisposedException"/> once the handle is closed.
/// </summary>
internal ref struct HandleLease
{
    private readonly SafeHandle _handle;
    private bool _held;

    public HandleLease(SafeHandle handle, string objectName)
    {
        _handle = handle;
        _held = false;
        if (handle.IsClosed)
            throw new ObjectDisposedException(objectName);
        try
        {
            handle.DangerousAddRef(ref _held);
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(objectName);
        }
    }

    public readonly nint Pointer => _handle.DangerousGetHandle();

    public void Dispose()
    {
        if (_held)
        {
            _held = false;
            _handle.DangerousRelease();
        }
    }
}
