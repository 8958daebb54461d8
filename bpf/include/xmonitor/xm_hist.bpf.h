/* SPDX-License-Identifier: GPL-2.0 */
/* Log2 histogram math for XMonitor.Bpf probes; layout in xm_hist.h. */
#ifndef __XM_HIST_BPF_H
#define __XM_HIST_BPF_H

#include <bpf/bpf_helpers.h>
#include "xm_hist.h"

/*
 * floor(log2(v)) for v > 0 (0 for v == 0) without loops, so the verifier
 * sees a fixed instruction count: binary search on the highest set bit.
 */
static __always_inline __u32 xm_log2(__u32 v)
{
	__u32 r, shift;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 xm_log2l(__u64 v)
{
	__u32 hi = v >> 32;

	if (hi)
		return xm_log2(hi) + 32;
	return xm_log2(v);
}

/*
 * The slot as a 64-bit value, clamped in place: indexing with it needs no zero extension, so
 * the bound the verifier learns from the comparison is on the register that indexes. With a
 * 32-bit slot, clang compares a zero-extended copy and indexes with the original, and verifiers
 * before 6.x (Debian 12's 6.1) do not carry the bound across: "unbounded memory access".
 */
static __always_inline __u64 xm_hist_slot(__u64 v)
{
	__u64 slot = xm_log2l(v);

	if (slot >= XM_MAX_SLOTS)
		slot = XM_MAX_SLOTS - 1;
	return slot;
}

/*
 * Adds v to a histogram that lives in a map value. Atomic adds because the
 * same entry (for example the system-wide key) is updated from every CPU.
 */
static __always_inline void xm_hist_add(struct xm_hist *h, __u64 v)
{
	__sync_fetch_and_add(&h->slots[xm_hist_slot(v)], 1);
	__sync_fetch_and_add(&h->sum, v);
	__sync_fetch_and_add(&h->count, 1);
}

#endif /* __XM_HIST_BPF_H */
