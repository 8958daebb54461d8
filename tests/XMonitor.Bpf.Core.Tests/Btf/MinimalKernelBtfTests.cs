using System.Buffers.Binary;
using XMonitor.Bpf.Btf;
using XMonitor.Bpf.Testing;
using Xunit;

namespace XMonitor.Bpf.Tests.Btf;

/// <summary>
/// The minimal kernel BTF an object is CO-RE relocated against by default (CoreBtfFile): the
/// kernel's own definitions of what its relocations name, whole, and nothing more. That the loaded
/// instructions come out the same as against the whole kernel BTF is checked on every probe object
/// in XMonitor.Bpf.Probes.Tests (CoreRelocationTests).
/// </summary>
public sealed class MinimalKernelBtfTests
{
    [Fact]
    public void The_sample_objects_relocation_roots_are_read_from_its_btf_ext()
    {
        var elf = XMonitor.Bpf.Elf.BpfElfFile.Load(SampleObject.Data);
        var image = SampleObject.Data;
        var roots = MinimalKernelBtf.Roots(Section(image, elf, ".BTF"), Section(image, elf, ".BTF.ext"));
        // BPF_CORE_READ(next, pid) and BPF_CORE_READ_STR_INTO(.., next, comm): both rooted at task_struct.
        Assert.NotNull(roots);
        Assert.Contains($"{(int)BtfKind.Struct} task_struct", roots);
        Assert.Equal(roots.Order(StringComparer.Ordinal), roots);
        Assert.Equal(roots.Distinct(), roots);
    }

    [Fact]
    public void Task_struct_keeps_every_member_at_its_kernel_offset_and_pointers_become_void()
    {
        BpfEnvironment.Require();
        using var file = CoreBtfFile.TryCreate(SampleObject.Data, "btf_sample");
        Assert.NotNull(file);
        var minimal = BtfSpec.Load(File.ReadAllBytes(file.Path));
        var kernel = BtfSpec.LoadKernel();

        var ours = Assert.IsType<BtfComposite>(minimal.FindType("task_struct", BtfKind.Struct));
        var theirs = Assert.IsType<BtfComposite>(kernel.FindType("task_struct", BtfKind.Struct));
        Assert.Equal(theirs.Size, ours.Size);
        Assert.Equal(theirs.Members.Select(m => (m.Name, m.BitOffset, m.BitfieldSize)), ours.Members.Select(m => (m.Name, m.BitOffset, m.BitfieldSize)));
        // Embedded members keep their whole definitions, pointers point to void.
        Assert.Equal(kernel.SizeOf(theirs.Members.Single(m => m.Name == "se").Type), minimal.SizeOf(ours.Members.Single(m => m.Name == "se").Type));
        Assert.All(minimal.Types.OfType<BtfPointer>(), p => Assert.Equal(0, p.TargetId));
        Assert.True(minimal.Types.Count < kernel.Types.Count / 20, $"{minimal.Types.Count} of the kernel's {kernel.Types.Count} types");
    }

    [Fact]
    public void A_relocation_that_needs_the_kernels_own_type_ids_gets_the_whole_btf()
    {
        var elf = XMonitor.Bpf.Elf.BpfElfFile.Load(SampleObject.Data);
        var image = SampleObject.Data;
        var ext = Section(image, elf, ".BTF.ext").ToArray();
        // Turn the first CO-RE relocation into a TYPE_ID_TARGET one (bpf_core_type_id_kernel): its
        // answer is an id in the BTF relocated against, so only the kernel's own will do.
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(ext.AsSpan(4));
        var coreOffset = headerLength + BinaryPrimitives.ReadInt32LittleEndian(ext.AsSpan(24));
        BinaryPrimitives.WriteUInt32LittleEndian(ext.AsSpan(coreOffset + 4 + 8 + 12), (uint)BtfCoreRelocationKind.TypeIdTarget);
        Assert.Null(MinimalKernelBtf.Roots(Section(image, elf, ".BTF"), ext));
    }

    [Fact]
    public void A_malformed_btf_ext_is_a_format_error_not_a_crash()
    {
        var elf = XMonitor.Bpf.Elf.BpfElfFile.Load(SampleObject.Data);
        var image = SampleObject.Data;
        var ext = Section(image, elf, ".BTF.ext").ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(ext.AsSpan(28), int.MaxValue);
        Assert.Throws<BtfFormatException>(() => MinimalKernelBtf.Roots(Section(image, elf, ".BTF"), ext));
    }

    private static ReadOnlySpan<byte> Section(byte[] image, XMonitor.Bpf.Elf.BpfElfFile elf, string name)
    {
        var section = elf.FindSection(name) ?? throw new InvalidOperationException($"no {name}");
        return image.AsSpan((int)section.Offset, (int)section.Size);
    }
}
