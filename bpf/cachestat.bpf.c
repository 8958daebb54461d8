// SPDX-License-Identifier: GPL-2.0
/*
 * Page cache statistics: accesses, insertions (misses), dirtied pages, per
 * process and system-wide. See cachestat.h for the counters and how user
 * space derives hits and misses.
 *
 * Three attach strategies in one object; user space picks one and turns
 * the others off with bpf_program__set_autoload() before load:
 *
 *   fentry_*  (5.5+ with BTF and BPF trampolines; the fastest): the folio
 *             functions. Dirtying is counted in folio_account_dirtied()
 *             where it is a real symbol, else in __folio_mark_dirty(), its
 *             only caller; never both.
 *   kprobe_*  (any kernel with kprobes): one program per function name, old
 *             and new. Autoload those whose symbol is in /proc/kallsyms,
 *             preferring the folio name: folio kernels keep the page names
 *             as wrappers around the folio functions (6.18 still has
 *             add_to_page_cache_lru -> filemap_add_folio and
 *             mark_page_accessed -> folio_mark_accessed), so attaching both
 *             would count every event twice.
 *   tp_*      (recent 6.x kernels with the filemap get_pages/fault/map_pages
 *             tracepoints; works without kprobes or fentry): BTF
 *             tracepoints. tp_btf rather than tp/ because the counts need
 *             the folio's size and the file's size, which the tp/ records
 *             lack (mm_filemap_add_to_page_cache has the order, but
 *             writeback_dirty_folio and mm_filemap_get_pages do not have
 *             what is needed). Counts are in pages.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "cachestat.h"
#include "xmonitor/xm_core.bpf.h"
#include "xmonitor/xm_export.bpf.h"
#include "xmonitor/xm_filter.bpf.h"
#include "xmonitor/xm_maps.bpf.h"

/* log2 of the page size; user space sets it from sysconf(_SC_PAGESIZE) on non-4K kernels. */
const volatile __u32 page_shift = 12;

/*
 * System-wide counters, one slot per CPU: every event lands here whatever
 * the filter says, and per-CPU slots need no atomic adds.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cachestat_counters);
} totals SEC(".maps");

/* tgid -> counters of the processes that pass the filter. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct cachestat_value);
} proc_stats SEC(".maps");

/*
 * Thread id -> the read request (file, page range) last counted by
 * mm_filemap_get_pages; see tp_mm_filemap_get_pages. LRU: an entry is only
 * useful until the thread's next read, stale ones may be evicted.
 */
struct read_cursor {
	__u64 mapping;
	__u64 index;
	__u64 last_index;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct read_cursor);
} read_cursors SEC(".maps");

XM_EXPORT_TYPE(struct, cachestat_value);

static const struct cachestat_value zero_value;

enum counter {
	ACCESSED,
	ADDED,
	DIRTIED,
	BUFFER_DIRTIED,
	FAULT_AROUND,
};

/* which is a constant at every call site, so the switch folds away after inlining. */
static __always_inline __u64 *counter_field(struct cachestat_counters *c, enum counter which)
{
	switch (which) {
	case ACCESSED:
		return &c->accessed;
	case ADDED:
		return &c->added;
	case DIRTIED:
		return &c->dirtied;
	case BUFFER_DIRTIED:
		return &c->buffer_dirtied;
	default:
		return &c->fault_around;
	}
}

static __always_inline void count(enum counter which, __u64 n)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct cachestat_counters *total;
	struct cachestat_value *val;
	__u32 zero = 0, tgid;

	total = bpf_map_lookup_elem(&totals, &zero);
	if (total)
		*counter_field(total, which) += n;

	if (!xm_filter_task(task))
		return;

	tgid = bpf_get_current_pid_tgid() >> 32;
	val = xm_map_lookup_or_try_init(&proc_stats, &tgid, &zero_value);
	if (!val)
		return;
	/* Threads of one process update the same entry from several CPUs. */
	__sync_fetch_and_add(counter_field(&val->counters, which), n);
	/*
	 * Refreshed on every event, not only when the entry is made: the first
	 * event of a process often comes from the shell that is about to
	 * exec() it (loading the binary), and the name changes with the exec.
	 */
	xm_task_comm(BPF_CORE_READ(task, group_leader), val->comm);
}

/* ---- fentry: folio functions ---- */

SEC("fentry/filemap_add_folio")
int BPF_PROG(fentry_filemap_add_folio)
{
	count(ADDED, 1);
	return 0;
}

SEC("fentry/folio_mark_accessed")
int BPF_PROG(fentry_folio_mark_accessed)
{
	count(ACCESSED, 1);
	return 0;
}

SEC("fentry/folio_account_dirtied")
int BPF_PROG(fentry_folio_account_dirtied)
{
	count(DIRTIED, 1);
	return 0;
}

SEC("fentry/__folio_mark_dirty")
int BPF_PROG(fentry___folio_mark_dirty)
{
	count(DIRTIED, 1);
	return 0;
}

SEC("fentry/mark_buffer_dirty")
int BPF_PROG(fentry_mark_buffer_dirty)
{
	count(BUFFER_DIRTIED, 1);
	return 0;
}

/* ---- kprobes: one per function name, old (page) and new (folio) ---- */

SEC("kprobe/add_to_page_cache_lru")
int BPF_KPROBE(kprobe_add_to_page_cache_lru)
{
	count(ADDED, 1);
	return 0;
}

SEC("kprobe/filemap_add_folio")
int BPF_KPROBE(kprobe_filemap_add_folio)
{
	count(ADDED, 1);
	return 0;
}

SEC("kprobe/mark_page_accessed")
int BPF_KPROBE(kprobe_mark_page_accessed)
{
	count(ACCESSED, 1);
	return 0;
}

SEC("kprobe/folio_mark_accessed")
int BPF_KPROBE(kprobe_folio_mark_accessed)
{
	count(ACCESSED, 1);
	return 0;
}

SEC("kprobe/account_page_dirtied")
int BPF_KPROBE(kprobe_account_page_dirtied)
{
	count(DIRTIED, 1);
	return 0;
}

SEC("kprobe/folio_account_dirtied")
int BPF_KPROBE(kprobe_folio_account_dirtied)
{
	count(DIRTIED, 1);
	return 0;
}

SEC("kprobe/__folio_mark_dirty")
int BPF_KPROBE(kprobe___folio_mark_dirty)
{
	count(DIRTIED, 1);
	return 0;
}

SEC("kprobe/mark_buffer_dirty")
int BPF_KPROBE(kprobe_mark_buffer_dirty)
{
	count(BUFFER_DIRTIED, 1);
	return 0;
}

/* ---- tracepoints: counts in pages ---- */

/* Before 6.18 folio->flags was a plain unsigned long (now memdesc_flags_t). */
struct folio___ulong_flags {
	unsigned long flags;
} __attribute__((preserve_access_index));

/* 6.1 - 6.3 kept a large folio's order in a byte of its own. */
struct folio___folio_order {
	unsigned char _folio_order;
} __attribute__((preserve_access_index));

/*
 * Pages in a folio, as folio_nr_pages(): 1 unless PG_head is set, else
 * 2^order. 5.16 - 6.0 stored the order in page[1].compound_order; there
 * large page-cache folios were rare (XFS only) and count as 1 page.
 */
static __always_inline __u64 folio_pages(struct folio *folio)
{
	struct folio___ulong_flags *ulong_flags = (void *)folio;
	struct folio___folio_order *folio_order = (void *)folio;
	unsigned long flags;

	if (bpf_core_field_exists(ulong_flags->flags))
		flags = BPF_CORE_READ(ulong_flags, flags);
	else
		flags = BPF_CORE_READ(folio, flags.f);
	if (!(flags & (1UL << bpf_core_enum_value(enum pageflags, PG_head))))
		return 1;

	/* Test _folio_order first: 6.1 - 6.3 have _flags_1 too, with other bits. */
	if (bpf_core_field_exists(folio_order->_folio_order))
		return 1ULL << BPF_CORE_READ(folio_order, _folio_order);
	if (bpf_core_field_exists(folio->_flags_1))
		return 1ULL << (BPF_CORE_READ(folio, _flags_1) & 0xff);
	return 1;
}

/*
 * filemap:mm_filemap_add_to_page_cache fires in __filemap_add_folio() for
 * every folio inserted into a file's page cache, by readahead, a read miss
 * or a write to a page not cached yet. Counts the folio's pages as added.
 */
SEC("tp_btf/mm_filemap_add_to_page_cache")
int BPF_PROG(tp_mm_filemap_add_to_page_cache, struct folio *folio)
{
	count(ADDED, folio_pages(folio));
	return 0;
}

/*
 * filemap:mm_filemap_get_pages fires in filemap_get_pages(), the read(2)
 * path of filemap_read(), each time it has a batch of cached folios ready,
 * with [index, last_index] = the pages the read still asks for. A large
 * read loops: the batch holds at most 31 folios, and every further call
 * reports the rest of the same request (same file, same last_index, a
 * larger index). Counting last_index - index + 1 per event would count a
 * 1 MiB read of 4 KiB pages as 256 + 225 + 194 + ... pages, so the first
 * event of a request counts its whole range and the continuations count
 * nothing. The range is clamped to the end of the file: a read with a
 * buffer larger than the file asks for pages past EOF that are never read.
 * Hits are not seen directly: they are accesses minus added pages.
 */
SEC("tp_btf/mm_filemap_get_pages")
int BPF_PROG(tp_mm_filemap_get_pages, struct address_space *mapping, unsigned long index,
	     unsigned long last_index)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct read_cursor *cur, next;
	unsigned long eof_index;
	loff_t size;

	cur = bpf_map_lookup_elem(&read_cursors, &tid);
	if (cur && cur->mapping == (__u64)mapping && cur->last_index == last_index &&
	    index > cur->index && index <= last_index) {
		cur->index = index;
		return 0;
	}
	next.mapping = (__u64)mapping;
	next.index = index;
	next.last_index = last_index;
	bpf_map_update_elem(&read_cursors, &tid, &next, BPF_ANY);

	size = BPF_CORE_READ(mapping, host, i_size);
	if (size <= 0)
		return 0;
	eof_index = (size - 1) >> page_shift;
	if (last_index > eof_index)
		last_index = eof_index;
	if (index > last_index)
		return 0;
	count(ACCESSED, last_index - index + 1);
	return 0;
}

/*
 * filemap:mm_filemap_fault fires at the start of filemap_fault(), once per
 * page fault on a file mapping: one page accessed. If it is not cached the
 * fault reads it and mm_filemap_add_to_page_cache counts the miss.
 */
SEC("tp_btf/mm_filemap_fault")
int BPF_PROG(tp_mm_filemap_fault, struct address_space *mapping, unsigned long index)
{
	count(ACCESSED, 1);
	return 0;
}

/*
 * filemap:mm_filemap_map_pages fires at the end of filemap_map_pages()
 * (fault-around) when it found at least one cached folio, with the window
 * [index, last_index] clamped to EOF. It maps only the pages that are
 * cached and not mapped yet, and the event does not say how many, so the
 * window size is an upper bound: counted apart as fault_around, not as
 * accesses. A page mapped here causes no mm_filemap_fault, so mmap hits
 * are visible only in this counter, and only in part: reading a cached
 * 256 MiB file (65536 pages) through mmap on 6.18 added ~14k
 * fault_around pages and almost no faults.
 */
SEC("tp_btf/mm_filemap_map_pages")
int BPF_PROG(tp_mm_filemap_map_pages, struct address_space *mapping, unsigned long index,
	     unsigned long last_index)
{
	if (last_index >= index)
		count(FAULT_AROUND, last_index - index + 1);
	return 0;
}

/*
 * writeback:writeback_dirty_folio fires in folio_account_dirtied(), when a
 * clean page-cache folio becomes dirty: the folio's pages are dirtied.
 * Rewriting a folio that is still dirty does not fire it again. (mark_buffer_dirty has the block_dirty_buffer
 * tracepoint, but there is nothing to subtract it from: the accesses
 * counted above are read-side only.)
 */
SEC("tp_btf/writeback_dirty_folio")
int BPF_PROG(tp_writeback_dirty_folio, struct folio *folio, struct address_space *mapping)
{
	count(DIRTIED, folio_pages(folio));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
