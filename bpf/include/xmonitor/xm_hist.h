/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Log2 histogram layout shared by the kernel probes and user space.
 * Kept free of BPF-only includes so a user-space C loader can include it.
 */
#ifndef __XM_HIST_H
#define __XM_HIST_H

/*
 * Number of log2 slots. Slot 0 counts values 0 and 1, slot i (i >= 1)
 * counts values in [2^i, 2^(i+1)); values of 2^(XM_MAX_SLOTS-1) and more are
 * clamped into the last slot. 32 slots reach ~36 min in microseconds and
 * ~2.1 s in nanoseconds before clamping.
 */
#define XM_MAX_SLOTS 32

/*
 * One histogram: the value of a histogram map entry.
 *   slots: event counts per log2 slot (see XM_MAX_SLOTS for the bounds);
 *   sum:   sum of all recorded values, in the histogram's unit, so user space
 *          can export an exact Prometheus _sum rather than estimate it
 *          from the buckets;
 *   count: number of recorded values (equals the sum of slots).
 * The unit (ns or us) is chosen by the probe, not stored here.
 * u64 counters: an exporter runs for months, u32 slots could wrap.
 */
struct xm_hist {
	__u64 slots[XM_MAX_SLOTS];
	__u64 sum;
	__u64 count;
};

#endif /* __XM_HIST_H */
