// SPDX-License-Identifier: GPL-2.0
/*
 * Process address space probe: per process (tgid), the bytes of
 * private-anonymous, shared and brk-heap address space currently mapped,
 * plus totals allocated and freed (see processvm.h), and an optional
 * ring-buffer record for single large allocations.
 *
 * How unmapped bytes are classified: munmap(addr, len) does not say what
 * it removes. Two ways, chosen by user space with vma_lookup:
 *
 *   vma_lookup = true (default; bpf_find_vma, 5.17+): at the entry of
 *     munmap, of mremap and of a MAP_FIXED mmap the process's own VMAs
 *     still exist, so the range is looked up VMA by VMA (one
 *     bpf_find_vma per VMA, up to VMA_WALK_MAX) and each overlap is
 *     classified by its vm_flags and vm_file; the bytes are applied at
 *     exit if the call succeeded. Exact for splits, holes and multi-VMA
 *     unmaps, O(VMAs touched). Stops at the first hole in the range (the
 *     rest counts as untracked_freed_bytes). A heap VMA, [start_brk,
 *     brk), counts as brk.
 *   vma_lookup = false (5.13+; required with the kprobe_ and fentry_
 *     sets: do_mmap runs under the mmap lock, where bpf_find_vma cannot
 *     look): every mapping the probe sees created is remembered in the
 *     hash map vm_ranges, keyed by (tgid, start), with its length and
 *     kind. An unmap whose (tgid, addr) is a remembered range of at least
 *     len bytes costs one lookup; any other (a tail, a hole, several
 *     ranges, MAP_FIXED over anything) walks the whole map with
 *     bpf_for_each_map_elem and trims, splits or deletes the ranges of
 *     the process it overlaps. Measured on 6.18 with ~5,700 remembered
 *     ranges: ~200 us per mmap exit and ~110 us per munmap exit (the
 *     dynamic loader's MAP_FIXED segments walk every time), ~500 us per
 *     process exit; vma_lookup costs about 1 us.
 *
 * mremap is an unmap of the old range plus a map of the new one with the
 * old one's kind.
 *
 * Limits:
 *   - only what happens while the probe runs is added: mappings made
 *     earlier, or inherited through fork(), never count as allocated; with
 *     vma_lookup their removal is still classified and leaves current at
 *     its floor (untracked_freed_bytes gets what current could not
 *     cover), with vm_ranges it counts as untracked_freed_bytes;
 *   - private file mappings (program text, libraries) are not counted;
 *     shm segments (shmat) and kernel-internal mappings are not seen by
 *     the syscall strategy; shared means every MAP_SHARED mapping
 *     (anonymous, memfd, /dev/shm, files);
 *   - address space, not resident memory: untouched pages count;
 *   - vm_ranges is a hash of fixed size (user space may resize it before
 *     load); when full, new ranges are counted but not remembered
 *     (ranges_dropped);
 *   - calls of two threads of one process on overlapping ranges at the
 *     same instant may be applied out of order (the probe does not hold
 *     the process's mmap lock); with vma_lookup a lookup that finds the
 *     lock taken (bpf_find_vma's trylock) counts the range as untracked.
 *
 * Attach strategies (user space picks one set with
 * bpf_program__set_autoload()):
 *   tp_*      syscall tracepoints (sys_enter_/sys_exit_ of mmap, munmap,
 *             mremap, brk): any kernel with CONFIG_FTRACE_SYSCALLS; what
 *             this machine uses.
 *   kprobe_*  kprobe + kretprobe on do_mmap and __vm_munmap (mm entry
 *             points shared by mmap(2), munmap(2) and the kernel's own
 *             vm_mmap()/vm_munmap() users); with kprobes.
 *   fentry_*  fentry + fexit on the same two functions (5.5+ with BPF
 *             trampolines); cheaper than kprobes.
 *   The kprobe and fentry sets need vma_lookup = false (see above) and
 *   replace tp_*mmap and tp_*munmap only:
 *   mremap and brk always use tp_*mremap and tp_*brk, and every set needs
 *   tp_sched_process_exit and tp_sched_process_exec.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "processvm.h"
#include "xmonitor/xm_core.bpf.h"
#include "xmonitor/xm_export.bpf.h"
#include "xmonitor/xm_filter.bpf.h"
#include "xmonitor/xm_log.bpf.h"
#include "xmonitor/xm_maps.bpf.h"

/* Page size; user space sets it from sysconf(_SC_PAGESIZE) on non-4K kernels. */
const volatile __u64 page_size = 4096;
/* Smallest allocation reported through "events"; 0 turns the records off. */
const volatile __u64 event_min_bytes = 0;
/* Classify unmapped ranges from the process's VMAs (bpf_find_vma, 5.17+); false: vm_ranges. */
const volatile bool vma_lookup = true;

/* Records lost because the ring buffer was full; read by user space. */
__u64 events_dropped = 0;

/* mmap(2) flags (uapi asm-generic/mman-common.h, the same on every architecture here). */
#define XM_MAP_SHARED		0x01
#define XM_MAP_PRIVATE		0x02
#define XM_MAP_SHARED_VALIDATE	0x03
#define XM_MAP_TYPE		0x0f
#define XM_MAP_FIXED		0x10
#define XM_MAP_ANONYMOUS	0x20
#define XM_MREMAP_DONTUNMAP	4
#define XM_VM_SHARED		0x08	/* vm_flags bit, include/linux/mm.h */

/* Error returns of syscalls are -4095..-1. */
#define IS_ERR_VALUE(x) ((unsigned long)(x) >= (unsigned long)-4095)

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct processvm_stats);
} proc_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct processvm_range_key);
	__type(value, struct processvm_range);
} vm_ranges SEC(".maps");

enum pending_op {
	PENDING_MMAP,
	PENDING_MUNMAP,
	PENDING_MREMAP,
	PENDING_BRK,
};

/* Arguments of a call in progress, saved at entry for the exit program. */
struct pending_call {
	__u32 op;	/* enum pending_op */
	__u32 kind;	/* PENDING_MMAP: enum processvm_kind */
	__u64 a0;	/* MMAP: flags; MUNMAP, MREMAP: addr; BRK: old break */
	__u64 a1;	/* MMAP, MUNMAP: len; MREMAP: old_len */
	__u64 a2;	/* MREMAP: new_len */
	__u64 a3;	/* MREMAP: flags */
	/* vma_lookup: bytes of the range found at entry, by kind, and not found */
	__u64 removed[3];
	__u64 unknown;
};

/* Thread id -> the call it is in. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct pending_call);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

XM_RINGBUF_RECORD(events, struct, processvm_event);
XM_EXPORT_TYPE(enum, processvm_kind);
XM_EXPORT_TYPE(enum, processvm_op);
XM_EXPORT_TYPE(struct, processvm_range_key);
XM_EXPORT_TYPE(struct, processvm_range);

static const struct processvm_stats zero_stats;

static __always_inline __u64 page_align(__u64 v)
{
	return (v + page_size - 1) & ~(page_size - 1);
}

static __always_inline struct processvm_kind_stats *kind_stats(struct processvm_stats *st,
								__u32 kind)
{
	switch (kind) {
	case PROCESSVM_KIND_ANON_PRIVATE:
		return &st->anon_private;
	case PROCESSVM_KIND_SHARED:
		return &st->shared;
	default:
		return &st->brk;
	}
}

/* The kind of a new mapping from its mmap flags; -1: not tracked. */
static __always_inline int mmap_kind(__u64 flags, bool anonymous)
{
	__u64 type = flags & XM_MAP_TYPE;

	if (type == XM_MAP_PRIVATE)
		return anonymous ? PROCESSVM_KIND_ANON_PRIVATE : -1;
	if (type == XM_MAP_SHARED || type == XM_MAP_SHARED_VALIDATE)
		return PROCESSVM_KIND_SHARED;
	return -1;
}

/* ---- vma_lookup: classify a range by the process's VMAs ---- */

/* VMAs looked at per range; the rest of a larger range counts as unknown. */
#define VMA_WALK_MAX 32

struct vma_walk {
	__u64 lo, hi;		/* the range [lo, hi) */
	__u64 heap_lo, heap_hi;	/* [start_brk, brk) page-aligned */
	__u64 next;		/* end of the VMA just seen */
	__u64 removed[3];	/* bytes by enum processvm_kind */
	int first_kind;		/* kind of the VMA at lo, -1: untracked or none */
};

static long vma_walk_cb(struct task_struct *task, struct vm_area_struct *vma, struct vma_walk *w)
{
	__u64 start = vma->vm_start, end = vma->vm_end, ov_lo, ov_hi;
	int kind;

	w->next = end;
	ov_lo = start > w->lo ? start : w->lo;
	ov_hi = end < w->hi ? end : w->hi;
	if (ov_hi <= ov_lo)
		return 0;
	if (vma->vm_flags & XM_VM_SHARED)
		kind = PROCESSVM_KIND_SHARED;
	else if (vma->vm_file)
		kind = -1;
	else if (start >= w->heap_lo && end <= w->heap_hi)
		kind = PROCESSVM_KIND_BRK;
	else
		kind = PROCESSVM_KIND_ANON_PRIVATE;
	if (ov_lo == w->lo)
		w->first_kind = kind;
	if (kind == PROCESSVM_KIND_ANON_PRIVATE)
		w->removed[PROCESSVM_KIND_ANON_PRIVATE] += ov_hi - ov_lo;
	else if (kind == PROCESSVM_KIND_SHARED)
		w->removed[PROCESSVM_KIND_SHARED] += ov_hi - ov_lo;
	else if (kind == PROCESSVM_KIND_BRK)
		w->removed[PROCESSVM_KIND_BRK] += ov_hi - ov_lo;
	return 0;
}

/* One step of the walk: the VMA at w->next, or stop (1) past the range or where no VMA is. */
static long vma_walk_step(__u32 i, struct vma_walk *w)
{
	if (w->next >= w->hi)
		return 1;
	return bpf_find_vma(bpf_get_current_task_btf(), w->next, vma_walk_cb, w, 0) ? 1 : 0;
}

/*
 * Fills c->removed[] and c->unknown for [addr, addr + len) of the current
 * process; returns the kind of the VMA at addr (-1: untracked or none).
 * The walk runs in bpf_loop (5.17+, as bpf_find_vma): the verifier checks its
 * body once, where a bounded for loop made it walk all VMA_WALK_MAX steps,
 * 26,000 instructions and about 60 ms of load time for each of the three
 * programs that classify.
 */
static __always_inline int vma_classify(struct pending_call *c, __u64 addr, __u64 len)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mm_struct *mm = task->mm;
	struct vma_walk w = {};

	w.lo = addr;
	w.hi = addr + len;
	w.first_kind = -1;
	if (mm) {
		w.heap_lo = page_align(mm->start_brk);
		w.heap_hi = page_align(mm->brk);
	}
	w.next = addr;
	bpf_loop(VMA_WALK_MAX, vma_walk_step, &w, 0);
	c->removed[0] = w.removed[0];
	c->removed[1] = w.removed[1];
	c->removed[2] = w.removed[2];
	c->unknown = w.next < w.hi ? w.hi - (w.next > addr ? w.next : addr) : 0;
	return w.first_kind;
}

/* Takes up to len bytes out of kind's current figure; what current cannot cover is untracked. */
static __always_inline void remove_clamped(struct processvm_stats *st, __u32 kind, __u64 len)
{
	struct processvm_kind_stats *ks = kind_stats(st, kind);
	__u64 cur = ks->current_bytes;

	if (!len)
		return;
	if (len > cur) {
		__sync_fetch_and_add(&st->untracked_freed_bytes, len - cur);
		len = cur;
	}
	__sync_fetch_and_add(&ks->current_bytes, -len);
	__sync_fetch_and_add(&ks->freed_bytes, len);
}

/* Applies what vma_classify found at entry, after the call succeeded. */
static __always_inline void apply_removed(struct processvm_stats *st, struct pending_call *c)
{
	remove_clamped(st, PROCESSVM_KIND_ANON_PRIVATE, c->removed[PROCESSVM_KIND_ANON_PRIVATE]);
	remove_clamped(st, PROCESSVM_KIND_SHARED, c->removed[PROCESSVM_KIND_SHARED]);
	remove_clamped(st, PROCESSVM_KIND_BRK, c->removed[PROCESSVM_KIND_BRK]);
	if (c->unknown)
		__sync_fetch_and_add(&st->untracked_freed_bytes, c->unknown);
}

static __always_inline struct processvm_stats *current_stats(__u32 tgid)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct processvm_stats *st;

	st = xm_map_lookup_or_try_init(&proc_stats, &tgid, &zero_stats);
	if (st)
		xm_task_comm(BPF_CORE_READ(task, group_leader), st->comm);
	return st;
}

static __always_inline void emit_event(__u32 op, __u32 kind, __u64 addr, __u64 len)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	struct processvm_event *e;

	if (!event_min_bytes || len < event_min_bytes)
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&events_dropped, 1);
		return;
	}
	e->pid = (__u32)id;
	e->tgid = id >> 32;
	e->op = op;
	e->kind = kind;
	e->addr = addr;
	e->len = len;
	e->cgroup_id = xm_task_cgroup_id(task);
	xm_task_comm(task, e->comm);
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void add_bytes(struct processvm_stats *st, __u32 kind, __u64 len)
{
	struct processvm_kind_stats *ks = kind_stats(st, kind);

	__sync_fetch_and_add(&ks->current_bytes, len);
	__sync_fetch_and_add(&ks->allocated_bytes, len);
}

/* Bytes leave the current figure; freed counts them unless a caller accounts itself. */
static __always_inline void remove_bytes(struct processvm_stats *st, __u32 kind, __u64 len,
					 bool count_freed)
{
	struct processvm_kind_stats *ks = kind_stats(st, kind);

	__sync_fetch_and_add(&ks->current_bytes, -len);
	if (count_freed)
		__sync_fetch_and_add(&ks->freed_bytes, len);
}

static __always_inline void remember_range(struct processvm_stats *st, __u32 tgid, __u64 start,
					   __u64 len, __u32 kind)
{
	struct processvm_range_key key = { .tgid = tgid, .start = start };
	struct processvm_range val = { .len = len, .kind = kind };

	if (bpf_map_update_elem(&vm_ranges, &key, &val, BPF_ANY))
		__sync_fetch_and_add(&st->ranges_dropped, 1);
}

/* State of one unmap walk over vm_ranges. */
struct unmap_walk {
	__u32 tgid;
	int first_kind;		/* kind of the lowest range hit, -1 if none */
	__u64 lo, hi;		/* the range being unmapped [lo, hi) */
	__u64 removed[3];	/* bytes removed, by enum processvm_kind */
	__u64 first_start;
	/*
	 * The piece of a range beyond hi, to be re-inserted under its new
	 * start after the walk (a hash map must not grow while it is walked).
	 * Ranges do not overlap, so only the one range containing hi has one.
	 */
	__u64 tail_len;
	__u32 tail_kind;
};

static long unmap_walk_cb(struct bpf_map *map, struct processvm_range_key *key,
			  struct processvm_range *val, struct unmap_walk *w)
{
	__u64 start = key->start, end, ov_lo, ov_hi;
	__u32 kind = val->kind;

	if (key->tgid != w->tgid)
		return 0;
	end = start + val->len;
	if (end <= w->lo || start >= w->hi)
		return 0;
	ov_lo = start > w->lo ? start : w->lo;
	ov_hi = end < w->hi ? end : w->hi;
	if (kind > PROCESSVM_KIND_BRK)
		return 0;
	w->removed[kind] += ov_hi - ov_lo;
	if (w->first_kind < 0 || start < w->first_start) {
		w->first_kind = kind;
		w->first_start = start;
	}
	if (end > w->hi) {
		w->tail_len = end - w->hi;
		w->tail_kind = kind;
	}
	if (start < w->lo)
		val->len = w->lo - start;	/* keep the head under the same key */
	else
		bpf_map_delete_elem(map, key);
	return 0;
}

/*
 * Forgets [addr, addr + len) of process tgid in vm_ranges and takes the
 * bytes out of the current figures. Returns the kind of the (lowest)
 * range it overlapped, -1 if it overlapped none; *found is the number of
 * tracked bytes removed.
 */
static __always_inline int unmap_range(struct processvm_stats *st, __u32 tgid, __u64 addr,
				       __u64 len, bool count_freed, __u64 *found)
{
	struct processvm_range_key key = { .tgid = tgid, .start = addr };
	struct processvm_range *r, tail;
	struct unmap_walk w = {};
	__u32 kind;

	*found = 0;
	if (!len)
		return -1;

	/* Fast path: the unmap starts at a remembered range and ends inside it. */
	r = bpf_map_lookup_elem(&vm_ranges, &key);
	if (r && r->len >= len) {
		kind = r->kind;
		if (r->len > len) {
			tail.len = r->len - len;
			tail.kind = kind;
			tail.pad = 0;
			bpf_map_delete_elem(&vm_ranges, &key);
			key.start = addr + len;
			bpf_map_update_elem(&vm_ranges, &key, &tail, BPF_ANY);
		} else {
			bpf_map_delete_elem(&vm_ranges, &key);
		}
		remove_bytes(st, kind, len, count_freed);
		*found = len;
		return kind;
	}

	w.tgid = tgid;
	w.first_kind = -1;
	w.lo = addr;
	w.hi = addr + len;
	bpf_for_each_map_elem(&vm_ranges, unmap_walk_cb, &w, 0);
	if (w.tail_len) {
		key.start = w.hi;
		tail.len = w.tail_len;
		tail.kind = w.tail_kind;
		tail.pad = 0;
		if (bpf_map_update_elem(&vm_ranges, &key, &tail, BPF_ANY))
			__sync_fetch_and_add(&st->ranges_dropped, 1);
	}
	if (w.removed[PROCESSVM_KIND_ANON_PRIVATE])
		remove_bytes(st, PROCESSVM_KIND_ANON_PRIVATE, w.removed[PROCESSVM_KIND_ANON_PRIVATE],
			     count_freed);
	if (w.removed[PROCESSVM_KIND_SHARED])
		remove_bytes(st, PROCESSVM_KIND_SHARED, w.removed[PROCESSVM_KIND_SHARED],
			     count_freed);
	if (w.removed[PROCESSVM_KIND_BRK])
		remove_bytes(st, PROCESSVM_KIND_BRK, w.removed[PROCESSVM_KIND_BRK], count_freed);
	*found = w.removed[0] + w.removed[1] + w.removed[2];
	return w.first_kind;
}

/* ---- the operations, shared by every strategy ---- */

static __always_inline void on_mmap_done(__u32 tgid, __u64 ret, struct pending_call *c)
{
	__u64 len = page_align(c->a1), flags = c->a0, found;
	int kind = (int)c->kind;
	struct processvm_stats *st;

	if (IS_ERR_VALUE(ret))
		return;
	if (kind < 0 && !(flags & XM_MAP_FIXED))
		return;
	st = current_stats(tgid);
	if (!st)
		return;
	/*
	 * MAP_FIXED replaced whatever was mapped there (not MAP_FIXED_NOREPLACE:
	 * that fails). The replaced bytes are not freed untracked ones: only
	 * the tracked part counts.
	 */
	if (flags & XM_MAP_FIXED) {
		if (vma_lookup) {
			c->unknown = 0;
			apply_removed(st, c);
		} else {
			unmap_range(st, tgid, ret, len, true, &found);
		}
	}
	if (kind < 0)
		return;
	add_bytes(st, kind, len);
	if (!vma_lookup)
		remember_range(st, tgid, ret, len, kind);
	emit_event(PROCESSVM_OP_MMAP, kind, ret, len);
}

static __always_inline void on_munmap_done(__u32 tgid, struct pending_call *c)
{
	__u64 addr = c->a0, len = page_align(c->a1), found;
	struct processvm_stats *st;

	st = bpf_map_lookup_elem(&proc_stats, &tgid);
	if (!st)
		return;
	if (vma_lookup) {
		apply_removed(st, c);
		return;
	}
	unmap_range(st, tgid, addr, len, true, &found);
	if (len > found)
		__sync_fetch_and_add(&st->untracked_freed_bytes, len - found);
}

static __always_inline void on_mremap_done(__u32 tgid, struct pending_call *c, __u64 ret)
{
	__u64 old_addr = c->a0, old_len = page_align(c->a1), new_len = page_align(c->a2);
	struct processvm_stats *st;
	struct processvm_kind_stats *ks;
	__u64 found;
	int kind;

	if (IS_ERR_VALUE(ret))
		return;
	st = bpf_map_lookup_elem(&proc_stats, &tgid);
	if (!st)
		return;
	/* old_len 0 duplicates a shared mapping; DONTUNMAP leaves the old range mapped. */
	if (!old_len || (c->a3 & XM_MREMAP_DONTUNMAP))
		return;
	if (vma_lookup) {
		/* mremap works within one VMA: c->kind is its kind, c->removed[] its bytes. */
		kind = (int)c->kind;
		if (kind < 0 || kind > PROCESSVM_KIND_BRK)
			return;
		found = c->removed[kind];
		if (found > kind_stats(st, kind)->current_bytes)
			found = kind_stats(st, kind)->current_bytes;
		__sync_fetch_and_add(&kind_stats(st, kind)->current_bytes, -found);
	} else {
		kind = unmap_range(st, tgid, old_addr, old_len, false, &found);
		if (kind < 0)
			return;
	}
	/* The moved range: new_len bytes, of which found were already counted. */
	ks = kind_stats(st, kind);
	__sync_fetch_and_add(&ks->current_bytes, new_len);
	if (new_len > found)
		__sync_fetch_and_add(&ks->allocated_bytes, new_len - found);
	else if (found > new_len)
		__sync_fetch_and_add(&ks->freed_bytes, found - new_len);
	if (!vma_lookup)
		remember_range(st, tgid, ret, new_len, kind);
	if (new_len > found)
		emit_event(PROCESSVM_OP_MREMAP, kind, ret, new_len - found);
}

static __always_inline void on_brk_done(__u32 tgid, __u64 old_brk, __u64 new_brk)
{
	struct processvm_stats *st;
	__u64 old_end = page_align(old_brk), new_end = page_align(new_brk), cur, len;

	if (new_end == old_end)
		return;
	st = current_stats(tgid);
	if (!st)
		return;
	if (new_end > old_end) {
		len = new_end - old_end;
		add_bytes(st, PROCESSVM_KIND_BRK, len);
		emit_event(PROCESSVM_OP_BRK, PROCESSVM_KIND_BRK, old_end, len);
		return;
	}
	/* Shrinking: only what was seen growing can leave the current figure. */
	len = old_end - new_end;
	cur = st->brk.current_bytes;
	if (len > cur) {
		__sync_fetch_and_add(&st->untracked_freed_bytes, len - cur);
		len = cur;
	}
	remove_bytes(st, PROCESSVM_KIND_BRK, len, true);
}

/* Saves a call's arguments if the current task passes the filter. */
static __always_inline void save_call(struct pending_call *c)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!xm_filter_task(task))
		return;
	bpf_map_update_elem(&pending, &tid, c, BPF_ANY);
}

/* Takes the saved call of the current thread if it is of type op (copied out, entry deleted). */
static __always_inline bool take_call(__u32 op, struct pending_call *out)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending_call *c;

	c = bpf_map_lookup_elem(&pending, &tid);
	if (!c)
		return false;
	*out = *c;
	bpf_map_delete_elem(&pending, &tid);
	return out->op == op;
}

static __always_inline __u32 current_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

/* Walk callback: deletes every range of one process. */
static long forget_cb(struct bpf_map *map, struct processvm_range_key *key,
		      struct processvm_range *val, __u32 *tgid)
{
	if (key->tgid == *tgid)
		bpf_map_delete_elem(map, key);
	return 0;
}

/* ---- strategy tp: syscall tracepoints ---- */

/* mmap(addr, len, prot, flags, fd, off) */
SEC("tp/syscalls/sys_enter_mmap")
int tp_sys_enter_mmap(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_call c = { .op = PENDING_MMAP };
	__u64 flags = ctx->args[3];

	c.kind = mmap_kind(flags, flags & XM_MAP_ANONYMOUS);
	/* Untracked kinds still matter with MAP_FIXED: they replace tracked ranges. */
	if ((int)c.kind < 0 && !(flags & XM_MAP_FIXED))
		return 0;
	c.a0 = flags;
	c.a1 = ctx->args[1];
	if (vma_lookup && (flags & XM_MAP_FIXED)) {
		if (!xm_filter_task((struct task_struct *)bpf_get_current_task()))
			return 0;
		vma_classify(&c, ctx->args[0], page_align(c.a1));
	}
	save_call(&c);
	return 0;
}

SEC("tp/syscalls/sys_exit_mmap")
int tp_sys_exit_mmap(struct trace_event_raw_sys_exit *ctx)
{
	struct pending_call c;

	if (take_call(PENDING_MMAP, &c))
		on_mmap_done(current_tgid(), ctx->ret, &c);
	return 0;
}

/* munmap(addr, len) */
SEC("tp/syscalls/sys_enter_munmap")
int tp_sys_enter_munmap(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_call c = { .op = PENDING_MUNMAP };
	__u32 tgid = current_tgid();

	/* Only processes with figures can unmap something the probe counted. */
	if (!bpf_map_lookup_elem(&proc_stats, &tgid))
		return 0;
	c.a0 = ctx->args[0];
	c.a1 = ctx->args[1];
	if (vma_lookup) {
		if (!xm_filter_task((struct task_struct *)bpf_get_current_task()))
			return 0;
		vma_classify(&c, c.a0, page_align(c.a1));
	}
	save_call(&c);
	return 0;
}

SEC("tp/syscalls/sys_exit_munmap")
int tp_sys_exit_munmap(struct trace_event_raw_sys_exit *ctx)
{
	struct pending_call c;

	if (take_call(PENDING_MUNMAP, &c) && ctx->ret == 0)
		on_munmap_done(current_tgid(), &c);
	return 0;
}

/* mremap(addr, old_len, new_len, flags, new_addr) */
SEC("tp/syscalls/sys_enter_mremap")
int tp_sys_enter_mremap(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_call c = { .op = PENDING_MREMAP };
	__u32 tgid = current_tgid();

	if (!bpf_map_lookup_elem(&proc_stats, &tgid))
		return 0;
	c.a0 = ctx->args[0];
	c.a1 = ctx->args[1];
	c.a2 = ctx->args[2];
	c.a3 = ctx->args[3];
	if (vma_lookup) {
		if (!xm_filter_task((struct task_struct *)bpf_get_current_task()))
			return 0;
		c.kind = vma_classify(&c, c.a0, page_align(c.a1));
	}
	save_call(&c);
	return 0;
}

SEC("tp/syscalls/sys_exit_mremap")
int tp_sys_exit_mremap(struct trace_event_raw_sys_exit *ctx)
{
	struct pending_call c;

	if (take_call(PENDING_MREMAP, &c))
		on_mremap_done(current_tgid(), &c, ctx->ret);
	return 0;
}

/* brk(addr): returns the new break (the old one on failure or for brk(0)). */
SEC("tp/syscalls/sys_enter_brk")
int tp_sys_enter_brk(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct pending_call c = { .op = PENDING_BRK };

	if (!ctx->args[0])
		return 0;
	c.a0 = BPF_CORE_READ(task, mm, brk);
	save_call(&c);
	return 0;
}

SEC("tp/syscalls/sys_exit_brk")
int tp_sys_exit_brk(struct trace_event_raw_sys_exit *ctx)
{
	struct pending_call c;

	if (take_call(PENDING_BRK, &c))
		on_brk_done(current_tgid(), c.a0, ctx->ret);
	return 0;
}

/*
 * The process is gone when its last thread exits: signal->live drops to 0
 * before this tracepoint on every kernel (6.16+ also pass it as
 * group_dead; reading the counter works on older ones too).
 */
SEC("tp/sched/sched_process_exit")
int tp_sched_process_exit(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid = current_tgid(), tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&pending, &tid);
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	if (!bpf_map_lookup_elem(&proc_stats, &tgid))
		return 0;
	if (!vma_lookup)
		bpf_for_each_map_elem(&vm_ranges, forget_cb, &tgid, 0);
	bpf_map_delete_elem(&proc_stats, &tgid);
	return 0;
}

/* exec replaces the address space: everything counted is freed, the ranges are forgotten. */
SEC("tp/sched/sched_process_exec")
int tp_sched_process_exec(void *ctx)
{
	__u32 tgid = current_tgid();
	struct processvm_stats *st;
	__u64 cur;

	st = bpf_map_lookup_elem(&proc_stats, &tgid);
	if (!st)
		return 0;
	if (!vma_lookup)
		bpf_for_each_map_elem(&vm_ranges, forget_cb, &tgid, 0);
	cur = st->anon_private.current_bytes;
	remove_bytes(st, PROCESSVM_KIND_ANON_PRIVATE, cur, true);
	cur = st->shared.current_bytes;
	remove_bytes(st, PROCESSVM_KIND_SHARED, cur, true);
	cur = st->brk.current_bytes;
	remove_bytes(st, PROCESSVM_KIND_BRK, cur, true);
	return 0;
}

/* ---- strategies kprobe and fentry: do_mmap and __vm_munmap ---- */

/*
 * unsigned long do_mmap(struct file *file, unsigned long addr, unsigned long len,
 *                       unsigned long prot, unsigned long flags, ...)
 * file is NULL for anonymous mappings (shared anonymous ones get their
 * shmem file later, in mmap_region()).
 */
static __always_inline void do_mmap_entry(struct file *file, __u64 len, __u64 flags)
{
	struct pending_call c = { .op = PENDING_MMAP };

	c.kind = mmap_kind(flags, !file);
	if ((int)c.kind < 0 && !(flags & XM_MAP_FIXED))
		return;
	c.a0 = flags;
	c.a1 = len;
	save_call(&c);
}

static __always_inline void do_mmap_exit(__u64 ret)
{
	struct pending_call c;

	if (take_call(PENDING_MMAP, &c))
		on_mmap_done(current_tgid(), ret, &c);
}

/* int __vm_munmap(unsigned long start, size_t len, bool unlock) */
static __always_inline void vm_munmap_entry(__u64 start, __u64 len)
{
	struct pending_call c = { .op = PENDING_MUNMAP };
	__u32 tgid = current_tgid();

	if (!bpf_map_lookup_elem(&proc_stats, &tgid))
		return;
	c.a0 = start;
	c.a1 = len;
	save_call(&c);
}

static __always_inline void vm_munmap_exit(long ret)
{
	struct pending_call c;

	if (take_call(PENDING_MUNMAP, &c) && ret == 0)
		on_munmap_done(current_tgid(), &c);
}

SEC("kprobe/do_mmap")
int BPF_KPROBE(kprobe_do_mmap, struct file *file, unsigned long addr, unsigned long len,
	       unsigned long prot, unsigned long flags)
{
	do_mmap_entry(file, len, flags);
	return 0;
}

SEC("kretprobe/do_mmap")
int BPF_KRETPROBE(kretprobe_do_mmap, unsigned long ret)
{
	do_mmap_exit(ret);
	return 0;
}

SEC("kprobe/__vm_munmap")
int BPF_KPROBE(kprobe___vm_munmap, unsigned long start, size_t len)
{
	vm_munmap_entry(start, len);
	return 0;
}

SEC("kretprobe/__vm_munmap")
int BPF_KRETPROBE(kretprobe___vm_munmap, int ret)
{
	vm_munmap_exit(ret);
	return 0;
}

SEC("fentry/do_mmap")
int BPF_PROG(fentry_do_mmap, struct file *file, unsigned long addr, unsigned long len,
	     unsigned long prot, unsigned long flags)
{
	do_mmap_entry(file, len, flags);
	return 0;
}

/* bpf_get_func_ret (5.17+) instead of naming all arguments: do_mmap's list changed over time. */
SEC("fexit/do_mmap")
int BPF_PROG(fexit_do_mmap)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	do_mmap_exit(ret);
	return 0;
}

SEC("fentry/__vm_munmap")
int BPF_PROG(fentry___vm_munmap, unsigned long start, size_t len)
{
	vm_munmap_entry(start, len);
	return 0;
}

SEC("fexit/__vm_munmap")
int BPF_PROG(fexit___vm_munmap)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	vm_munmap_exit((int)ret);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
