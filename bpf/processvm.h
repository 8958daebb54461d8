/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layout shared by processvm.bpf.c and user space. User-space C includes
 * <linux/types.h> first; the BPF side gets the __u* types from vmlinux.h.
 */
#ifndef __PROCESSVM_H
#define __PROCESSVM_H

#define PROCESSVM_COMM_LEN 16

/* What kind of address space a mapping is. */
enum processvm_kind {
	PROCESSVM_KIND_ANON_PRIVATE = 0,	/* mmap MAP_PRIVATE | MAP_ANONYMOUS */
	PROCESSVM_KIND_SHARED = 1,		/* mmap MAP_SHARED: anonymous, memfd,
						 * /dev/shm and other files */
	PROCESSVM_KIND_BRK = 2,			/* the brk heap */
};

/* The call that produced a processvm_event. */
enum processvm_op {
	PROCESSVM_OP_MMAP = 0,
	PROCESSVM_OP_MREMAP = 1,	/* growth of a tracked mapping by mremap */
	PROCESSVM_OP_BRK = 2,		/* growth of the heap by brk */
};

/*
 * Byte counters of one kind, in bytes of address space (page-aligned
 * lengths, as the kernel maps them; not resident memory).
 *   current_bytes:   mapped now, as far as the probe has seen (mappings made
 *                    before the probe started or inherited through fork()
 *                    are not included);
 *   allocated_bytes: total ever added (mmap, mremap growth, brk growth);
 *   freed_bytes:     total ever removed (munmap, mremap shrink, brk
 *                    shrink, MAP_FIXED over a tracked range, exec).
 * current_bytes = allocated_bytes - freed_bytes.
 */
struct processvm_kind_stats {
	__u64 current_bytes;
	__u64 allocated_bytes;
	__u64 freed_bytes;
};

/*
 * Value of the map "proc_stats", keyed by __u32 tgid (initial pid
 * namespace). The entry is deleted when the process exits.
 *   untracked_freed_bytes: bytes unmapped (munmap, mremap, brk shrink)
 *                          that the probe had never seen mapped (made
 *                          before it started, inherited through fork), or
 *                          could not classify (see processvm.bpf.c);
 *   ranges_dropped:        vma_lookup off only: mappings not remembered
 *                          because the map "vm_ranges" was full (their
 *                          bytes are still counted as allocated, but an
 *                          unmap of them lands in untracked_freed_bytes);
 *   comm:                  process name at the last event.
 */
struct processvm_stats {
	struct processvm_kind_stats anon_private;
	struct processvm_kind_stats shared;
	struct processvm_kind_stats brk;
	__u64 untracked_freed_bytes;
	__u64 ranges_dropped;
	char comm[PROCESSVM_COMM_LEN];
};

/*
 * Key of the map "vm_ranges" (used with vma_lookup off): one mapping the
 * probe saw created, by its start address (value: struct processvm_range).
 */
struct processvm_range_key {
	__u32 tgid;
	__u32 pad;
	__u64 start;
};

struct processvm_range {
	__u64 len;	/* bytes, page-aligned */
	__u32 kind;	/* enum processvm_kind */
	__u32 pad;
};

/*
 * Ring-buffer record (map "events"): one allocation of at least
 * event_min_bytes bytes. 56 bytes, no padding.
 *   pid, tgid: thread and process id (initial pid namespace);
 *   op, kind:  enum processvm_op, enum processvm_kind;
 *   addr:      start of the new mapping (for brk: the old break);
 *   len:       bytes added by this call;
 *   cgroup_id: the task's cgroup id (see xm_cgroup_memcg_v1);
 *   comm:      task name, NUL-terminated.
 */
struct processvm_event {
	__u32 pid;
	__u32 tgid;
	__u32 op;
	__u32 kind;
	__u64 addr;
	__u64 len;
	__u64 cgroup_id;
	char comm[PROCESSVM_COMM_LEN];
};

#endif /* __PROCESSVM_H */
