// SPDX-License-Identifier: GPL-2.0
/*
 * CPU scheduling probe:
 *   - run-queue latency (wakeup or preemption -> back on a CPU) as log2
 *     histograms in the kernel, per system, process or cgroup;
 *   - off-CPU and hung (long D-state) records through a ring buffer.
 *
 * Two attach strategies share the same logic; user space loads one set
 * with bpf_program__set_autoload():
 *   handle_*_btf  tp_btf/ (BTF raw tracepoints, with task-local storage,
 *                 5.11+): typed task pointers, so task fields are direct
 *                 loads and per-thread timestamps live in task storage
 *                 (no hashing, no map element allocation, freed with the
 *                 task);
 *   handle_*_raw  raw_tp/ (4.17+): the same arguments as plain u64s, so
 *                 task fields are read with BPF_CORE_READ and timestamps
 *                 kept in hash maps keyed by thread id.
 * Each body is written once with a compile-time `btf` flag; the compiler
 * drops the other strategy's code from each program.
 *
 * Kernel-side cost is the point of most choices here (measured with
 * benchmarks/cpusched-cost.sh against BCC's runqlat): the system-wide
 * histogram is a per-CPU array (plain adds, no atomics, summed by user
 * space), filter and off-CPU branches depend on .rodata constants that
 * the verifier prunes, and the off-CPU path only stores a timestamp at
 * switch-out.
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
/*
 * Start timestamps that could not be stored (task storage or hash element
 * not available), each a latency or off-CPU record that will be missing;
 * read by user space, which reports it.
 */
__u64 starts_lost = 0;
/*
 * Off-CPU intervals whose end was not seen: a sleeping thread left the CPU
 * again without its wakeup's switch-in having run this program (seen about
 * once in a few hundred 20 ms sleeps under load on 6.18: the thread's next
 * sleep found the previous interval still open). Each is still reported,
 * ended where the thread's CPU time says it began running again; this
 * counts them, for user space to report.
 */
__u64 offcpu_ends_unseen = 0;

/* What the tp_btf programs remember of a thread between two tracepoints; 0: nothing. */
struct task_sched {
	__u64 runq_ts;		/* became runnable (woken, or preempted while runnable) */
	__u64 offcpu_ts;	/* left the CPU */
	__u64 offcpu_exec;	/* its se.sum_exec_runtime then */
	__u32 offcpu_state;	/* TASK_* bits it left with */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_sched);
} task_sched SEC(".maps");

/*
 * The raw_tp programs' bookkeeping (raw_tp cannot use task storage):
 * thread id -> the same record. Holds one entry per filtered thread that
 * is runnable or, with off-CPU records on, asleep, so it is sized for a busy
 * host (user space shrinks it when off-CPU records are off). A plain hash,
 * not LRU: LRU would evict the longest sleepers, which are exactly the ones
 * reported.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, struct task_sched);
} task_starts SEC(".maps");

/*
 * tp_btf: when a new task (sched_wakeup_new) became runnable, until its
 * first switch-in. A slot per pid modulo the size, written and read with
 * plain loads and stores (an array lookup is inlined by the verifier), so a
 * task that may never wait again costs no task storage; the one that does
 * gets it at its next wakeup or preemption. Both accesses of a slot happen
 * under that task's run-queue lock (wake_up_new_task holds it around the
 * tracepoint; __schedule holds it at the switch), so pid and timestamp are
 * seen together. Two new tasks whose pids share a slot and which both wait
 * for their first run at once lose the older one's latency (counted in
 * starts_lost): that takes NEW_TASK_SLOTS forks during one run-queue wait.
 */
#define NEW_TASK_SLOTS 4096

struct new_task_start {
	__u32 pid;		/* 0: free */
	__u32 pad;
	__u64 runq_ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NEW_TASK_SLOTS);
	__type(key, __u32);
	__type(value, struct new_task_start);
} new_task_starts SEC(".maps");

/*
 * CPUSCHED_AGG_SYSTEM: one histogram per CPU, updated with plain adds
 * (only this CPU writes its copy, from sched_switch with interrupts off)
 * and summed by user space.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xm_hist);
} runq_hist_system SEC(".maps");

/*
 * CPUSCHED_AGG_PROCESS and _CGROUP: one histogram per key, shared by every
 * CPU, so updated atomically. Not preallocated: keys come and go with
 * processes (user space deletes those of exited processes and cgroups).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__uint(map_flags, BPF_F_NO_PREALLOC);
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

/* A task field: a direct load through tp_btf's typed pointer, a CO-RE probe read for raw_tp. */
#define TASK_FIELD(btf, p, field) ((btf) ? (p)->field : BPF_CORE_READ((p), field))

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

/* p->__state (5.14+) or p->state, as the TASK_* bits. */
static __always_inline __u32 task_state(struct task_struct *p, bool btf)
{
	struct task_struct___old *old = (void *)p;

	if (!btf)
		return xm_task_state(p);
	if (bpf_core_field_exists(p->__state))
		return p->__state;
	return old->state;
}

static __always_inline void count_lost_start(void)
{
	__sync_fetch_and_add(&starts_lost, 1);
}

/*
 * The thread's record for an update in place: its task storage (tp_btf,
 * created when absent); for raw_tp its task_starts entry, looked up only
 * when off-CPU records are on (otherwise a new record simply replaces it).
 * NULL for raw_tp means "insert a whole new record".
 */
static __always_inline struct task_sched *task_sched_for_update(struct task_struct *p, __u32 pid,
								bool btf)
{
	if (btf)
		return bpf_task_storage_get(&task_sched, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	return offcpu_enabled() ? bpf_map_lookup_elem(&task_starts, &pid) : NULL;
}

/* The new_task_starts slot of pid (never NULL in practice: the index is masked to the array's size). */
static __always_inline struct new_task_start *new_task_slot(__u32 pid)
{
	__u32 index = pid & (NEW_TASK_SLOTS - 1);

	return bpf_map_lookup_elem(&new_task_starts, &index);
}

/* Task p became runnable (a new task when new_task): remember when. */
static __always_inline void on_wakeup(struct task_struct *p, bool btf, bool new_task)
{
	__u32 pid = TASK_FIELD(btf, p, pid);
	struct task_sched *s, fresh = {};
	struct new_task_start *slot;
	__u64 ts;

	/* pid 0 is every CPU's idle task; it never waits in a run queue. */
	if (!pid || !xm_filter_task(p))
		return;
	ts = bpf_ktime_get_ns();
	if (btf && new_task) {
		slot = new_task_slot(pid);
		if (slot) {
			if (slot->pid)
				count_lost_start();
			slot->pid = pid;
			slot->runq_ts = ts;
			return;
		}
	}
	s = task_sched_for_update(p, pid, btf);
	if (s) {
		s->runq_ts = ts;
		return;
	}
	/* Only this thread's own events touch its entry, so nothing is replaced that another CPU wrote. */
	fresh.runq_ts = ts;
	if (btf || bpf_map_update_elem(&task_starts, &pid, &fresh, BPF_ANY))
		count_lost_start();
}

static __always_inline void record_runq_latency(struct task_struct *p, __u64 delta_ns, bool btf)
{
	__u64 value = targ_ns ? delta_ns : delta_ns / 1000;
	__u64 slot = xm_hist_slot(value);
	struct cpusched_hist_key key = {};
	struct xm_hist *hist;
	__u32 zero = 0;

	if (targ_aggregate == CPUSCHED_AGG_SYSTEM) {
		hist = bpf_map_lookup_elem(&runq_hist_system, &zero);
		if (!hist)
			return;
		hist->slots[slot]++;
		hist->sum += value;
		hist->count++;
		return;
	}

	if (targ_aggregate == CPUSCHED_AGG_PROCESS)
		key.id = TASK_FIELD(btf, p, tgid);
	else
		key.id = xm_task_cgroup_id(p);
	hist = xm_map_lookup_or_try_init(&runq_hists, &key, &zero_hist);
	if (!hist)
		return;
	/* count is left alone: it is the sum of the slots, which user space adds up. */
	__sync_fetch_and_add(&hist->slots[slot], 1);
	__sync_fetch_and_add(&hist->sum, value);
}

static __always_inline void emit_event(struct task_struct *p, __u32 pid, __u64 delta_ns,
				       __u32 state, bool btf)
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
	e->tgid = TASK_FIELD(btf, p, tgid);
	e->state = state;
	e->cgroup_id = xm_task_cgroup_id(p);
	e->duration_ns = delta_ns;
	xm_task_comm(p, e->comm);
	bpf_ringbuf_submit(e, 0);
}

/*
 * prev leaves the CPU while its previous off-CPU interval, begun at ts with
 * se.sum_exec_runtime exec, is still open: the switch-in that ended it was
 * not seen. It has run exec_now - exec ns since, so it got back on a CPU at
 * now minus that (exactly, unless it was also preempted in between).
 */
static __always_inline void end_unseen_interval(struct task_struct *prev, __u32 pid, __u64 ts,
						__u64 exec, __u32 state, __u64 now,
						__u64 exec_now, bool btf)
{
	__u64 end = now - (exec_now - exec);

	__sync_fetch_and_add(&offcpu_ends_unseen, 1);
	if (state != XM_TASK_RUNNING && end > ts)
		emit_event(prev, pid, end - ts, state, btf);
}

/* Writes prev's switch-out into its record s, reporting an interval left open first. */
static __always_inline void note_switch_out(struct task_sched *s, struct task_struct *prev,
					    __u32 pid, bool runnable, __u32 state, __u64 now,
					    bool btf)
{
	__u64 exec;

	/* Preempted while runnable: it waits in the run queue from now on. */
	if (runnable)
		s->runq_ts = now;
	if (!offcpu_enabled())
		return;
	exec = TASK_FIELD(btf, prev, se.sum_exec_runtime);
	if (s->offcpu_ts)
		end_unseen_interval(prev, pid, s->offcpu_ts, s->offcpu_exec, s->offcpu_state, now,
				    exec, btf);
	s->offcpu_ts = now;
	s->offcpu_exec = exec;
	s->offcpu_state = state;
}

/* prev leaves the CPU. */
static __always_inline void on_switch_out(bool preempt, struct task_struct *prev, __u64 now,
					  bool btf)
{
	__u32 pid = TASK_FIELD(btf, prev, pid);
	struct task_sched *s, fresh = {};
	bool runnable;
	__u32 state;

	if (!pid)
		return;
	/*
	 * A preempted task stays runnable even if it had already set a sleep
	 * state (preempted between set_current_state() and schedule()); the
	 * scheduler keeps it queued, so treat it as running, as the
	 * sched_switch tracepoint's prev_state does.
	 */
	state = preempt ? XM_TASK_RUNNING : task_state(prev, btf);
	runnable = state == XM_TASK_RUNNING;
	/* Without off-CPU records nothing is kept of a task that goes to sleep. */
	if (!runnable && !offcpu_enabled())
		return;
	/* An exiting task never runs again: a hash entry for it would never be freed. */
	if (state & XM_TASK_DEAD)
		return;
	if (!xm_filter_task(prev))
		return;

	s = task_sched_for_update(prev, pid, btf);
	if (s) {
		note_switch_out(s, prev, pid, runnable, state, now, btf);
		return;
	}
	note_switch_out(&fresh, prev, pid, runnable, state, now, btf);
	if (btf || bpf_map_update_elem(&task_starts, &pid, &fresh, BPF_ANY))
		count_lost_start();
}

/*
 * next gets the CPU. Only filtered tasks have start timestamps, so the
 * filter is not evaluated again here.
 *
 * Hung-task limitation: a D-state sleep is measured when the task runs
 * again, so a task that stays in D state forever (the case the kernel's
 * hung task detector exists for) is never reported by this path.
 */
static __always_inline void on_switch_in(struct task_struct *next, __u64 now, bool btf)
{
	__u32 pid = TASK_FIELD(btf, next, pid);
	struct new_task_start *slot;
	__u64 runq_ts, offcpu_ts;
	struct task_sched *s;
	__u32 state;

	if (!pid)
		return;
	/* A task that has never run: its first wait is in its new_task_starts slot. */
	if (btf && !next->se.sum_exec_runtime) {
		slot = new_task_slot(pid);
		if (slot && slot->pid == pid) {
			slot->pid = 0;
			record_runq_latency(next, now - slot->runq_ts, btf);
			return;
		}
	}
	if (btf)
		s = bpf_task_storage_get(&task_sched, next, 0, 0);
	else
		s = bpf_map_lookup_elem(&task_starts, &pid);
	if (!s)
		return;
	runq_ts = s->runq_ts;
	offcpu_ts = s->offcpu_ts;
	state = s->offcpu_state;
	if (btf) {
		s->runq_ts = 0;
		s->offcpu_ts = 0;
	} else {
		bpf_map_delete_elem(&task_starts, &pid);
	}

	if (runq_ts)
		record_runq_latency(next, now - runq_ts, btf);
	if (offcpu_enabled() && offcpu_ts)
		emit_event(next, pid, now - offcpu_ts, state, btf);
}

static __always_inline void on_switch(bool preempt, struct task_struct *prev,
				      struct task_struct *next, bool btf)
{
	__u64 now = bpf_ktime_get_ns();

	on_switch_out(preempt, prev, now, btf);
	on_switch_in(next, now, btf);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(handle_sched_wakeup_btf, struct task_struct *p)
{
	on_wakeup(p, true, false);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(handle_sched_wakeup_new_btf, struct task_struct *p)
{
	on_wakeup(p, true, true);
	return 0;
}

/* 5.18+ appends prev_state; the state is read from prev instead so older kernels work too. */
SEC("tp_btf/sched_switch")
int BPF_PROG(handle_sched_switch_btf, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	on_switch(preempt, prev, next, true);
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(handle_sched_wakeup_raw, struct task_struct *p)
{
	on_wakeup(p, false, false);
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(handle_sched_wakeup_new_raw, struct task_struct *p)
{
	on_wakeup(p, false, true);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(handle_sched_switch_raw, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	on_switch(preempt, prev, next, false);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
