using System.Collections;

namespace XMonitor.Bpf.Btf;

/// <summary>The id-indexed view of a spec's types; entries are created on first access.</summary>
internal sealed class BtfTypeList(BtfSpec spec) : IReadOnlyList<BtfType>
{
    public BtfType this[int index] => spec.GetTypeById(index);

    public int Count => spec.TypeCount;

    public IEnumerator<BtfType> GetEnumerator()
    {
        for (var id = 0; id < spec.TypeCount; id++)
            yield return spec.GetTypeById(id);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
