/* SPDX-License-Identifier: GPL-2.0 */
/* Process filter kinds, shared by the kernel probes and user space. */
#ifndef __XM_FILTER_H
#define __XM_FILTER_H

/*
 * What xm_filter_value is compared with. Every value is as seen from the
 * initial namespaces (the monitoring agent's view), never a container's.
 */
enum xm_filter_kind {
	XM_FILTER_ALL = 0,	/* record every task; xm_filter_value unused */
	XM_FILTER_PIDNS = 1,	/* pid namespace inode: N in `readlink /proc/PID/ns/pid` = pid:[N] */
	XM_FILTER_CGROUP = 2,	/* cgroup id = inode of the cgroup directory (`stat -c %i DIR`);
				 * v2 or v1 memory hierarchy per xm_cgroup_memcg_v1; exact match,
				 * descendant cgroups do not match */
	XM_FILTER_PID = 3,	/* process id (tgid): all threads of that process */
	XM_FILTER_PGID = 4,	/* process group id */
};

#endif /* __XM_FILTER_H */
