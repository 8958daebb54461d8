/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Marking user-visible types so the C# generator can find them in BTF.
 *
 * clang writes a type into the object's BTF only when something that is
 * emitted refers to it. A ring-buffer record is usually reached only
 * through the void * that bpf_ringbuf_reserve() returns, so its struct can
 * be missing from BTF, and enums used only as constants always are.
 *
 * Convention: for every record, key or enum that user space must decode,
 * the probe writes
 *
 *     XM_EXPORT_TYPE(struct, cpusched_offcpu_event);
 *     XM_EXPORT_TYPE(enum, cpusched_aggregate);
 *
 * which declares a pointer variable `__xm_export_<tag>` of type
 * `const <kind> <tag> *` in the ELF section ".xm_export". The generator
 * lists the VARs of BTF DATASEC ".xm_export", strips the `__xm_export_`
 * prefix and follows VAR -> PTR -> CONST -> STRUCT/UNION/ENUM to the type.
 *
 * A ring buffer's record type is declared the same way, naming the map, so
 * the generator can give that map a typed reader:
 *
 *     XM_RINGBUF_RECORD(events, struct, cpusched_event);
 *
 * declares `__xm_ringbuf_<map>` of type `const <kind> <tag> *`.
 *
 * Why a section of its own: libbpf makes maps only from .data*, .rodata*,
 * .bss and .maps; it skips any other data section ("skipping unrecognized
 * data section"), so the markers cost no map, no memory in the kernel and
 * do not show up among the object's configuration globals (.rodata).
 * Checked with libbpf 1.1: the object loads and the DATASEC is kept in BTF.
 */
#ifndef __XM_EXPORT_BPF_H
#define __XM_EXPORT_BPF_H

#include <bpf/bpf_helpers.h>

#define XM_EXPORT_TYPE(kind, tag) \
	const kind tag *__xm_export_##tag SEC(".xm_export") __attribute__((unused))

#define XM_RINGBUF_RECORD(map, kind, tag) \
	const kind tag *__xm_ringbuf_##map SEC(".xm_export") __attribute__((unused))

#endif /* __XM_EXPORT_BPF_H */
