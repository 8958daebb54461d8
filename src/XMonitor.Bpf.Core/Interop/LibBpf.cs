using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Interop;

/// <summary>
/// The libbpf 1.1 entry points the SDK binds (checked against <c>nm -D libbpf.so.1</c> of Debian's
/// libbpf1 1.1.2). Functions returning a pointer return NULL and set errno on failure (libbpf 1.0
/// semantics); functions returning int return a negative errno.
/// </summary>
internal static unsafe partial class LibBpf
{
    private const string Lib = "libbpf.so.1";

    // ---- logging ----
    [LibraryImport(Lib, EntryPoint = "libbpf_set_print")]
    internal static partial nint SetPrint(delegate* unmanaged<int, byte*, nint, int> callback);

    [LibraryImport(Lib, EntryPoint = "libbpf_version_string")]
    internal static partial byte* VersionString();

    [LibraryImport(Lib, EntryPoint = "libbpf_num_possible_cpus")]
    internal static partial int NumPossibleCpus();

    // ---- objects ----
    [LibraryImport(Lib, EntryPoint = "bpf_object__open_file", SetLastError = true)]
    internal static partial nint ObjectOpenFile(byte* path, ObjectOpenOpts* opts);

    [LibraryImport(Lib, EntryPoint = "bpf_object__open_mem", SetLastError = true)]
    internal static partial nint ObjectOpenMem(byte* buffer, nuint size, ObjectOpenOpts* opts);

    [LibraryImport(Lib, EntryPoint = "bpf_object__load", SetLastError = true)]
    internal static partial int ObjectLoad(nint obj);

    [LibraryImport(Lib, EntryPoint = "bpf_object__close")]
    internal static partial void ObjectClose(nint obj);

    [LibraryImport(Lib, EntryPoint = "bpf_object__name")]
    internal static partial byte* ObjectName(nint obj);

    [LibraryImport(Lib, EntryPoint = "bpf_object__next_program")]
    internal static partial nint ObjectNextProgram(nint obj, nint prev);

    [LibraryImport(Lib, EntryPoint = "bpf_object__next_map")]
    internal static partial nint ObjectNextMap(nint obj, nint prev);

    [LibraryImport(Lib, EntryPoint = "bpf_object__btf")]
    internal static partial nint ObjectBtf(nint obj);

    // ---- BTF of an opened object (to find .rodata variables before the managed reader is needed) ----
    [LibraryImport(Lib, EntryPoint = "btf__find_by_name_kind")]
    internal static partial int BtfFindByNameKind(nint btf, byte* name, uint kind);

    [LibraryImport(Lib, EntryPoint = "btf__type_by_id")]
    internal static partial BtfTypeHeader* BtfTypeById(nint btf, uint id);

    [LibraryImport(Lib, EntryPoint = "btf__name_by_offset")]
    internal static partial byte* BtfNameByOffset(nint btf, uint offset);

    // ---- the kernel's BTF, parsed in native memory for a few queries (KernelBtf) ----
    [LibraryImport(Lib, EntryPoint = "btf__load_vmlinux_btf", SetLastError = true)]
    internal static partial nint BtfLoadVmlinux();

    [LibraryImport(Lib, EntryPoint = "btf__free")]
    internal static partial void BtfFree(nint btf);

    [LibraryImport(Lib, EntryPoint = "btf__type_cnt")]
    internal static partial uint BtfTypeCount(nint btf);

    // ---- programs ----
    [LibraryImport(Lib, EntryPoint = "bpf_program__name")]
    internal static partial byte* ProgramName(nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_program__section_name")]
    internal static partial byte* ProgramSectionName(nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_program__fd")]
    internal static partial int ProgramFd(nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_program__type")]
    internal static partial int ProgramType(nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_program__set_type")]
    internal static partial int ProgramSetType(nint prog, int type);

    [LibraryImport(Lib, EntryPoint = "bpf_program__expected_attach_type")]
    internal static partial int ProgramExpectedAttachType(nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_program__set_expected_attach_type")]
    internal static partial int ProgramSetExpectedAttachType(nint prog, int type);

    [LibraryImport(Lib, EntryPoint = "bpf_program__autoload")]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool ProgramAutoload(nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_program__set_autoload")]
    internal static partial int ProgramSetAutoload(nint prog, [MarshalAs(UnmanagedType.U1)] bool autoload);

    [LibraryImport(Lib, EntryPoint = "bpf_program__set_attach_target")]
    internal static partial int ProgramSetAttachTarget(nint prog, int attachProgFd, byte* attachFuncName);

    [LibraryImport(Lib, EntryPoint = "bpf_program__insn_cnt")]
    internal static partial nuint ProgramInsnCount(nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_program__attach", SetLastError = true)]
    internal static partial nint ProgramAttach(nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_program__attach_kprobe_opts", SetLastError = true)]
    internal static partial nint ProgramAttachKprobe(nint prog, byte* funcName, KprobeOpts* opts);

    [LibraryImport(Lib, EntryPoint = "bpf_program__attach_tracepoint", SetLastError = true)]
    internal static partial nint ProgramAttachTracepoint(nint prog, byte* category, byte* name);

    [LibraryImport(Lib, EntryPoint = "bpf_program__attach_raw_tracepoint", SetLastError = true)]
    internal static partial nint ProgramAttachRawTracepoint(nint prog, byte* name);

    [LibraryImport(Lib, EntryPoint = "bpf_program__attach_trace", SetLastError = true)]
    internal static partial nint ProgramAttachTrace(nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_program__attach_uprobe_opts", SetLastError = true)]
    internal static partial nint ProgramAttachUprobe(nint prog, int pid, byte* binaryPath, nuint funcOffset, UprobeOpts* opts);

    [LibraryImport(Lib, EntryPoint = "bpf_program__attach_perf_event", SetLastError = true)]
    internal static partial nint ProgramAttachPerfEvent(nint prog, int perfEventFd);

    // ---- links ----
    [LibraryImport(Lib, EntryPoint = "bpf_link__destroy")]
    internal static partial int LinkDestroy(nint link);

    [LibraryImport(Lib, EntryPoint = "bpf_link__fd")]
    internal static partial int LinkFd(nint link);

    [LibraryImport(Lib, EntryPoint = "bpf_link__pin")]
    internal static partial int LinkPin(nint link, byte* path);

    [LibraryImport(Lib, EntryPoint = "bpf_link__unpin")]
    internal static partial int LinkUnpin(nint link);

    // ---- maps (object view) ----
    [LibraryImport(Lib, EntryPoint = "bpf_map__name")]
    internal static partial byte* MapName(nint map);

    [LibraryImport(Lib, EntryPoint = "bpf_map__fd")]
    internal static partial int MapFd(nint map);

    [LibraryImport(Lib, EntryPoint = "bpf_map__type")]
    internal static partial int MapType(nint map);

    [LibraryImport(Lib, EntryPoint = "bpf_map__key_size")]
    internal static partial uint MapKeySize(nint map);

    [LibraryImport(Lib, EntryPoint = "bpf_map__value_size")]
    internal static partial uint MapValueSize(nint map);

    [LibraryImport(Lib, EntryPoint = "bpf_map__max_entries")]
    internal static partial uint MapMaxEntries(nint map);

    [LibraryImport(Lib, EntryPoint = "bpf_map__set_max_entries")]
    internal static partial int MapSetMaxEntries(nint map, uint maxEntries);

    [LibraryImport(Lib, EntryPoint = "bpf_map__map_flags")]
    internal static partial uint MapFlags(nint map);

    [LibraryImport(Lib, EntryPoint = "bpf_map__is_internal")]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool MapIsInternal(nint map);

    [LibraryImport(Lib, EntryPoint = "bpf_map__initial_value")]
    internal static partial void* MapInitialValue(nint map, nuint* size);

    [LibraryImport(Lib, EntryPoint = "bpf_map__set_pin_path")]
    internal static partial int MapSetPinPath(nint map, byte* path);

    [LibraryImport(Lib, EntryPoint = "bpf_map__autocreate")]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool MapAutoCreate(nint map);

    [LibraryImport(Lib, EntryPoint = "bpf_map__set_autocreate")]
    internal static partial int MapSetAutoCreate(nint map, [MarshalAs(UnmanagedType.U1)] bool autoCreate);

    [LibraryImport(Lib, EntryPoint = "bpf_map__pin")]
    internal static partial int MapPin(nint map, byte* path);

    [LibraryImport(Lib, EntryPoint = "bpf_map__unpin")]
    internal static partial int MapUnpin(nint map, byte* path);

    [LibraryImport(Lib, EntryPoint = "bpf_map__is_pinned")]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool MapIsPinned(nint map);

    // ---- maps (fd syscalls); these return -1 and set errno in libbpf 1.x ----
    [LibraryImport(Lib, EntryPoint = "bpf_map_lookup_elem", SetLastError = true)]
    [SuppressGCTransition]
    internal static partial int MapLookupElem(int fd, void* key, void* value);

    [LibraryImport(Lib, EntryPoint = "bpf_map_lookup_elem_flags", SetLastError = true)]
    internal static partial int MapLookupElemFlags(int fd, void* key, void* value, ulong flags);

    [LibraryImport(Lib, EntryPoint = "bpf_map_update_elem", SetLastError = true)]
    internal static partial int MapUpdateElem(int fd, void* key, void* value, ulong flags);

    [LibraryImport(Lib, EntryPoint = "bpf_map_delete_elem", SetLastError = true)]
    internal static partial int MapDeleteElem(int fd, void* key);

    [LibraryImport(Lib, EntryPoint = "bpf_map_lookup_and_delete_elem", SetLastError = true)]
    internal static partial int MapLookupAndDeleteElem(int fd, void* key, void* value);

    [LibraryImport(Lib, EntryPoint = "bpf_map_get_next_key", SetLastError = true)]
    internal static partial int MapGetNextKey(int fd, void* key, void* nextKey);

    [LibraryImport(Lib, EntryPoint = "bpf_map_lookup_batch", SetLastError = true)]
    internal static partial int MapLookupBatch(int fd, void* inBatch, void* outBatch, void* keys, void* values, uint* count, MapBatchOpts* opts);

    [LibraryImport(Lib, EntryPoint = "bpf_map_lookup_and_delete_batch", SetLastError = true)]
    internal static partial int MapLookupAndDeleteBatch(int fd, void* inBatch, void* outBatch, void* keys, void* values, uint* count, MapBatchOpts* opts);

    [LibraryImport(Lib, EntryPoint = "bpf_map_update_batch", SetLastError = true)]
    internal static partial int MapUpdateBatch(int fd, void* keys, void* values, uint* count, MapBatchOpts* opts);

    [LibraryImport(Lib, EntryPoint = "bpf_map_delete_batch", SetLastError = true)]
    internal static partial int MapDeleteBatch(int fd, void* keys, uint* count, MapBatchOpts* opts);

    [LibraryImport(Lib, EntryPoint = "bpf_map_create", SetLastError = true)]
    internal static partial int MapCreate(int mapType, byte* name, uint keySize, uint valueSize, uint maxEntries, void* opts);

    [LibraryImport(Lib, EntryPoint = "bpf_map_freeze", SetLastError = true)]
    internal static partial int MapFreeze(int fd);

    [LibraryImport(Lib, EntryPoint = "bpf_obj_get_info_by_fd", SetLastError = true)]
    internal static partial int ObjGetInfoByFd(int fd, void* info, uint* infoLen);

    // ---- test run, raw load (feature probes) ----
    [LibraryImport(Lib, EntryPoint = "bpf_prog_test_run_opts", SetLastError = true)]
    internal static partial int ProgTestRun(int progFd, TestRunOpts* opts);

    [LibraryImport(Lib, EntryPoint = "bpf_prog_load", SetLastError = true)]
    internal static partial int ProgLoad(int progType, byte* name, byte* license, ulong* insns, nuint insnCount, ProgLoadOpts* opts);

    [LibraryImport(Lib, EntryPoint = "libbpf_probe_bpf_prog_type")]
    internal static partial int ProbeProgType(int progType, void* opts);

    [LibraryImport(Lib, EntryPoint = "libbpf_probe_bpf_map_type")]
    internal static partial int ProbeMapType(int mapType, void* opts);

    [LibraryImport(Lib, EntryPoint = "libbpf_probe_bpf_helper")]
    internal static partial int ProbeHelper(int progType, int helperId, void* opts);

    [LibraryImport(Lib, EntryPoint = "libbpf_find_vmlinux_btf_id")]
    internal static partial int FindVmlinuxBtfId(byte* name, int attachType);

    [LibraryImport(Lib, EntryPoint = "bpf_enable_stats", SetLastError = true)]
    internal static partial int EnableStats(int type);

    // ---- perf buffer ----
    [LibraryImport(Lib, EntryPoint = "perf_buffer__new", SetLastError = true)]
    internal static partial nint PerfBufferNew(int mapFd, nuint pageCount,
        delegate* unmanaged<void*, int, void*, uint, void> sampleCallback,
        delegate* unmanaged<void*, int, ulong, void> lostCallback,
        void* ctx, void* opts);

    [LibraryImport(Lib, EntryPoint = "perf_buffer__free")]
    internal static partial void PerfBufferFree(nint pb);

    [LibraryImport(Lib, EntryPoint = "perf_buffer__poll", SetLastError = true)]
    internal static partial int PerfBufferPoll(nint pb, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "perf_buffer__consume", SetLastError = true)]
    internal static partial int PerfBufferConsume(nint pb);

    [LibraryImport(Lib, EntryPoint = "perf_buffer__epoll_fd")]
    internal static partial int PerfBufferEpollFd(nint pb);

    /// <summary>Reads a NUL-terminated UTF-8 string owned by libbpf; null stays null.</summary>
    internal static string? ToStr(byte* s) => s == null ? null : Marshal.PtrToStringUTF8((nint)s);

    /// <summary>The errno of the last libbpf call made with SetLastError.</summary>
    internal static int LastErrno() => Marshal.GetLastSystemError();
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ObjectOpenOpts
{
    public nuint Size;               // sz
    public byte* ObjectName;
    public byte RelaxedMaps;         // bool, padded
    public byte* PinRootPath;
    public uint Reserved;            // removed attach_prog_fd
    public byte* Kconfig;
    public byte* BtfCustomPath;
    public byte* KernelLogBuf;
    public nuint KernelLogSize;
    public uint KernelLogLevel;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KprobeOpts
{
    public nuint Size;
    public ulong BpfCookie;
    public nuint Offset;
    public byte Retprobe;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct UprobeOpts
{
    public nuint Size;
    public nuint RefCtrOffset;
    public ulong BpfCookie;
    public byte Retprobe;
    public byte* FuncName;
}

[StructLayout(LayoutKind.Sequential)]
internal struct MapBatchOpts
{
    public nuint Size;
    public ulong ElemFlags;
    public ulong Flags;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct TestRunOpts
{
    public nuint Size;
    public void* DataIn;
    public void* DataOut;
    public uint DataSizeIn;
    public uint DataSizeOut;
    public void* CtxIn;
    public void* CtxOut;
    public uint CtxSizeIn;
    public uint CtxSizeOut;
    public uint Retval;
    public int Repeat;
    public uint Duration;
    public uint Flags;
    public uint Cpu;
    public uint BatchSize;
}

[StructLayout(LayoutKind.Explicit, Size = 104)]
internal unsafe struct ProgLoadOpts
{
    [FieldOffset(0)] public nuint Size;
    [FieldOffset(8)] public int Attempts;
    [FieldOffset(12)] public int ExpectedAttachType;
    [FieldOffset(16)] public uint ProgBtfFd;
    [FieldOffset(20)] public uint ProgFlags;
    [FieldOffset(24)] public uint ProgIfindex;
    [FieldOffset(28)] public uint KernVersion;
    [FieldOffset(32)] public uint AttachBtfId;
    [FieldOffset(36)] public uint AttachProgFd;
    [FieldOffset(40)] public uint AttachBtfObjFd;
    [FieldOffset(88)] public uint LogLevel;
    [FieldOffset(92)] public uint LogSize;
    [FieldOffset(96)] public byte* LogBuf;
}

/// <summary>The leading part of <c>struct bpf_prog_info</c> up to the run statistics.</summary>
[StructLayout(LayoutKind.Explicit, Size = 232)]
internal unsafe struct ProgInfo
{
    [FieldOffset(0)] public uint Type;
    [FieldOffset(4)] public uint Id;
    [FieldOffset(64)] public fixed byte Name[16];
    [FieldOffset(192)] public ulong RunTimeNs;
    [FieldOffset(200)] public ulong RunCount;
}

/// <summary><c>struct btf_type</c>: name offset, info (kind, vlen), size or type.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BtfTypeHeader
{
    public uint NameOff;
    public uint Info;
    public uint SizeOrType;

    public readonly int Kind => (int)((Info >> 24) & 0x1f);
    public readonly int Vlen => (int)(Info & 0xffff);
}

/// <summary><c>struct btf_var_secinfo</c>: one variable of a DATASEC.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BtfVarSecinfo
{
    public uint Type;
    public uint Offset;
    public uint Size;
}
