/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layout shared by oomkill.bpf.c and user space. User-space C includes
 * <linux/types.h> first; the BPF side gets the __u* types from vmlinux.h.
 */
#ifndef __OOMKILL_H
#define __OOMKILL_H

#define OOMKILL_COMM_LEN 16
#define OOMKILL_CGROUP_NAME_LEN 64
#define OOMKILL_MESSAGE_LEN 48

/* What limited the allocation that ran out of memory (the kernel's enum oom_constraint). */
enum oomkill_constraint {
	OOMKILL_CONSTRAINT_UNKNOWN = 0,
	OOMKILL_CONSTRAINT_GLOBAL = 1,		/* the whole machine (CONSTRAINT_NONE) */
	OOMKILL_CONSTRAINT_CPUSET = 2,
	OOMKILL_CONSTRAINT_MEMORY_POLICY = 3,
	OOMKILL_CONSTRAINT_MEMCG = 4,		/* a memory cgroup's limit */
};

/* Which parts of an oomkill_event are filled, and how. */
enum oomkill_event_flags {
	/* Victim facts read from its task_struct (tp_btf, or kprobe/fentry). */
	OOMKILL_F_VICTIM_TASK = 1,
	/* points, totalpages, constraint, message and oom_memcg_* read from the
	 * kernel's struct oom_control in oom_kill_process() (kprobe/fentry). */
	OOMKILL_F_OOM_CONTROL = 2,
	/* constraint inferred, not read: a memory cgroup on the victim's path to
	 * the root was within memcg_full_slack_pages of its limit -> MEMCG (that
	 * cgroup is oom_memcg_*), none was -> GLOBAL (a cpuset or mempolicy OOM
	 * also shows as GLOBAL then). */
	OOMKILL_F_CONSTRAINT_INFERRED = 4,
	/* Victim facts from the tracepoint record only (tp/ strategy): no tgid,
	 * no cgroup. */
	OOMKILL_F_TRACEPOINT_RECORD = 8,
};

/*
 * Ring-buffer record (map "events"): one per OOM victim (oom:mark_victim).
 * 280 bytes, no padding. Sizes in bytes, ids in the initial namespaces.
 *   ts_ns:             bpf_ktime_get_ns() at mark_victim;
 *   pid, tgid:         the victim thread and process;
 *   uid:               the victim's real uid;
 *   oom_score_adj:     the victim's oom_score_adj (-1000..1000);
 *   trigger_pid/tgid:  the task whose allocation ran out of memory (current
 *                      at mark_victim; a kworker for sysrq-f);
 *   flags:             enum oomkill_event_flags;
 *   constraint:        enum oomkill_constraint;
 *   points:            the victim's oom_badness() score, -1 if unknown
 *                      (only from oom_control);
 *   totalpages:        the pages the badness is relative to (RAM + swap, or
 *                      the memcg limit), 0 if unknown;
 *   memcg_id:          id of the victim's memory cgroup (the cgroup directory's
 *                      inode number, v1 or v2 hierarchy of the memory
 *                      controller), 0 if unknown;
 *   oom_memcg_id:      the memory cgroup whose limit was hit (the victim's own
 *                      or an ancestor), 0 for a global OOM or if unknown;
 *   oom_memcg_limit:   its limit (memory.max / memory.limit_in_bytes), 0 if
 *                      unknown or unlimited;
 *   oom_memcg_usage:   its usage at the kill;
 *   total_vm ... pgtables: the victim's address space, RSS by kind, swap
 *                      entries, page tables (as /proc/PID/status; the RSS
 *                      counters are the kernel's approximate per-CPU ones,
 *                      the same the tracepoint prints);
 *   comm, trigger_comm: task names, NUL-terminated;
 *   memcg_name:        last path component of the victim's memory cgroup;
 *                      user space resolves the full path from memcg_id;
 *   message:           oom_kill_process()'s message ("Memory cgroup out of
 *                      memory", "Out of memory", ...), empty if unknown.
 */
struct oomkill_event {
	__u64 ts_ns;
	__u32 pid;
	__u32 tgid;
	__u32 uid;
	__s32 oom_score_adj;
	__u32 trigger_pid;
	__u32 trigger_tgid;
	__u32 flags;
	__u32 constraint;
	__s64 points;
	__u64 totalpages;
	__u64 memcg_id;
	__u64 oom_memcg_id;
	__u64 oom_memcg_limit;
	__u64 oom_memcg_usage;
	__u64 total_vm;
	__u64 anon_rss;
	__u64 file_rss;
	__u64 shmem_rss;
	__u64 swap;
	__u64 pgtables;
	char comm[OOMKILL_COMM_LEN];
	char trigger_comm[OOMKILL_COMM_LEN];
	char memcg_name[OOMKILL_CGROUP_NAME_LEN];
	char message[OOMKILL_MESSAGE_LEN];
};

#endif /* __OOMKILL_H */
