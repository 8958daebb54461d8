/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layout shared by fslatency.bpf.c and user space. User-space C includes
 * <linux/types.h> first; the BPF side gets the __u* types from vmlinux.h.
 */
#ifndef __FSLATENCY_H
#define __FSLATENCY_H

#include "xmonitor/xm_hist.h"

#define FSLATENCY_COMM_LEN 16
#define FSLATENCY_NAME_LEN 64
#define FSLATENCY_FSTYPE_LEN 16

/* Some super block magic numbers (include/uapi/linux/magic.h) for fs_magic. */
#define FSLATENCY_NFS_SUPER_MAGIC	0x6969		/* nfs and nfs4 */
#define FSLATENCY_EXT4_SUPER_MAGIC	0xEF53		/* ext2, ext3, ext4 */
#define FSLATENCY_TMPFS_MAGIC		0x01021994
#define FSLATENCY_XFS_SUPER_MAGIC	0x58465342
#define FSLATENCY_BTRFS_SUPER_MAGIC	0x9123683E
#define FSLATENCY_PIPEFS_MAGIC		0x50495045	/* anonymous pipes */

enum fslatency_op {
	FSLATENCY_OP_READ = 0,		/* read, pread64 (nfs_file_read) */
	FSLATENCY_OP_WRITE = 1,		/* write, pwrite64 (nfs_file_write) */
	FSLATENCY_OP_OPEN = 2,		/* openat, open (nfs_file_open) */
	FSLATENCY_OP_FSYNC = 3,		/* fsync, fdatasync (nfs_file_fsync) */
	FSLATENCY_OP_GETATTR = 4,	/* fstat, newfstatat, statx (nfs_getattr) */
};

/*
 * Key of the maps "latency_hists" (value struct xm_hist, microseconds)
 * and "op_stats" (value struct fslatency_stats).
 *   dev: the file system's device (super block s_dev, kernel encoding
 *        major << 20 | minor; st_dev of stat(2) is the same device), so
 *        every mount of the selected type has its own figures;
 *   op:  enum fslatency_op.
 */
struct fslatency_key {
	__u32 dev;
	__u32 op;
};

/*
 * Counters per file system and operation.
 *   ops:    completed calls timed;
 *   errors: calls that returned an error;
 *   bytes:  bytes read or written (read and write only).
 */
struct fslatency_stats {
	__u64 ops;
	__u64 errors;
	__u64 bytes;
};

/*
 * Ring-buffer record (map "events"): one call that took at least
 * slow_min_ns. 128 bytes, no padding.
 *   latency_ns: from the call's entry to its return;
 *   ret:        the return value (bytes for read/write, the fd for open,
 *               0 or -errno);
 *   size:       bytes asked for (read/write), 0 otherwise;
 *   dev, op:    as in fslatency_key;
 *   pid, tid:   the calling process and thread (initial pid namespace);
 *   ino:        the file's inode number, 0 if unknown (path-based stat);
 *   comm:       the calling thread's name;
 *   file:       the file's name: the last path component of the opened
 *               file (dentry name), or for path-based stat the path as the
 *               caller passed it (truncated), NUL-terminated.
 */
struct fslatency_event {
	__u64 latency_ns;
	__s64 ret;
	__u64 size;
	__u32 dev;
	__u32 op;
	__u32 pid;
	__u32 tid;
	__u64 ino;
	char comm[FSLATENCY_COMM_LEN];
	char file[FSLATENCY_NAME_LEN];
};

#endif /* __FSLATENCY_H */
