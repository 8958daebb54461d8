/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CO-RE reads of task_struct facts that changed layout across kernels.
 * Include after vmlinux.h. Every helper accepts any task pointer (a BTF
 * argument of tp_btf, a raw_tp argument or bpf_get_current_task()) because
 * it reads through BPF_CORE_READ (bpf_probe_read_kernel).
 */
#ifndef __XM_CORE_BPF_H
#define __XM_CORE_BPF_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define XM_TASK_COMM_LEN 16

/*
 * The kernel's TASK_* state bits (include/linux/sched.h). Not a formal
 * ABI, but these values have not changed since 4.14.
 */
#define XM_TASK_RUNNING		0x0000
#define XM_TASK_INTERRUPTIBLE	0x0001
#define XM_TASK_UNINTERRUPTIBLE	0x0002
#define XM_TASK_DEAD		0x0080
#define XM_TASK_WAKEKILL	0x0100
#define XM_TASK_NOLOAD		0x0400

/*
 * Which cgroup "the cgroup id" means in this object. false: the cgroup v2
 * (unified) hierarchy. true: the v1 memory controller's hierarchy, for
 * hosts where containers live in v1 (on a v1-only host every task's v2
 * cgroup is the root, so v2 ids say nothing). Set before load.
 */
const volatile bool xm_cgroup_memcg_v1 = false;

/* Before 5.14 the state field was `volatile long state`. */
struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

/* Before 5.5 kernfs_node::id was this union; its u64 member is the id. */
union kernfs_node_id___old {
	struct {
		__u32 ino;
		__u32 generation;
	};
	__u64 id;
} __attribute__((preserve_access_index));

struct kernfs_node___old {
	union kernfs_node_id___old id;
} __attribute__((preserve_access_index));

/* p->__state (5.14+) or p->state, as the TASK_* bits. */
static __always_inline unsigned int xm_task_state(struct task_struct *task)
{
	struct task_struct___old *old = (void *)task;

	if (bpf_core_field_exists(task->__state))
		return BPF_CORE_READ(task, __state);
	return BPF_CORE_READ(old, state);
}

/* The upid of pid at its own (deepest) level: the view from the namespace the task lives in. */
static __always_inline struct upid xm_pid_upid(struct pid *pid)
{
	struct upid up = {};
	unsigned int level = BPF_CORE_READ(pid, level);

	/* numbers[] is indexed at run time, so only its offset is relocated. */
	bpf_core_read(&up, sizeof(up), (void *)pid + bpf_core_field_offset(pid->numbers) +
					   level * sizeof(struct upid));
	return up;
}

/* Thread id as seen inside the task's own pid namespace (gettid() in a container). */
static __always_inline pid_t xm_task_ns_pid(struct task_struct *task)
{
	return xm_pid_upid(BPF_CORE_READ(task, thread_pid)).nr;
}

/* Process id as seen inside the task's own pid namespace (getpid() in a container). */
static __always_inline pid_t xm_task_ns_tgid(struct task_struct *task)
{
	return xm_pid_upid(BPF_CORE_READ(task, group_leader, thread_pid)).nr;
}

/* Inode number of the task's pid namespace, as in `readlink /proc/PID/ns/pid`. */
static __always_inline __u32 xm_task_pidns_ino(struct task_struct *task)
{
	struct pid_namespace *ns = xm_pid_upid(BPF_CORE_READ(task, thread_pid)).ns;

	return BPF_CORE_READ(ns, ns.inum);
}

/* Process group id in the initial pid namespace (signal->pids exists since 4.19). */
static __always_inline pid_t xm_task_pgid(struct task_struct *task)
{
	return BPF_CORE_READ(task, signal, pids[PIDTYPE_PGID], numbers[0].nr);
}

/* A cgroup's id: its kernfs node id, which is the inode number of its directory. */
static __always_inline __u64 xm_kernfs_node_id(struct kernfs_node *kn)
{
	struct kernfs_node___old *old = (void *)kn;

	if (bpf_core_type_exists(union kernfs_node_id___old))
		return BPF_CORE_READ(old, id.id);
	return BPF_CORE_READ(kn, id);
}

/* Id of the task's cgroup v2 cgroup (what bpf_get_current_cgroup_id() returns for current). */
static __always_inline __u64 xm_task_cgroup_v2_id(struct task_struct *task)
{
	return xm_kernfs_node_id(BPF_CORE_READ(task, cgroups, dfl_cgrp, kn));
}

/* Id of the task's cgroup in the v1 memory controller; 0 without CONFIG_MEMCG. */
static __always_inline __u64 xm_task_memcg_v1_id(struct task_struct *task)
{
	struct cgroup_subsys_state *css;
	int memcg;

	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		return 0;
	/* The controller's index depends on the kernel config: relocate it. */
	memcg = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	css = BPF_CORE_READ(task, cgroups, subsys[memcg]);
	return xm_kernfs_node_id(BPF_CORE_READ(css, cgroup, kn));
}

/* The cgroup id this object works with; see xm_cgroup_memcg_v1. */
static __always_inline __u64 xm_task_cgroup_id(struct task_struct *task)
{
	if (xm_cgroup_memcg_v1)
		return xm_task_memcg_v1_id(task);
	return xm_task_cgroup_v2_id(task);
}

/* Copies the task's comm (NUL-terminated, XM_TASK_COMM_LEN bytes). */
static __always_inline void xm_task_comm(struct task_struct *task, char *comm)
{
	bpf_core_read_str(comm, XM_TASK_COMM_LEN, &task->comm);
}

#endif /* __XM_CORE_BPF_H */
