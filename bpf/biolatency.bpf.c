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

/* Histogram unit: nanoseconds instead of microseconds. */
const volatile bool targ_ns = false;
/* Only this disk (dev_t in the kernel's encoding, major << 20 | minor); 0: all disks. */
const volatile __u32 targ_dev = 0;
/* Service time from which a request is reported through "events"; 0 turns the records off. */
const volatile __u64 slow_min_ns = 0;

/* Records lost because the ring buffer was full; read by user space. */
__u64 events_dropped = 0;

/* A request in flight: when it was inserted and issued, and by whom. */
struct rq_start {
	__u64 insert_ns;
	__u64 issue_ns;
	__u32 pid;
	__u32 tid;
	char comm[BIOLATENCY_COMM_LEN];
};

/* struct request * -> its start. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, struct rq_start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct biolatency_key);
	__type(value, struct xm_hist);
} service_hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct biolatency_key);
	__type(value, struct xm_hist);
} queue_hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct biolatency_key);
	__type(value, struct biolatency_stats);
} disk_stats SEC(".maps");

/* dev -> the sector after the last completed request with data (sequential detection). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} next_sector SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

XM_RINGBUF_RECORD(events, struct, biolatency_event);
XM_EXPORT_TYPE(enum, biolatency_op);

static const struct xm_hist zero_hist;
static const struct biolatency_stats zero_stats;

/* Before 5.16 (or so) the disk was rq->rq_disk; now rq->q->disk. */
struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

static __always_inline struct gendisk *rq_disk(struct request *rq)
{
	struct request___old *old = (void *)rq;

	if (bpf_core_field_exists(old->rq_disk))
		return BPF_CORE_READ(old, rq_disk);
	return BPF_CORE_READ(rq, q, disk);
}

/* The whole disk's dev_t, major << 20 | minor (MKDEV). */
static __always_inline __u32 disk_dev(struct gendisk *disk)
{
	__u32 major = BPF_CORE_READ(disk, major), minor = BPF_CORE_READ(disk, first_minor);

	return major << 20 | minor;
}

/* REQ_OP_BITS has been 8 since 4.10. */
static __always_inline __u32 rq_op(struct request *rq)
{
	__u32 op = BPF_CORE_READ(rq, cmd_flags) & 0xff;

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

static __always_inline void hist_add(void *map, struct biolatency_key *key, __u64 delta_ns)
{
	struct xm_hist *h;

	h = xm_map_lookup_or_try_init(map, key, &zero_hist);
	if (h)
		xm_hist_add(h, targ_ns ? delta_ns : delta_ns / 1000);
}

static __always_inline void fill_task(struct rq_start *s)
{
	__u64 id = bpf_get_current_pid_tgid();

	s->tid = (__u32)id;
	s->pid = id >> 32;
	bpf_get_current_comm(s->comm, sizeof(s->comm));
}

static __always_inline void on_insert(struct request *rq)
{
	struct rq_start s = {};
	__u64 key = (__u64)rq;

	if (!dev_selected(disk_dev(rq_disk(rq))))
		return;
	s.insert_ns = bpf_ktime_get_ns();
	fill_task(&s);
	bpf_map_update_elem(&starts, &key, &s, BPF_ANY);
}

static __always_inline void on_issue(struct request *rq)
{
	struct biolatency_key hkey = {};
	struct rq_start *s, init = {};
	__u64 key = (__u64)rq, now = bpf_ktime_get_ns();

	hkey.dev = disk_dev(rq_disk(rq));
	if (!dev_selected(hkey.dev))
		return;
	s = bpf_map_lookup_elem(&starts, &key);
	if (!s) {
		init.issue_ns = now;
		fill_task(&init);
		bpf_map_update_elem(&starts, &key, &init, BPF_ANY);
		return;
	}
	/* Re-issue after a requeue: the queue time was counted the first time. */
	if (s->insert_ns && !s->issue_ns) {
		hkey.op = rq_op(rq);
		hist_add(&queue_hists, &hkey, now - s->insert_ns);
	}
	s->issue_ns = now;
}

static __always_inline void count_completion(struct request *rq, struct biolatency_key *hkey,
					     struct gendisk *disk, int error, __u32 bytes)
{
	struct biolatency_stats *st;
	__u64 sector, *next, end;
	__u32 dev = hkey->dev;

	st = xm_map_lookup_or_try_init(&disk_stats, hkey, &zero_stats);
	if (!st)
		return;
	__sync_fetch_and_add(&st->requests, 1);
	if (error)
		__sync_fetch_and_add(&st->errors, 1);
	__sync_fetch_and_add(&st->bytes, bytes);
	if (!st->disk[0])
		bpf_probe_read_kernel_str(st->disk, sizeof(st->disk), &disk->disk_name);

	if (!bytes)
		return;
	sector = BPF_CORE_READ(rq, __sector);
	end = sector + (bytes >> 9);
	next = bpf_map_lookup_elem(&next_sector, &dev);
	if (next) {
		if (*next == sector)
			__sync_fetch_and_add(&st->sequential, 1);
		else
			__sync_fetch_and_add(&st->random, 1);
		*next = end;
	} else {
		__sync_fetch_and_add(&st->random, 1);
		bpf_map_update_elem(&next_sector, &dev, &end, BPF_ANY);
	}
}

static __always_inline void emit_event(struct request *rq, struct biolatency_key *hkey,
				       struct gendisk *disk, struct rq_start *s, int error,
				       __u32 bytes, __u64 service_ns)
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
	e->sector = BPF_CORE_READ(rq, __sector);
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
static __always_inline void on_complete(struct request *rq, int error, __u32 nr_bytes)
{
	struct gendisk *disk = rq_disk(rq);
	struct biolatency_key hkey = {};
	__u64 key = (__u64)rq, delta;
	struct rq_start *s;

	hkey.dev = disk_dev(disk);
	if (!dev_selected(hkey.dev))
		return;
	hkey.op = rq_op(rq);
	count_completion(rq, &hkey, disk, error, nr_bytes);

	s = bpf_map_lookup_elem(&starts, &key);
	if (!s)
		return;
	if (s->issue_ns) {
		delta = bpf_ktime_get_ns() - s->issue_ns;
		hist_add(&service_hists, &hkey, delta);
		if (slow_min_ns && delta >= slow_min_ns)
			emit_event(rq, &hkey, disk, s, error, nr_bytes, delta);
	}
	bpf_map_delete_elem(&starts, &key);
}

/* ---- strategy tp_btf ---- */

SEC("tp_btf/block_rq_insert")
int BPF_PROG(tp_btf_block_rq_insert)
{
	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(5, 11, 0))
		on_insert((void *)ctx[1]);
	else
		on_insert((void *)ctx[0]);
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(tp_btf_block_rq_issue)
{
	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(5, 11, 0))
		on_issue((void *)ctx[1]);
	else
		on_issue((void *)ctx[0]);
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(tp_btf_block_rq_complete, struct request *rq, int error, unsigned int nr_bytes)
{
	on_complete(rq, error, nr_bytes);
	return 0;
}

/* ---- strategy raw_tp ---- */

SEC("raw_tp/block_rq_insert")
int BPF_PROG(raw_tp_block_rq_insert)
{
	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(5, 11, 0))
		on_insert((void *)ctx[1]);
	else
		on_insert((void *)ctx[0]);
	return 0;
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(raw_tp_block_rq_issue)
{
	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(5, 11, 0))
		on_issue((void *)ctx[1]);
	else
		on_issue((void *)ctx[0]);
	return 0;
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(raw_tp_block_rq_complete, struct request *rq, int error, unsigned int nr_bytes)
{
	on_complete(rq, error, nr_bytes);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
