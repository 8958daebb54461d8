// SPDX-License-Identifier: GPL-2.0
/*
 * Block I/O latency probe: log2 histograms per disk and operation of the
 * service time (issue to the driver -> completion) and the queue time
 * (insert into the I/O scheduler -> issue), counters of completed
 * requests, errors, bytes and sequential vs random requests, and an
 * optional ring-buffer record per slow request (see biolatency.h).
 *
 * Requests are followed by their struct request pointer from
 * block_rq_insert / block_rq_issue to block_rq_complete. A request that
 * bypasses the scheduler (no insert: direct issue, flush sequences, the
 * "none" scheduler) has a service time but no queue time. Requests issued
 * before the probe started have counters but no latency.
 *
 * Attach strategies (user space picks one set with
 * bpf_program__set_autoload()):
 *   tp_btf_*  tp_btf/block_rq_* (5.5+ with BTF): typed arguments.
 *   raw_tp_*  raw_tp/block_rq_* (4.17+): the same arguments as u64s, for
 *             kernels without BTF.
 * Both read the request with CO-RE. Before 5.11, block_rq_insert and
 * block_rq_issue passed (struct request_queue *, struct request *);
 * LINUX_KERNEL_VERSION picks the argument.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "biolatency.h"
#include "xmonitor/xm_core.bpf.h"
#include "xmonitor/xm_export.bpf.h"
#include "xmonitor/xm_hist.bpf.h"
#include "xmonitor/xm_log.bpf.h"
#include "xmonitor/xm_maps.bpf.h"

extern int LINUX_KERNEL_VERSION __kconfig;

/*
 * The options are .rodata: the verifier sees their values and drops the
 * code of what is off (the disk filter, the slow-request records and the
 * task facts only those records use).
 */
/* Histogram unit: nanoseconds instead of microseconds. */
const volatile bool targ_ns = false;
/* Only this disk (dev_t in the kernel's encoding, major << 20 | minor); 0: all disks. */
const volatile __u32 targ_dev = 0;
/* Service time from which a request is reported through "events"; 0 turns the records off. */
const volatile __u64 slow_min_ns = 0;

/* Records lost because the ring buffer was full; read by user space. */
__u64 events_dropped = 0;

/*
 * A request in flight: when it was inserted and issued (0: not, or not
 * since it last completed), and (only with slow-request records on) by whom.
 */
struct rq_start {
	__u64 insert_ns;
	__u64 issue_ns;
	__u32 pid;
	__u32 tid;
	char comm[BIOLATENCY_COMM_LEN];
};

/*
 * struct request * -> its start. The block layer allocates its requests
 * once per tag set and reuses them, so an entry is kept and reset at
 * completion instead of deleted and created again for every request: in
 * steady state each event does one lookup and no update or delete (the
 * costly part of a hash map: its bucket lock and free list). LRU, so that
 * entries of requests no longer used (and of requests merged into others,
 * which never complete) make room when the map is full.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, struct rq_start);
} starts SEC(".maps");

/*
 * Entries are allocated when a disk and operation is first seen on a CPU
 * (not preallocated for every CPU), so memory follows the disks in use.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct biolatency_key);
	__type(value, struct biolatency_io);
} io_stats SEC(".maps");

/* dev -> the disk's index in "disks"; looked up when a CPU first meets a disk and operation. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BIOLATENCY_MAX_DISKS);
	__type(key, __u32);
	__type(value, __u32);
} disk_slots SEC(".maps");

/*
 * The disks, by slot. An array, so that the completion's lookup of its
 * disk is a bounds check and an add (the verifier inlines it) instead of
 * a hash lookup.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BIOLATENCY_MAX_DISKS);
	__type(key, __u32);
	__type(value, struct biolatency_disk);
} disks SEC(".maps");

/* Where the search for a free slot of "disks" starts: a hint, written without synchronisation. */
__u32 disks_hint = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

XM_RINGBUF_RECORD(events, struct, biolatency_event);
XM_EXPORT_TYPE(enum, biolatency_op);

static const struct biolatency_io zero_io;

/*
 * Reads through the request: direct loads where the program has the
 * typed (BTF) pointer, which the verifier turns into fault-safe loads
 * without a helper call; BPF_CORE_READ (bpf_probe_read_kernel) for
 * raw_tp's untyped arguments. Both are relocated with CO-RE. `btf` is a
 * constant in every caller, so each program keeps one of the two.
 */

/* Before 5.16 (or so) the disk was rq->rq_disk; now rq->q->disk. */
struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

static __always_inline struct gendisk *rq_disk(struct request *rq, const bool btf)
{
	struct request___old *old = (void *)rq;

	if (bpf_core_field_exists(old->rq_disk))
		return btf ? old->rq_disk : BPF_CORE_READ(old, rq_disk);
	return btf ? rq->q->disk : BPF_CORE_READ(rq, q, disk);
}

/* The whole disk's dev_t, major << 20 | minor (MKDEV). */
static __always_inline __u32 disk_dev(struct gendisk *disk, const bool btf)
{
	if (btf)
		return (__u32)disk->major << 20 | (__u32)disk->first_minor;
	return (__u32)BPF_CORE_READ(disk, major) << 20 | (__u32)BPF_CORE_READ(disk, first_minor);
}

static __always_inline __u64 rq_sector(struct request *rq, const bool btf)
{
	return btf ? rq->__sector : BPF_CORE_READ(rq, __sector);
}

/* REQ_OP_BITS has been 8 since 4.10. */
static __always_inline __u32 rq_op(struct request *rq, const bool btf)
{
	__u32 op = (btf ? rq->cmd_flags : BPF_CORE_READ(rq, cmd_flags)) & 0xff;

	if (op == bpf_core_enum_value(enum req_op, REQ_OP_READ))
		return BIOLATENCY_OP_READ;
	if (op == bpf_core_enum_value(enum req_op, REQ_OP_WRITE))
		return BIOLATENCY_OP_WRITE;
	if (op == bpf_core_enum_value(enum req_op, REQ_OP_FLUSH))
		return BIOLATENCY_OP_FLUSH;
	if (op == bpf_core_enum_value(enum req_op, REQ_OP_DISCARD) ||
	    op == bpf_core_enum_value(enum req_op, REQ_OP_SECURE_ERASE) ||
	    op == bpf_core_enum_value(enum req_op, REQ_OP_WRITE_ZEROES))
		return BIOLATENCY_OP_DISCARD;
	return BIOLATENCY_OP_OTHER;
}

static __always_inline bool dev_selected(__u32 dev)
{
	return !targ_dev || dev == targ_dev;
}

/* Adds v to this CPU's copy of a histogram: no other CPU writes it, so plain adds. */
static __always_inline void hist_add(struct xm_hist *h, __u64 delta_ns)
{
	__u64 v = targ_ns ? delta_ns : delta_ns / 1000;

	h->slots[xm_hist_slot(v)]++;
	h->sum += v;
	h->count++;
}

/* Free slots tried per call; more only when CPUs race for new disks, and then the next call goes on. */
#define CLAIM_TRIES 4

/*
 * The slot of a disk in "disks", claiming a free one (and recording the
 * disk's name) when the disk is new; BIOLATENCY_MAX_DISKS when none could
 * be had. Rare (once per CPU, disk and operation): kept out of line.
 */
static __noinline __u32 disk_slot(__u32 dev, struct gendisk *disk)
{
	struct biolatency_disk *d;
	__u32 *known, slot, i;

	known = bpf_map_lookup_elem(&disk_slots, &dev);
	if (known)
		return *known;
	/*
	 * A slot is claimed by the CPU whose atomic add took its claims from 0
	 * to 1: a CPU that adds second reads at least 2. Atomic adds that
	 * return the old value would need a 5.12 kernel.
	 */
#pragma unroll
	for (i = 0; i < CLAIM_TRIES; i++) {
		slot = disks_hint + i;
		d = bpf_map_lookup_elem(&disks, &slot);
		if (!d)
			return BIOLATENCY_MAX_DISKS;
		if (!d->claims) {
			__sync_fetch_and_add(&d->claims, 1);
			if (*(volatile __u32 *)&d->claims == 1)
				goto claimed;
		}
	}
	disks_hint += CLAIM_TRIES;
	return BIOLATENCY_MAX_DISKS;
claimed:
	disks_hint = slot + 1;
	d->dev = dev;
	bpf_probe_read_kernel_str(d->name, sizeof(d->name), &disk->disk_name);
	if (bpf_map_update_elem(&disk_slots, &dev, &slot, BPF_NOEXIST)) {
		/* Another CPU recorded the disk first: its slot counts, this one stays unused. */
		known = bpf_map_lookup_elem(&disk_slots, &dev);
		return known ? *known : BIOLATENCY_MAX_DISKS;
	}
	return slot;
}

/*
 * This CPU's counters of a disk and operation, created the first time any
 * CPU sees them; the disk's slot is filled in the first time this CPU
 * does. NULL when the map is full: the request is then not counted.
 */
static __always_inline struct biolatency_io *io_of(struct biolatency_key *key, struct gendisk *disk)
{
	struct biolatency_io *io;
	__u32 slot;

	io = xm_map_lookup_or_try_init(&io_stats, key, &zero_io);
	if (!io)
		return NULL;
	if (!io->disk_slot) {
		slot = disk_slot(key->dev, disk);
		if (slot < BIOLATENCY_MAX_DISKS)
			io->disk_slot = slot + 1;
	}
	return io;
}

static __always_inline void fill_task(struct rq_start *s)
{
	__u64 id;

	if (!slow_min_ns)
		return;
	id = bpf_get_current_pid_tgid();
	s->tid = (__u32)id;
	s->pid = id >> 32;
	bpf_get_current_comm(s->comm, sizeof(s->comm));
}

static __always_inline void on_insert(struct request *rq, const bool btf)
{
	struct rq_start *s, init = {};
	__u64 key = (__u64)rq, now;

	if (targ_dev && !dev_selected(disk_dev(rq_disk(rq, btf), btf)))
		return;
	now = bpf_ktime_get_ns();
	s = bpf_map_lookup_elem(&starts, &key);
	if (s) {
		s->insert_ns = now;
		s->issue_ns = 0;
		fill_task(s);
		return;
	}
	init.insert_ns = now;
	fill_task(&init);
	bpf_map_update_elem(&starts, &key, &init, BPF_ANY);
}

static __always_inline void on_issue(struct request *rq, const bool btf)
{
	struct biolatency_key hkey = {};
	struct rq_start *s, init = {};
	struct biolatency_io *io;
	struct gendisk *disk;
	__u64 key = (__u64)rq, now;

	/* Before the lookup: disks can share a tag set, and so a request (and its entry). */
	if (targ_dev && !dev_selected(disk_dev(rq_disk(rq, btf), btf)))
		return;
	now = bpf_ktime_get_ns();
	s = bpf_map_lookup_elem(&starts, &key);
	if (!s) {
		init.issue_ns = now;
		fill_task(&init);
		bpf_map_update_elem(&starts, &key, &init, BPF_ANY);
		return;
	}
	if (s->insert_ns) {
		/* Re-issue after a requeue: the queue time was counted the first time. */
		if (!s->issue_ns) {
			disk = rq_disk(rq, btf);
			hkey.dev = disk_dev(disk, btf);
			hkey.op = rq_op(rq, btf);
			io = io_of(&hkey, disk);
			if (io)
				hist_add(&io->queue, now - s->insert_ns);
		}
	} else if (!s->issue_ns) {
		/* Issued without insert: the issuing task is the one to report. */
		fill_task(s);
	}
	s->issue_ns = now;
}

/*
 * Sequential or random: does the request start where the previous one on
 * its disk ended? The disk's entry is shared by all CPUs; like BCC's
 * biopattern, the check and the update are not one atomic step.
 */
static __always_inline void count_pattern(struct biolatency_io *io, struct request *rq,
					  __u32 bytes, const bool btf)
{
	struct biolatency_disk *d;
	__u32 slot = io->disk_slot - 1;
	__u64 sector;

	d = bpf_map_lookup_elem(&disks, &slot);
	if (!d)
		return;
	sector = rq_sector(rq, btf);
	/* next_sector 0: no request with data seen on the disk yet. */
	if (d->next_sector && d->next_sector == sector)
		io->sequential++;
	else
		io->random++;
	d->next_sector = sector + (bytes >> 9);
}

static __always_inline void emit_event(struct request *rq, struct biolatency_key *hkey,
				       struct gendisk *disk, struct rq_start *s, int error,
				       __u32 bytes, __u64 service_ns, const bool btf)
{
	struct biolatency_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&events_dropped, 1);
		return;
	}
	e->dev = hkey->dev;
	e->op = hkey->op;
	e->error = error;
	e->bytes = bytes;
	e->sector = rq_sector(rq, btf);
	e->queue_ns = s->insert_ns ? s->issue_ns - s->insert_ns : 0;
	e->service_ns = service_ns;
	e->pid = s->pid;
	e->tid = s->tid;
	__builtin_memcpy(e->comm, s->comm, sizeof(e->comm));
	bpf_probe_read_kernel_str(e->disk, sizeof(e->disk), &disk->disk_name);
	bpf_ringbuf_submit(e, 0);
}

/*
 * block_rq_complete(rq, error, nr_bytes) fires in blk_update_request();
 * nr_bytes is what this completion finished (all of the request, except
 * for the rare partial completions, each of which is counted).
 */
static __always_inline void on_complete(struct request *rq, int error, __u32 nr_bytes,
					const bool btf)
{
	struct gendisk *disk = rq_disk(rq, btf);
	struct biolatency_key hkey = {};
	struct biolatency_io *io;
	__u64 key = (__u64)rq, delta;
	struct rq_start *s;

	hkey.dev = disk_dev(disk, btf);
	if (!dev_selected(hkey.dev))
		return;
	hkey.op = rq_op(rq, btf);
	io = io_of(&hkey, disk);
	if (io) {
		io->requests++;
		if (error)
			io->errors++;
		io->bytes += nr_bytes;
		if (nr_bytes)
			count_pattern(io, rq, nr_bytes, btf);
	}

	s = bpf_map_lookup_elem(&starts, &key);
	if (!s)
		return;
	if (s->issue_ns) {
		delta = bpf_ktime_get_ns() - s->issue_ns;
		if (io)
			hist_add(&io->service, delta);
		if (slow_min_ns && delta >= slow_min_ns)
			emit_event(rq, &hkey, disk, s, error, nr_bytes, delta, btf);
	}
	/* Done: the entry waits for the request's next use (see "starts"). */
	s->insert_ns = 0;
	s->issue_ns = 0;
}

/* ---- strategy tp_btf ---- */

SEC("tp_btf/block_rq_insert")
int BPF_PROG(tp_btf_block_rq_insert)
{
	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(5, 11, 0))
		on_insert((void *)ctx[1], true);
	else
		on_insert((void *)ctx[0], true);
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(tp_btf_block_rq_issue)
{
	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(5, 11, 0))
		on_issue((void *)ctx[1], true);
	else
		on_issue((void *)ctx[0], true);
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(tp_btf_block_rq_complete, struct request *rq, int error, unsigned int nr_bytes)
{
	on_complete(rq, error, nr_bytes, true);
	return 0;
}

/* ---- strategy raw_tp ---- */

SEC("raw_tp/block_rq_insert")
int BPF_PROG(raw_tp_block_rq_insert)
{
	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(5, 11, 0))
		on_insert((void *)ctx[1], false);
	else
		on_insert((void *)ctx[0], false);
	return 0;
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(raw_tp_block_rq_issue)
{
	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(5, 11, 0))
		on_issue((void *)ctx[1], false);
	else
		on_issue((void *)ctx[0], false);
	return 0;
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(raw_tp_block_rq_complete, struct request *rq, int error, unsigned int nr_bytes)
{
	on_complete(rq, error, nr_bytes, false);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
