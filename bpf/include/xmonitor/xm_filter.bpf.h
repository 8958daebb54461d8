/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The process filter, evaluated in the kernel so that filtered-out tasks
 * cost no map update and no ring-buffer record. Configured before load:
 *
 *     xm_filter_kind  = XM_FILTER_CGROUP;
 *     xm_filter_value = 12345;
 *
 * Both are .rodata, so the verifier prunes the branches of the kinds not
 * chosen and XM_FILTER_ALL costs nothing.
 */
#ifndef __XM_FILTER_BPF_H
#define __XM_FILTER_BPF_H

#include "xm_core.bpf.h"
#include "xm_export.bpf.h"
#include "xm_filter.h"

const volatile enum xm_filter_kind xm_filter_kind = XM_FILTER_ALL;
const volatile __u64 xm_filter_value = 0;

XM_EXPORT_TYPE(enum, xm_filter_kind);

/* True when events of task should be recorded. */
static __always_inline bool xm_filter_task(struct task_struct *task)
{
	switch (xm_filter_kind) {
	case XM_FILTER_ALL:
		return true;
	case XM_FILTER_PIDNS:
		return xm_task_pidns_ino(task) == xm_filter_value;
	case XM_FILTER_CGROUP:
		return xm_task_cgroup_id(task) == xm_filter_value;
	case XM_FILTER_PID:
		return (__u32)BPF_CORE_READ(task, tgid) == xm_filter_value;
	case XM_FILTER_PGID:
		return (__u32)xm_task_pgid(task) == xm_filter_value;
	default:
		return false;
	}
}

#endif /* __XM_FILTER_BPF_H */
