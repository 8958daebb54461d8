// SPDX-License-Identifier: GPL-2.0
/*
 * CPU scheduling probe:
 *   - run-queue latency (wakeup or preemption -> back on a CPU) as log2
 *     histograms in the kernel, per system, process or cgroup;
 *   - off-CPU and hung (long D-state) records through a ring buffer.
 *
 * Two attach strategies share the same logic; user space loads one set
 * with bpf_program__set_autoload():
 *   handle_*_btf  tp_btf/ (BTF raw tracepoints, 5.5+ with kernel BTF):
 *                 typed arguments checked by the verifier at load;
 *   handle_*_raw  raw_tp/ (4.17+): the same arguments as plain u64s, for
 *                 kernels without BTF.
 * Both read task fields with BPF_CORE_READ so one body serves both.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "cpusched.h"
#include "xmonitor/xm_core.bpf.h"
#include "xmonitor/xm_export.bpf.h"
#include "xmonitor/xm_filter.bpf.h"
#include "xmonitor/xm_hist.bpf.h"
#include "xmonitor/xm_log.bpf.h"
#include "xmonitor/xm_maps.bpf.h"

/* Histogram unit: nanoseconds instead of microseconds. */
const volatile bool targ_ns = false;
const volatile enum cpusched_aggregate targ_aggregate = CPUSCHED_AGG_SYSTEM;
/*
 * Thresholds of the ring-buffer records. 0 turns that record off; with
 * both 0 the off-CPU bookkeeping is pruned by the verifier and only the
 * run-queue histograms cost anything.
 */
const volatile __u64 offcpu_min_ns = 1000000000ULL;
const volatile __u64 hung_min_ns = 5000000000ULL;

/* Records lost because the ring buffer was full; read by user space. */
__u64 events_dropped = 0;

/* Thread id -> when it became runnable (woken, or preempted while runnable). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} runq_start SEC(".maps");

struct offcpu_start {
	__u64 ts;
	__u32 state;
};

/*
 * Thread id -> when and in which state it left the CPU. Holds one entry per
 * sleeping thread that passes the filter, so it is sized for a busy host
 * (user space may resize it before load). A plain hash, not LRU: LRU would
 * evict the longest sleepers, which are exactly the ones reported.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, struct offcpu_start);
} offcpu_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct cpusched_hist_key);
	__type(value, struct xm_hist);
} runq_hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

XM_RINGBUF_RECORD(events, struct, cpusched_event);
XM_EXPORT_TYPE(enum, cpusched_event_flags);
XM_EXPORT_TYPE(enum, cpusched_aggregate);

/* Initial value of a new histogram (in .rodata, so not on the small BPF stack). */
static const struct xm_hist zero_hist;

static __always_inline bool offcpu_enabled(void)
{
	return offcpu_min_ns || hung_min_ns;
}

/* Like the kernel's hung task detector: D state that is neither killable nor idle. */
static __always_inline bool is_hung_state(__u32 state)
{
	return (state & XM_TASK_UNINTERRUPTIBLE) &&
	       !(state & (XM_TASK_WAKEKILL | XM_TASK_NOLOAD));
}

/* Task p became runnable: remember when. */
static __always_inline void on_wakeup(struct task_struct *p)
{
	__u32 pid = BPF_CORE_READ(p, pid);
	__u64 ts;

	/* pid 0 is every CPU's idle task; it never waits in a run queue. */
	if (!pid || !xm_filter_task(p))
		return;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&runq_start, &pid, &ts, BPF_ANY);
}

static __always_inline void record_runq_latency(struct task_struct *p, __u64 delta_ns)
{
	struct cpusched_hist_key key = {};
	struct xm_hist *hist;

	switch (targ_aggregate) {
	case CPUSCHED_AGG_PROCESS:
		key.id = BPF_CORE_READ(p, tgid);
		break;
	case CPUSCHED_AGG_CGROUP:
		key.id = xm_task_cgroup_id(p);
		break;
	default:
		break;
	}

	hist = xm_map_lookup_or_try_init(&runq_hists, &key, &zero_hist);
	if (!hist)
		return;
	xm_hist_add(hist, targ_ns ? delta_ns : delta_ns / 1000);
}

static __always_inline void emit_event(struct task_struct *p, __u32 pid, __u64 delta_ns,
				       __u32 state)
{
	struct cpusched_event *e;
	__u32 flags = 0;

	if (offcpu_min_ns && delta_ns >= offcpu_min_ns)
		flags |= CPUSCHED_EVENT_OFFCPU;
	if (hung_min_ns && delta_ns >= hung_min_ns && is_hung_state(state))
		flags |= CPUSCHED_EVENT_HUNG;
	if (!flags)
		return;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&events_dropped, 1);
		xm_log("cpusched: ring buffer full, dropped record of pid %u", pid);
		return;
	}
	e->flags = flags;
	e->pid = pid;
	e->tgid = BPF_CORE_READ(p, tgid);
	e->state = state;
	e->cgroup_id = xm_task_cgroup_id(p);
	e->duration_ns = delta_ns;
	xm_task_comm(p, e->comm);
	bpf_ringbuf_submit(e, 0);
}

/* prev leaves the CPU. */
static __always_inline void on_switch_out(bool preempt, struct task_struct *prev, __u64 now)
{
	__u32 pid = BPF_CORE_READ(prev, pid);
	struct offcpu_start start;
	__u32 state;

	if (!pid)
		return;
	/*
	 * A preempted task stays runnable even if it had already set a sleep
	 * state (preempted between set_current_state() and schedule()); the
	 * scheduler keeps it queued, so treat it as running, as the
	 * sched_switch tracepoint's prev_state does.
	 */
	state = preempt ? XM_TASK_RUNNING : xm_task_state(prev);
	/* An exiting task never runs again: an entry for it would never be freed. */
	if (state & XM_TASK_DEAD)
		return;
	if (!xm_filter_task(prev))
		return;

	/* Preempted while runnable: it waits in the run queue from now on. */
	if (state == XM_TASK_RUNNING)
		bpf_map_update_elem(&runq_start, &pid, &now, BPF_ANY);

	if (offcpu_enabled()) {
		start.ts = now;
		start.state = state;
		bpf_map_update_elem(&offcpu_start, &pid, &start, BPF_ANY);
	}
}

/*
 * next gets the CPU. Only filtered tasks have entries in runq_start and
 * offcpu_start, so the filter is not evaluated again here.
 *
 * Hung-task limitation: a D-state sleep is measured when the task runs
 * again, so a task that stays in D state forever (the case the kernel's
 * hung task detector exists for) is never reported by this path. User
 * space can find those by scanning offcpu_start for old D-state entries.
 */
static __always_inline void on_switch_in(struct task_struct *next, __u64 now)
{
	__u32 pid = BPF_CORE_READ(next, pid);
	struct offcpu_start *start;
	__u64 *tsp, delta;
	__u32 state;

	if (!pid)
		return;

	tsp = bpf_map_lookup_elem(&runq_start, &pid);
	if (tsp) {
		delta = now - *tsp;
		bpf_map_delete_elem(&runq_start, &pid);
		record_runq_latency(next, delta);
	}

	if (!offcpu_enabled())
		return;
	start = bpf_map_lookup_elem(&offcpu_start, &pid);
	if (!start)
		return;
	delta = now - start->ts;
	state = start->state;
	bpf_map_delete_elem(&offcpu_start, &pid);
	emit_event(next, pid, delta, state);
}

static __always_inline void on_switch(bool preempt, struct task_struct *prev,
				      struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();

	on_switch_out(preempt, prev, now);
	on_switch_in(next, now);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(handle_sched_wakeup_btf, struct task_struct *p)
{
	on_wakeup(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(handle_sched_wakeup_new_btf, struct task_struct *p)
{
	on_wakeup(p);
	return 0;
}

/* 5.18+ appends prev_state; the state is read from prev instead so older kernels work too. */
SEC("tp_btf/sched_switch")
int BPF_PROG(handle_sched_switch_btf, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	on_switch(preempt, prev, next);
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(handle_sched_wakeup_raw, struct task_struct *p)
{
	on_wakeup(p);
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(handle_sched_wakeup_new_raw, struct task_struct *p)
{
	on_wakeup(p);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(handle_sched_switch_raw, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	on_switch(preempt, prev, next);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
