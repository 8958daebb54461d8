/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layout shared by cpusched.bpf.c and user space. User-space C includes
 * <linux/types.h> first; the BPF side gets the __u* types from vmlinux.h.
 */
#ifndef __CPUSCHED_H
#define __CPUSCHED_H

#include "xmonitor/xm_hist.h"

#define CPUSCHED_COMM_LEN 16

/* How run-queue latencies are grouped into histograms (targ_aggregate). */
enum cpusched_aggregate {
	CPUSCHED_AGG_SYSTEM = 0,	/* one histogram for the whole system */
	CPUSCHED_AGG_PROCESS = 1,	/* one per process (tgid) */
	CPUSCHED_AGG_CGROUP = 2,	/* one per cgroup id (see xm_cgroup_memcg_v1) */
};

/*
 * Key of the runq_hists map (value: struct xm_hist), used for
 * CPUSCHED_AGG_PROCESS and CPUSCHED_AGG_CGROUP.
 *   id: the tgid (initial pid namespace) for CPUSCHED_AGG_PROCESS, the
 *       cgroup id for CPUSCHED_AGG_CGROUP.
 * A u64 so it holds a cgroup id; the histogram unit is microseconds, or
 * nanoseconds when targ_ns is set. In runq_hists the count field stays 0
 * (one atomic add less per latency): count is the sum of the slots.
 * CPUSCHED_AGG_SYSTEM uses the per-CPU array runq_hist_system instead (key
 * 0, one struct xm_hist per CPU, count maintained), summed by the reader.
 */
struct cpusched_hist_key {
	__u64 id;
};

/* Why a cpusched_event was emitted; both bits can be set in one record. */
enum cpusched_event_flags {
	CPUSCHED_EVENT_OFFCPU = 1,	/* off CPU for >= offcpu_min_ns, any state */
	CPUSCHED_EVENT_HUNG = 2,	/* in D state (uninterruptible, not
					 * killable, not idle) for >= hung_min_ns */
};

/*
 * Ring-buffer record (map "events"), written when a task comes back on a
 * CPU after a long time off it. 48 bytes, no padding.
 *   flags:       enum cpusched_event_flags bits;
 *   pid, tgid:   thread and process id in the initial pid namespace;
 *   state:       TASK_* bits the task left the CPU with (0: preempted while
 *                runnable, 1: S, 2: D, 0x102: killable D, ...);
 *   cgroup_id:   the task's cgroup id (see xm_cgroup_memcg_v1);
 *   duration_ns: time between leaving the CPU and running again;
 *   comm:        task name, NUL-terminated.
 */
struct cpusched_event {
	__u32 flags;
	__u32 pid;
	__u32 tgid;
	__u32 state;
	__u64 cgroup_id;
	__u64 duration_ns;
	char comm[CPUSCHED_COMM_LEN];
};

#endif /* __CPUSCHED_H */
