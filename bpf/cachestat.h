/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layout shared by cachestat.bpf.c and user space. User-space C includes
 * <linux/types.h> first; the BPF side gets the __u* types from vmlinux.h.
 */
#ifndef __CACHESTAT_H
#define __CACHESTAT_H

#define CACHESTAT_COMM_LEN 16

/*
 * Page cache event counters. What one unit is depends on the strategy
 * user space attached (see cachestat.bpf.c):
 *   fentry / kprobe: one function call, i.e. one page on page-based kernels
 *                    and one folio (1..512 pages) on folio kernels, as in
 *                    BCC's cachestat;
 *   tracepoint:      pages.
 *
 *   accessed:       page cache lookups by readers;
 *   added:          pages inserted into the page cache (read misses, and
 *                   new pages created by writes);
 *   dirtied:        pages dirtied by writes;
 *   buffer_dirtied: mark_buffer_dirty() calls (fentry / kprobe only: those
 *                   writes also count as accesses there, so they are
 *                   subtracted from accesses; always 0 with tracepoints,
 *                   whose accesses are read-side only);
 *   fault_around:   tracepoint only: pages in fault-around windows
 *                   (mm_filemap_map_pages), an upper bound of the cached
 *                   pages mapped into a process without a page fault; not
 *                   part of the formula below.
 *
 * Derived as BCC's cachestat does, each clamped at 0:
 *   total  = accessed - buffer_dirtied
 *   misses = added - dirtied
 *   hits   = total - misses
 * Counters only grow; user space derives rates from deltas.
 */
struct cachestat_counters {
	__u64 accessed;
	__u64 added;
	__u64 dirtied;
	__u64 buffer_dirtied;
	__u64 fault_around;
};

/*
 * Value of the per-process map "proc_stats", keyed by __u32 tgid (initial
 * pid namespace). comm is the process (thread group leader) name at the
 * last event. Entries of exited processes stay until user space
 * deletes them.
 */
struct cachestat_value {
	struct cachestat_counters counters;
	char comm[CACHESTAT_COMM_LEN];
};

#endif /* __CACHESTAT_H */
