// SPDX-License-Identifier: GPL-2.0
/*
 * OOM kill probe: one ring-buffer record per OOM victim, with what the
 * victim held, the memory cgroup it was in, what ran out (constraint) and
 * the task that triggered it (see oomkill.h), plus a count of kills per
 * memory cgroup.
 *
 * The record is written at oom:mark_victim, which fires once per victim
 * (oom_kill_process() and the "current is exiting anyway" shortcut of
 * out_of_memory()), in the context of the task whose allocation failed.
 *
 * Attach strategies (user space picks with bpf_program__set_autoload()):
 *   tp_btf_mark_victim  tp_btf/mark_victim: 6.8+ pass the victim's
 *                       task_struct, so every victim field is read from it
 *                       with CO-RE. Older kernels pass only the pid (the
 *                       verifier rejects this program there).
 *   tp_mark_victim      tp/oom/mark_victim: the tracepoint record (pid; on
 *                       6.8+ also comm, total_vm, RSS, uid, page tables,
 *                       oom_score_adj); no tgid, no cgroup of the victim,
 *                       unless the victim is the current task (it ran out
 *                       of memory itself), whose task_struct is read then.
 *   kprobe_oom_kill_process / fentry_oom_kill_process: with either of the
 *                       above, read struct oom_control in oom_kill_process()
 *                       just before the kill: the badness points, the
 *                       constraint, the OOM memory cgroup and the message.
 *                       With them on a pre-6.8 kernel the victim task comes
 *                       from oc->chosen, so tp_mark_victim then gets every
 *                       field too.
 * Without oom_control (no kprobes, no fentry: this machine) the constraint
 * is inferred from the memory cgroups' page counters; see
 * OOMKILL_F_CONSTRAINT_INFERRED.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "oomkill.h"
#include "xmonitor/xm_core.bpf.h"
#include "xmonitor/xm_export.bpf.h"
#include "xmonitor/xm_log.bpf.h"
#include "xmonitor/xm_maps.bpf.h"

/* log2 of the page size; user space sets it from sysconf(_SC_PAGESIZE) on non-4K kernels. */
const volatile __u32 page_shift = 12;
/*
 * Inference of a memcg OOM: a memory cgroup counts as full when its usage
 * is within this many pages of its limit. A charge that fails asks for up
 * to MEMCG_CHARGE_BATCH (64) pages, or 512 for a huge page.
 */
const volatile __u64 memcg_full_slack_pages = 512;

/* Records lost because the ring buffer was full; read by user space. */
__u64 events_dropped = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

/* Victim's memory cgroup id -> OOM kills (0: unknown cgroup). Entries stay until user space deletes them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} kills_per_memcg SEC(".maps");

/* What oom_kill_process() knew, kept from its entry until mark_victim in the same thread. */
struct oom_info {
	struct task_struct *chosen;
	__s64 points;
	__u64 totalpages;
	__u32 constraint;
	__u32 pad;
	__u64 oom_memcg_id;
	__u64 oom_memcg_limit;
	__u64 oom_memcg_usage;
	char message[OOMKILL_MESSAGE_LEN];
};

/*
 * Thread id of the OOM-killing task -> its oom_control facts. LRU: an entry
 * whose victim had no mm left (no mark_victim follows) is never deleted.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct oom_info);
} oom_infos SEC(".maps");

XM_RINGBUF_RECORD(events, struct, oomkill_event);
XM_EXPORT_TYPE(enum, oomkill_constraint);
XM_EXPORT_TYPE(enum, oomkill_event_flags);

/* Before 6.2 the RSS counters were atomics in struct mm_rss_stat. */
struct mm_rss_stat___old {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));

struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));

/* mm counter member (MM_FILEPAGES, ...), in pages, clamped at 0 like get_mm_counter(). */
static __always_inline __u64 mm_counter(struct mm_struct *mm, int member)
{
	struct mm_struct___old *old = (void *)mm;
	long v;

	if (bpf_core_type_exists(struct mm_rss_stat___old))
		v = BPF_CORE_READ(old, rss_stat.count[member].counter);
	else
		v = BPF_CORE_READ(mm, rss_stat[member].count);
	return v > 0 ? v : 0;
}

static __always_inline __u32 oom_constraint(__u32 kernel_value)
{
	if (kernel_value == bpf_core_enum_value(enum oom_constraint, CONSTRAINT_NONE))
		return OOMKILL_CONSTRAINT_GLOBAL;
	if (kernel_value == bpf_core_enum_value(enum oom_constraint, CONSTRAINT_CPUSET))
		return OOMKILL_CONSTRAINT_CPUSET;
	if (kernel_value == bpf_core_enum_value(enum oom_constraint, CONSTRAINT_MEMORY_POLICY))
		return OOMKILL_CONSTRAINT_MEMORY_POLICY;
	if (kernel_value == bpf_core_enum_value(enum oom_constraint, CONSTRAINT_MEMCG))
		return OOMKILL_CONSTRAINT_MEMCG;
	return OOMKILL_CONSTRAINT_UNKNOWN;
}

static __always_inline struct mem_cgroup *css_memcg(struct cgroup_subsys_state *css)
{
	if (!css)
		return NULL;
	return (void *)css - bpf_core_field_offset(struct mem_cgroup, css);
}

/* The task's memory cgroup, NULL without CONFIG_MEMCG. */
static __always_inline struct mem_cgroup *task_memcg(struct task_struct *task)
{
	int id;

	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		return NULL;
	id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	return css_memcg(BPF_CORE_READ(task, cgroups, subsys[id]));
}

static __always_inline __u64 memcg_id(struct mem_cgroup *memcg)
{
	return xm_kernfs_node_id(BPF_CORE_READ(memcg, css.cgroup, kn));
}

/* The memcg's limit in pages; 0 when unlimited (PAGE_COUNTER_MAX = LONG_MAX / PAGE_SIZE). */
static __always_inline __u64 memcg_limit_pages(struct mem_cgroup *memcg)
{
	__u64 max = BPF_CORE_READ(memcg, memory.max);

	return max >= (0x7fffffffffffffffULL >> page_shift) ? 0 : max;
}

static __always_inline __u64 memcg_usage_pages(struct mem_cgroup *memcg)
{
	return BPF_CORE_READ(memcg, memory.usage.counter);
}

/* Levels of memory cgroups the constraint inference looks at, from the victim's upwards. */
#define MEMCG_WALK_DEPTH 8

/*
 * No oom_control: guess the constraint from the page counters. The first
 * memory cgroup on the way up with usage + slack >= limit is taken as the
 * one that ran out.
 */
static __always_inline void infer_constraint(struct oomkill_event *e, struct mem_cgroup *memcg)
{
	__u64 limit, usage;
	int i;

	e->flags |= OOMKILL_F_CONSTRAINT_INFERRED;
	e->constraint = OOMKILL_CONSTRAINT_GLOBAL;
	for (i = 0; i < MEMCG_WALK_DEPTH; i++) {
		if (!memcg)
			return;
		limit = memcg_limit_pages(memcg);
		usage = memcg_usage_pages(memcg);
		if (limit && usage + memcg_full_slack_pages >= limit) {
			e->constraint = OOMKILL_CONSTRAINT_MEMCG;
			e->oom_memcg_id = memcg_id(memcg);
			e->oom_memcg_limit = limit << page_shift;
			e->oom_memcg_usage = usage << page_shift;
			return;
		}
		memcg = css_memcg(BPF_CORE_READ(memcg, css.parent));
	}
}

/* Fills the victim's facts from its task_struct. */
static __always_inline void fill_from_task(struct oomkill_event *e, struct task_struct *task)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	struct mem_cgroup *memcg;
	const char *name;

	e->flags |= OOMKILL_F_VICTIM_TASK;
	e->pid = BPF_CORE_READ(task, pid);
	e->tgid = BPF_CORE_READ(task, tgid);
	e->uid = BPF_CORE_READ(task, real_cred, uid.val);
	e->oom_score_adj = BPF_CORE_READ(task, signal, oom_score_adj);
	xm_task_comm(task, e->comm);
	if (mm) {
		e->total_vm = BPF_CORE_READ(mm, total_vm) << page_shift;
		e->file_rss = mm_counter(mm, MM_FILEPAGES) << page_shift;
		e->anon_rss = mm_counter(mm, MM_ANONPAGES) << page_shift;
		e->swap = mm_counter(mm, MM_SWAPENTS) << page_shift;
		e->shmem_rss = mm_counter(mm, MM_SHMEMPAGES) << page_shift;
		e->pgtables = BPF_CORE_READ(mm, pgtables_bytes.counter);
	}
	memcg = task_memcg(task);
	if (!memcg)
		return;
	e->memcg_id = memcg_id(memcg);
	name = BPF_CORE_READ(memcg, css.cgroup, kn, name);
	bpf_probe_read_kernel_str(e->memcg_name, sizeof(e->memcg_name), name);
	if (!(e->flags & OOMKILL_F_OOM_CONTROL))
		infer_constraint(e, memcg);
}

/* Reserves a record and fills the trigger (current) and, if oom_kill_process() was seen, oom_control. */
static __always_inline struct oomkill_event *start_event(struct oom_info **infop)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct oomkill_event *e;
	struct oom_info *info;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&events_dropped, 1);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->trigger_pid = tid;
	e->trigger_tgid = id >> 32;
	xm_task_comm(cur, e->trigger_comm);
	e->points = -1;

	info = bpf_map_lookup_elem(&oom_infos, &tid);
	*infop = info;
	if (!info)
		return e;
	e->flags |= OOMKILL_F_OOM_CONTROL;
	e->points = info->points;
	e->totalpages = info->totalpages;
	e->constraint = info->constraint;
	e->oom_memcg_id = info->oom_memcg_id;
	e->oom_memcg_limit = info->oom_memcg_limit;
	e->oom_memcg_usage = info->oom_memcg_usage;
	__builtin_memcpy(e->message, info->message, sizeof(e->message));
	return e;
}

static __always_inline void finish_event(struct oomkill_event *e)
{
	static const __u64 zero;
	__u64 key = e->memcg_id, *count;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	count = xm_map_lookup_or_try_init(&kills_per_memcg, &key, &zero);
	if (count)
		__sync_fetch_and_add(count, 1);
	xm_log("oomkill: victim %u (%s) memcg %llu", e->pid, e->comm, e->memcg_id);
	bpf_ringbuf_submit(e, 0);
	bpf_map_delete_elem(&oom_infos, &tid);
}

/* ---- strategy tp_btf: the victim's task_struct (6.8+) ---- */

SEC("tp_btf/mark_victim")
int BPF_PROG(tp_btf_mark_victim, struct task_struct *task)
{
	struct oomkill_event *e;
	struct oom_info *info;

	e = start_event(&info);
	if (!e)
		return 0;
	/* The uid argument (6.9+) is not named: it is the task's real uid, read in either case. */
	fill_from_task(e, task);
	finish_event(e);
	return 0;
}

/* ---- strategy tp: the tracepoint record ---- */

SEC("tp/oom/mark_victim")
int tp_mark_victim(struct trace_event_raw_mark_victim *ctx)
{
	struct oomkill_event *e;
	struct oom_info *info;
	struct task_struct *chosen;
	__u32 loc, pid;

	e = start_event(&info);
	if (!e)
		return 0;
	pid = BPF_CORE_READ(ctx, pid);
	/* oom_kill_process() was seen: its chosen task is the victim (pre-6.8 records have only the pid). */
	chosen = info ? info->chosen : NULL;
	if (chosen && BPF_CORE_READ(chosen, pid) == pid) {
		fill_from_task(e, chosen);
		finish_event(e);
		return 0;
	}
	/* The victim is the allocating task itself (common in a memcg OOM of one process). */
	if (pid == e->trigger_pid) {
		fill_from_task(e, (struct task_struct *)bpf_get_current_task());
		finish_event(e);
		return 0;
	}
	e->flags |= OOMKILL_F_TRACEPOINT_RECORD;
	e->pid = pid;
	e->oom_score_adj = 0;
	if (bpf_core_field_exists(ctx->total_vm)) {
		/* The record's sizes are in kB. */
		e->total_vm = BPF_CORE_READ(ctx, total_vm) << 10;
		e->anon_rss = BPF_CORE_READ(ctx, anon_rss) << 10;
		e->file_rss = BPF_CORE_READ(ctx, file_rss) << 10;
		e->shmem_rss = BPF_CORE_READ(ctx, shmem_rss) << 10;
		e->pgtables = BPF_CORE_READ(ctx, pgtables) << 10;
		e->uid = BPF_CORE_READ(ctx, uid);
		e->oom_score_adj = BPF_CORE_READ(ctx, oom_score_adj);
		/* __data_loc: offset from the record start in the low 16 bits. */
		loc = BPF_CORE_READ(ctx, __data_loc_comm);
		bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), (void *)ctx + (loc & 0xffff));
	}
	finish_event(e);
	return 0;
}

/* ---- strategies kprobe and fentry: struct oom_control in oom_kill_process() ---- */

static __always_inline void save_oom_control(struct oom_control *oc, const char *message)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mem_cgroup *memcg;
	struct oom_info info = {};

	info.chosen = BPF_CORE_READ(oc, chosen);
	info.points = BPF_CORE_READ(oc, chosen_points);
	info.totalpages = BPF_CORE_READ(oc, totalpages);
	info.constraint = oom_constraint(BPF_CORE_READ(oc, constraint));
	memcg = BPF_CORE_READ(oc, memcg);
	if (memcg) {
		info.oom_memcg_id = memcg_id(memcg);
		info.oom_memcg_limit = memcg_limit_pages(memcg) << page_shift;
		info.oom_memcg_usage = memcg_usage_pages(memcg) << page_shift;
	}
	bpf_probe_read_kernel_str(info.message, sizeof(info.message), message);
	bpf_map_update_elem(&oom_infos, &tid, &info, BPF_ANY);
}

SEC("kprobe/oom_kill_process")
int BPF_KPROBE(kprobe_oom_kill_process, struct oom_control *oc, const char *message)
{
	save_oom_control(oc, message);
	return 0;
}

SEC("fentry/oom_kill_process")
int BPF_PROG(fentry_oom_kill_process, struct oom_control *oc, const char *message)
{
	save_oom_control(oc, message);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
