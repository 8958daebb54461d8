/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layout shared by biolatency.bpf.c and user space. User-space C includes
 * <linux/types.h> first; the BPF side gets the __u* types from vmlinux.h.
 */
#ifndef __BIOLATENCY_H
#define __BIOLATENCY_H

#include "xmonitor/xm_hist.h"

#define BIOLATENCY_COMM_LEN 16
#define BIOLATENCY_DISK_NAME_LEN 32

/* Operation of a request (from the kernel's REQ_OP_*). */
enum biolatency_op {
	BIOLATENCY_OP_READ = 0,
	BIOLATENCY_OP_WRITE = 1,
	BIOLATENCY_OP_FLUSH = 2,
	BIOLATENCY_OP_DISCARD = 3,	/* discard, secure erase and write zeroes */
	BIOLATENCY_OP_OTHER = 4,	/* zone management, driver-private */
};

/* How many disks the probe follows (entries of "disks" and "disk_slots"). */
#define BIOLATENCY_MAX_DISKS 256

/*
 * Key of the per-CPU map "io_stats" (value struct biolatency_io).
 *   dev: the whole disk's dev_t in the kernel's encoding,
 *        major << 20 | minor (as the block tracepoints print it); requests
 *        are on disks, partitions were resolved before;
 *   op:  enum biolatency_op.
 */
struct biolatency_key {
	__u32 dev;
	__u32 op;
};

/*
 * One CPU's counters and histograms of a disk and operation: the value of
 * the per-CPU hash "io_stats". Only that CPU writes its copy, so the hot
 * path needs no atomic operations; user space sums the CPUs' copies.
 *   requests:   completions (block_rq_complete);
 *   errors:     completions with a non-zero status;
 *   bytes:      bytes completed;
 *   sequential: requests with data that started at the sector where the
 *               previous completed request with data on the same disk
 *               (of any operation) ended, as BCC's biopattern;
 *   random:     the other requests with data (flushes count as neither);
 *   disk_slot:  the disk's index in "disks" plus one; 0 in a CPU's copy
 *               until that CPU first counts a request of this disk and
 *               operation, and for a disk that got no slot (more than
 *               BIOLATENCY_MAX_DISKS disks): its requests are then neither
 *               sequential nor random;
 *   service:    service time (issue to completion), in microseconds
 *               (nanoseconds with targ_ns);
 *   queue:      queue time (insert into the I/O scheduler to issue).
 */
struct biolatency_io {
	__u64 requests;
	__u64 errors;
	__u64 bytes;
	__u64 sequential;
	__u64 random;
	__u32 disk_slot;
	__u32 reserved;
	struct xm_hist service;
	struct xm_hist queue;
};

/*
 * A disk the probe has seen: the value of the array "disks", at the slot
 * that the hash "disk_slots" (dev -> __u32 slot) gives the disk.
 *   next_sector: the sector after the last completed request with data
 *                (for the sequential/random check; shared by all CPUs);
 *   dev:         as in biolatency_key;
 *   claims:      CPUs that tried to take this slot; the one that made it
 *                1 owns it;
 *   name:        the disk's name (gendisk disk_name), NUL-terminated.
 */
struct biolatency_disk {
	__u64 next_sector;
	__u32 dev;
	__u32 claims;
	char name[BIOLATENCY_DISK_NAME_LEN];
};

/*
 * Ring-buffer record (map "events"): one request whose service time
 * (issue to completion) was at least slow_min_ns. 96 bytes, no padding.
 *   dev, op:    as in biolatency_key;
 *   error:      the completion status (blk_status_t, 0 = ok);
 *   bytes:      bytes completed;
 *   sector:     first sector (512 bytes) of the request;
 *   queue_ns:   time from insert to issue, 0 if the request bypassed the
 *               scheduler or was inserted before the probe started;
 *   service_ns: time from issue to completion;
 *   pid, tid:   the task that inserted the request (or, without insert,
 *               that issued it: often a kworker for writeback or plug
 *               flushes), initial pid namespace;
 *   comm:       that task's name;
 *   disk:       the disk's name.
 */
struct biolatency_event {
	__u32 dev;
	__u32 op;
	__s32 error;
	__u32 bytes;
	__u64 sector;
	__u64 queue_ns;
	__u64 service_ns;
	__u32 pid;
	__u32 tid;
	char comm[BIOLATENCY_COMM_LEN];
	char disk[BIOLATENCY_DISK_NAME_LEN];
};

#endif /* __BIOLATENCY_H */
