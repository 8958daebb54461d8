using System.Buffers;
using System.Text;

namespace XMonitor.Bpf.Prometheus;

/// <summary>A growable byte buffer on pooled arrays: scrapes reuse it instead of allocating their output.</summary>
internal sealed class MetricBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array;
    private int _length;

    public MetricBuffer(int initialCapacity = 16 * 1024)
    {
        _array = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _length);

    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, _length);

    public void Reset() => _length = 0;

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(_length);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _length += bytes.Length;
    }

    public void Write(byte b)
    {
        GetSpan(1)[0] = b;
        _length++;
    }

    public void WriteUtf8(ReadOnlySpan<char> text)
    {
        var span = GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        _length += Encoding.UTF8.GetBytes(text, span);
    }

    public override string ToString() => Encoding.UTF8.GetString(WrittenSpan);

    public void Dispose()
    {
        var array = _array;
        _array = [];
        _length = 0;
        if (array.Length > 0)
            ArrayPool<byte>.Shared.Return(array);
    }

    private void Ensure(int sizeHint)
    {
        var needed = _length + Math.Max(sizeHint, 1);
        if (needed <= _array.Length)
            return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _array.Length * 2));
        _array.AsSpan(0, _length).CopyTo(bigger);
        if (_array.Length > 0)
            ArrayPool<byte>.Shared.Return(_array);
        _array = bigger;
    }
}
