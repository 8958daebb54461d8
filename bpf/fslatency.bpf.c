// SPDX-License-Identifier: GPL-2.0
/*
 * File system latency probe (BCC's nfsdist + nfsslower, for any file
 * system type): per file system (device) and operation (read, write,
 * open, fsync, getattr) log2 latency histograms and counters, and a
 * ring-buffer record per call slower than slow_min_ns (see fslatency.h).
 * Which file systems: those whose super block has magic fs_magic (default
 * NFS_SUPER_MAGIC, which nfs and nfs4 share; 0: any) and, if fs_type is
 * set, whose type name is fs_type ("nfs4", "ext4", "tmpfs", ...).
 *
 * Attach strategies (user space picks one set with
 * bpf_program__set_autoload()):
 *   tp_*      syscall tracepoints (sys_enter_ / sys_exit_ of read, write,
 *             pread64, pwrite64, openat, open, fsync, fdatasync, newfstat,
 *             newfstatat, statx): works on any kernel with syscall
 *             tracepoints, for any file system; what this machine uses.
 *             The file of an fd is found in the calling task's file table
 *             with CO-RE (task->files->fdt->fd[fd]), its file system in
 *             file->f_inode->i_sb. openat/open are resolved at exit from
 *             the returned fd (failed opens are not seen). Path-based stat
 *             (newfstatat, statx) is resolved at exit from the st_dev the
 *             kernel wrote to the caller's buffer, looked up in fs_devs:
 *             devices of the selected type, learned from every file the
 *             probe resolves and prefilled by user space from
 *             /proc/self/mountinfo (failed stats are not seen).
 *   kprobe_*  kprobes/kretprobes on the NFS client's file operations
 *             nfs_file_read, nfs_file_write, nfs_file_open (nfs4_file_open for
 *             NFSv4, module nfsv4.ko), nfs_file_fsync
 *             and inode operation nfs_getattr (module nfs.ko): the time
 *             NFS itself takes, without the VFS around it. NFS only; the
 *             type filter is not applied.
 *   fentry_*  fentry/fexit on the same functions (5.5+ with trampolines;
 *             libbpf finds them in the nfs module's BTF, so nfs.ko must be
 *             loaded).
 *
 * What the syscall strategy counts that the NFS functions would not: the
 * VFS and page-cache time around the file system (a cached read is fast
 * in both), and calls on every kind of file of the selected file systems
 * (FIFOs, devices); not counted: I/O through mmap, sendfile, splice,
 * io_uring, readv/writev, and calls of the fd strategy on a file closed
 * by another thread meanwhile (the file is then read best-effort).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "fslatency.h"
#include "xmonitor/xm_core.bpf.h"
#include "xmonitor/xm_export.bpf.h"
#include "xmonitor/xm_filter.bpf.h"
#include "xmonitor/xm_hist.bpf.h"
#include "xmonitor/xm_maps.bpf.h"

/* Super block magic of the file systems to watch; 0: any. */
const volatile __u64 fs_magic = FSLATENCY_NFS_SUPER_MAGIC;
/* File system type name to watch (sb->s_type->name); empty: any with fs_magic. */
const volatile char fs_type[FSLATENCY_FSTYPE_LEN] = {};
/* Latency from which a call is reported through "events"; 0 turns the records off. */
const volatile __u64 slow_min_ns = 0;

/* Records lost because the ring buffer was full; read by user space. */
__u64 events_dropped = 0;

/*
 * Entries in "calls": an exit looks its thread up only while there is one.
 * The exits of every read and write of the machine run the programs, and
 * most of them find nothing (a pipe, a socket, another file system): this
 * one load spares them a hash lookup. Never lower than the entries (counted
 * up after an insert, down after a delete), so no call is missed. Opens and
 * path-based stats are in "path_calls", not counted: they are saved for any
 * file, and some block for long (every .NET process has a thread waiting in
 * openat on a FIFO), which would keep the count above 0.
 */
__u64 calls_in_flight = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct fslatency_key);
	__type(value, struct xm_hist);
} latency_hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct fslatency_key);
	__type(value, struct fslatency_stats);
} op_stats SEC(".maps");

/*
 * Devices (s_dev, kernel encoding) of file systems of the selected type
 * -> their magic. Filled by the probe and by user space; read by the
 * path-based stat calls.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} fs_devs SEC(".maps");

enum call_kind {
	CALL_FILE,	/* file known at entry: file holds it */
	CALL_OPEN,	/* open: the file is the fd returned */
	CALL_STAT,	/* newfstatat: struct stat at buf */
	CALL_STATX,	/* statx: struct statx at buf */
};

/* A call in progress, from entry to exit. */
struct fs_call {
	__u64 ts;
	__u64 file;	/* CALL_FILE: struct file * */
	__u64 name;	/* CALL_OPEN, CALL_STAT*: user pointer to the path */
	__u64 buf;	/* CALL_STAT*: user pointer to the result */
	__u64 size;	/* read/write: bytes asked for */
	__u32 op;	/* enum fslatency_op */
	__u32 kind;	/* enum call_kind */
};

/* Thread id -> its call in progress on a file of a selected file system (CALL_FILE). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct fs_call);
} calls SEC(".maps");

/* Thread id -> its open or path-based stat in progress, of any file (CALL_OPEN, CALL_STAT*). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct fs_call);
} path_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

XM_RINGBUF_RECORD(events, struct, fslatency_event);
XM_EXPORT_TYPE(enum, fslatency_op);

static const struct xm_hist zero_hist;
static const struct fslatency_stats zero_stats;

/* True when the super block is of the selected type. */
static __always_inline bool sb_selected(struct super_block *sb)
{
	char name[FSLATENCY_FSTYPE_LEN];
	const char *type_name;
	int i;

	if (!sb)
		return false;
	if (fs_magic && BPF_CORE_READ(sb, s_magic) != fs_magic)
		return false;
	if (!fs_type[0])
		return true;
	type_name = BPF_CORE_READ(sb, s_type, name);
	if (bpf_probe_read_kernel_str(name, sizeof(name), type_name) < 0)
		return false;
	for (i = 0; i < FSLATENCY_FSTYPE_LEN; i++) {
		if (name[i] != fs_type[i])
			return false;
		if (!name[i])
			return true;
	}
	return true;
}

static __always_inline struct super_block *file_sb(struct file *file)
{
	return BPF_CORE_READ(file, f_inode, i_sb);
}

/*
 * The struct file of fd in the current task's file table, NULL if none.
 * Every read and write of the machine comes here: with a BTF task (5.11+)
 * task->files->fdt and its fields are direct loads (faults read as 0), not
 * one helper call per hop; the dead branch is dropped at load.
 */
static __always_inline struct file *fd_file(int fd)
{
	struct file **fds, *file = NULL;
	struct fdtable *fdt;

	if (fd < 0)
		return NULL;
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)) {
		fdt = bpf_get_current_task_btf()->files->fdt;
		if (!fdt || fd >= fdt->max_fds)
			return NULL;
		fds = fdt->fd;
	} else {
		fdt = BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), files, fdt);
		if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
			return NULL;
		fds = BPF_CORE_READ(fdt, fd);
	}
	bpf_core_read(&file, sizeof(file), fds + fd);
	return file;
}

/* Remembers a selected file system's device for the path-based stat calls. */
static __always_inline void learn_dev(struct super_block *sb)
{
	__u32 dev = BPF_CORE_READ(sb, s_dev);
	__u64 magic;

	/* Known almost always: a lookup is cheaper than an update, which takes the bucket's lock. */
	if (bpf_map_lookup_elem(&fs_devs, &dev))
		return;
	magic = BPF_CORE_READ(sb, s_magic);
	bpf_map_update_elem(&fs_devs, &dev, &magic, BPF_NOEXIST);
}

static __always_inline bool task_selected(void)
{
	return xm_filter_task((struct task_struct *)bpf_get_current_task());
}

static __always_inline void save_call(struct fs_call *c)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	c->ts = bpf_ktime_get_ns();
	if (!bpf_map_update_elem(&calls, &tid, c, BPF_NOEXIST))
		__sync_fetch_and_add(&calls_in_flight, 1);
	else
		/* A call whose exit was not seen (the programs were attached in between): replaced. */
		bpf_map_update_elem(&calls, &tid, c, BPF_EXIST);
}

/* Takes the thread's call in progress out of "calls" into c; false if it has none. */
static __always_inline bool take_call(__u32 tid, struct fs_call *c)
{
	struct fs_call *cp;

	if (!*(volatile __u64 *)&calls_in_flight)
		return false;
	cp = bpf_map_lookup_elem(&calls, &tid);
	if (!cp)
		return false;
	*c = *cp;
	if (!bpf_map_delete_elem(&calls, &tid))
		__sync_fetch_and_add(&calls_in_flight, -1);
	return true;
}

static __always_inline void save_path_call(struct fs_call *c)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	c->ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&path_calls, &tid, c, BPF_ANY);
}

/* Takes the thread's open or stat in progress out of "path_calls" into c; false if it has none. */
static __always_inline bool take_path_call(__u32 tid, struct fs_call *c)
{
	struct fs_call *cp = bpf_map_lookup_elem(&path_calls, &tid);

	if (!cp)
		return false;
	*c = *cp;
	bpf_map_delete_elem(&path_calls, &tid);
	return true;
}

/* A call on a file known at entry (read, write, fsync, fstat). */
static __always_inline void enter_fd_call(int fd, __u32 op, __u64 size)
{
	struct fs_call c = {};
	struct super_block *sb;
	struct file *file;

	if (!task_selected())
		return;
	file = fd_file(fd);
	if (!file)
		return;
	sb = file_sb(file);
	if (!sb_selected(sb))
		return;
	learn_dev(sb);
	c.file = (__u64)file;
	c.op = op;
	c.kind = CALL_FILE;
	c.size = size;
	save_call(&c);
}

/* A call whose file system is known only at exit (open, path-based stat). */
static __always_inline void enter_path_call(const char *name, void *buf, __u32 op, __u32 kind)
{
	struct fs_call c = {};

	if (!task_selected())
		return;
	c.name = (__u64)name;
	c.buf = (__u64)buf;
	c.op = op;
	c.kind = kind;
	save_path_call(&c);
}

static __always_inline void record(struct fs_call *c, __u32 dev, struct file *file, long ret,
				   __u64 delta)
{
	struct fslatency_key key = { .dev = dev, .op = c->op };
	struct fslatency_stats *st;
	struct fslatency_event *e;
	struct xm_hist *h;
	__u64 id;

	h = xm_map_lookup_or_try_init(&latency_hists, &key, &zero_hist);
	if (h)
		xm_hist_add(h, delta / 1000);
	st = xm_map_lookup_or_try_init(&op_stats, &key, &zero_stats);
	if (st) {
		__sync_fetch_and_add(&st->ops, 1);
		if (ret < 0)
			__sync_fetch_and_add(&st->errors, 1);
		else if (c->op == FSLATENCY_OP_READ || c->op == FSLATENCY_OP_WRITE)
			__sync_fetch_and_add(&st->bytes, ret);
	}

	if (!slow_min_ns || delta < slow_min_ns)
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&events_dropped, 1);
		return;
	}
	id = bpf_get_current_pid_tgid();
	e->latency_ns = delta;
	e->ret = ret;
	e->size = c->size;
	e->dev = dev;
	e->op = c->op;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (file) {
		e->ino = BPF_CORE_READ(file, f_inode, i_ino);
		bpf_probe_read_kernel_str(e->file, sizeof(e->file),
					  BPF_CORE_READ(file, f_path.dentry, d_name.name));
	} else {
		e->ino = 0;
		bpf_probe_read_user_str(e->file, sizeof(e->file), (void *)c->name);
	}
	bpf_ringbuf_submit(e, 0);
}

/* st_dev of struct stat is new_encode_dev(dev); back to major << 20 | minor. */
static __always_inline __u32 decode_new_dev(__u64 d)
{
	__u32 major = (d >> 8) & 0xfff, minor = (d & 0xff) | ((d >> 12) & 0xfff00);

	return major << 20 | minor;
}

/*
 * The syscall returned ret: time it if the file is on a selected file system.
 * path: an open or path-based stat (in "path_calls"), else a call on an fd.
 */
static __always_inline void exit_call(long ret, bool path)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct super_block *sb;
	struct file *file = NULL;
	struct statx stx;
	struct fs_call c;
	__u64 delta, st_dev;
	__u32 dev;

	if (path ? !take_path_call(tid, &c) : !take_call(tid, &c))
		return;
	delta = bpf_ktime_get_ns() - c.ts;

	switch (c.kind) {
	case CALL_FILE:
		file = (struct file *)c.file;
		dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
		break;
	case CALL_OPEN:
		if (ret < 0)
			return;
		file = fd_file(ret);
		if (!file)
			return;
		sb = file_sb(file);
		if (!sb_selected(sb))
			return;
		learn_dev(sb);
		dev = BPF_CORE_READ(sb, s_dev);
		break;
	case CALL_STAT:
		if (ret < 0)
			return;
		/* st_dev is the first field of struct stat on x86-64 and arm64. */
		if (bpf_probe_read_user(&st_dev, sizeof(st_dev), (void *)c.buf))
			return;
		dev = decode_new_dev(st_dev);
		if (!bpf_map_lookup_elem(&fs_devs, &dev))
			return;
		break;
	case CALL_STATX:
		if (ret < 0)
			return;
		if (bpf_probe_read_user(&stx.stx_dev_major, 2 * sizeof(__u32),
					(void *)c.buf + __builtin_offsetof(struct statx, stx_dev_major)))
			return;
		dev = stx.stx_dev_major << 20 | stx.stx_dev_minor;
		if (!bpf_map_lookup_elem(&fs_devs, &dev))
			return;
		break;
	default:
		return;
	}
	record(&c, dev, file, ret, delta);
}

/* ---- strategy tp: syscall tracepoints ---- */

SEC("tp/syscalls/sys_enter_read")
int tp_sys_enter_read(struct trace_event_raw_sys_enter *ctx)
{
	enter_fd_call(ctx->args[0], FSLATENCY_OP_READ, ctx->args[2]);
	return 0;
}

SEC("tp/syscalls/sys_enter_pread64")
int tp_sys_enter_pread64(struct trace_event_raw_sys_enter *ctx)
{
	enter_fd_call(ctx->args[0], FSLATENCY_OP_READ, ctx->args[2]);
	return 0;
}

SEC("tp/syscalls/sys_enter_write")
int tp_sys_enter_write(struct trace_event_raw_sys_enter *ctx)
{
	enter_fd_call(ctx->args[0], FSLATENCY_OP_WRITE, ctx->args[2]);
	return 0;
}

SEC("tp/syscalls/sys_enter_pwrite64")
int tp_sys_enter_pwrite64(struct trace_event_raw_sys_enter *ctx)
{
	enter_fd_call(ctx->args[0], FSLATENCY_OP_WRITE, ctx->args[2]);
	return 0;
}

SEC("tp/syscalls/sys_enter_fsync")
int tp_sys_enter_fsync(struct trace_event_raw_sys_enter *ctx)
{
	enter_fd_call(ctx->args[0], FSLATENCY_OP_FSYNC, 0);
	return 0;
}

SEC("tp/syscalls/sys_enter_fdatasync")
int tp_sys_enter_fdatasync(struct trace_event_raw_sys_enter *ctx)
{
	enter_fd_call(ctx->args[0], FSLATENCY_OP_FSYNC, 0);
	return 0;
}

SEC("tp/syscalls/sys_enter_newfstat")
int tp_sys_enter_newfstat(struct trace_event_raw_sys_enter *ctx)
{
	enter_fd_call(ctx->args[0], FSLATENCY_OP_GETATTR, 0);
	return 0;
}

/* openat(dfd, filename, flags, mode) */
SEC("tp/syscalls/sys_enter_openat")
int tp_sys_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	enter_path_call((const char *)ctx->args[1], NULL, FSLATENCY_OP_OPEN, CALL_OPEN);
	return 0;
}

/* open(filename, flags, mode): x86-64 and a few other architectures only. */
SEC("tp/syscalls/sys_enter_open")
int tp_sys_enter_open(struct trace_event_raw_sys_enter *ctx)
{
	enter_path_call((const char *)ctx->args[0], NULL, FSLATENCY_OP_OPEN, CALL_OPEN);
	return 0;
}

/* newfstatat(dfd, filename, statbuf, flag) */
SEC("tp/syscalls/sys_enter_newfstatat")
int tp_sys_enter_newfstatat(struct trace_event_raw_sys_enter *ctx)
{
	enter_path_call((const char *)ctx->args[1], (void *)ctx->args[2], FSLATENCY_OP_GETATTR,
			CALL_STAT);
	return 0;
}

/* statx(dfd, filename, flags, mask, buffer) */
SEC("tp/syscalls/sys_enter_statx")
int tp_sys_enter_statx(struct trace_event_raw_sys_enter *ctx)
{
	enter_path_call((const char *)ctx->args[1], (void *)ctx->args[4], FSLATENCY_OP_GETATTR,
			CALL_STATX);
	return 0;
}

/* One exit program per syscall: a tracepoint program attaches to one tracepoint. */
#define TP_EXIT(name, path)                                             \
	SEC("tp/syscalls/sys_exit_" #name)                              \
	int tp_sys_exit_##name(struct trace_event_raw_sys_exit *ctx)    \
	{                                                               \
		exit_call(ctx->ret, path);                              \
		return 0;                                               \
	}

TP_EXIT(read, false)
TP_EXIT(pread64, false)
TP_EXIT(write, false)
TP_EXIT(pwrite64, false)
TP_EXIT(fsync, false)
TP_EXIT(fdatasync, false)
TP_EXIT(newfstat, false)
TP_EXIT(openat, true)
TP_EXIT(open, true)
TP_EXIT(newfstatat, true)
TP_EXIT(statx, true)

/* ---- strategies kprobe and fentry: the NFS client's operations ---- */

/* Entry of an NFS operation on file (NULL for getattr, known by path). */
static __always_inline void nfs_enter(struct file *file, __u32 op, __u64 size)
{
	struct fs_call c = {};

	if (!task_selected())
		return;
	c.file = (__u64)file;
	c.op = op;
	c.kind = CALL_FILE;
	c.size = size;
	save_call(&c);
}

/* Exit of an NFS operation; sb from the file, or from the path for getattr. */
static __always_inline void nfs_exit(long ret, struct super_block *sb)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct fs_call c;
	struct file *file;
	__u64 delta;

	if (!take_call(tid, &c))
		return;
	delta = bpf_ktime_get_ns() - c.ts;
	file = (struct file *)c.file;
	if (file)
		sb = file_sb(file);
	record(&c, BPF_CORE_READ(sb, s_dev), file, ret, delta);
}

/* getattr has no struct file: its super block is kept per thread between entry and exit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} getattr_sb SEC(".maps");

static __always_inline void nfs_getattr_enter(const struct path *path)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 sb = (__u64)BPF_CORE_READ(path, dentry, d_sb);

	nfs_enter(NULL, FSLATENCY_OP_GETATTR, 0);
	bpf_map_update_elem(&getattr_sb, &tid, &sb, BPF_ANY);
}

static __always_inline void nfs_getattr_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *sb = bpf_map_lookup_elem(&getattr_sb, &tid);

	if (!sb)
		return;
	nfs_exit(ret, (struct super_block *)*sb);
	bpf_map_delete_elem(&getattr_sb, &tid);
}

/* ssize_t nfs_file_read(struct kiocb *iocb, struct iov_iter *to) */
SEC("kprobe/nfs_file_read")
int BPF_KPROBE(kprobe_nfs_file_read, struct kiocb *iocb, struct iov_iter *to)
{
	nfs_enter(BPF_CORE_READ(iocb, ki_filp), FSLATENCY_OP_READ, BPF_CORE_READ(to, count));
	return 0;
}

SEC("kretprobe/nfs_file_read")
int BPF_KRETPROBE(kretprobe_nfs_file_read, long ret)
{
	nfs_exit(ret, NULL);
	return 0;
}

/* ssize_t nfs_file_write(struct kiocb *iocb, struct iov_iter *from) */
SEC("kprobe/nfs_file_write")
int BPF_KPROBE(kprobe_nfs_file_write, struct kiocb *iocb, struct iov_iter *from)
{
	nfs_enter(BPF_CORE_READ(iocb, ki_filp), FSLATENCY_OP_WRITE, BPF_CORE_READ(from, count));
	return 0;
}

SEC("kretprobe/nfs_file_write")
int BPF_KRETPROBE(kretprobe_nfs_file_write, long ret)
{
	nfs_exit(ret, NULL);
	return 0;
}

/* int nfs_file_open(struct inode *inode, struct file *filp) */
SEC("kprobe/nfs_file_open")
int BPF_KPROBE(kprobe_nfs_file_open, struct inode *inode, struct file *file)
{
	nfs_enter(file, FSLATENCY_OP_OPEN, 0);
	return 0;
}

SEC("kretprobe/nfs_file_open")
int BPF_KRETPROBE(kretprobe_nfs_file_open, int ret)
{
	nfs_exit(ret, NULL);
	return 0;
}

/*
 * int nfs4_file_open(struct inode *inode, struct file *filp) (module nfsv4.ko): NFSv4 files
 * open through it, not nfs_file_open. Loaded only when the module is.
 */
SEC("kprobe/nfs4_file_open")
int BPF_KPROBE(kprobe_nfs4_file_open, struct inode *inode, struct file *file)
{
	nfs_enter(file, FSLATENCY_OP_OPEN, 0);
	return 0;
}

SEC("kretprobe/nfs4_file_open")
int BPF_KRETPROBE(kretprobe_nfs4_file_open, int ret)
{
	nfs_exit(ret, NULL);
	return 0;
}

/* int nfs_file_fsync(struct file *file, loff_t start, loff_t end, int datasync) */
SEC("kprobe/nfs_file_fsync")
int BPF_KPROBE(kprobe_nfs_file_fsync, struct file *file)
{
	nfs_enter(file, FSLATENCY_OP_FSYNC, 0);
	return 0;
}

SEC("kretprobe/nfs_file_fsync")
int BPF_KRETPROBE(kretprobe_nfs_file_fsync, int ret)
{
	nfs_exit(ret, NULL);
	return 0;
}

/*
 * int nfs_getattr(struct mnt_idmap *idmap, const struct path *path,
 *                 struct kstat *stat, u32 request_mask, unsigned int flags)
 * (5.12 - 6.2: struct user_namespace * first; before 5.12 path was first.)
 */
SEC("kprobe/nfs_getattr")
int BPF_KPROBE(kprobe_nfs_getattr, void *idmap, const struct path *path)
{
	nfs_getattr_enter(path);
	return 0;
}

SEC("kretprobe/nfs_getattr")
int BPF_KRETPROBE(kretprobe_nfs_getattr, int ret)
{
	nfs_getattr_exit(ret);
	return 0;
}

SEC("fentry/nfs_file_read")
int BPF_PROG(fentry_nfs_file_read, struct kiocb *iocb, struct iov_iter *to)
{
	nfs_enter(BPF_CORE_READ(iocb, ki_filp), FSLATENCY_OP_READ, BPF_CORE_READ(to, count));
	return 0;
}

SEC("fexit/nfs_file_read")
int BPF_PROG(fexit_nfs_file_read, struct kiocb *iocb, struct iov_iter *to, long ret)
{
	nfs_exit(ret, NULL);
	return 0;
}

SEC("fentry/nfs_file_write")
int BPF_PROG(fentry_nfs_file_write, struct kiocb *iocb, struct iov_iter *from)
{
	nfs_enter(BPF_CORE_READ(iocb, ki_filp), FSLATENCY_OP_WRITE, BPF_CORE_READ(from, count));
	return 0;
}

SEC("fexit/nfs_file_write")
int BPF_PROG(fexit_nfs_file_write, struct kiocb *iocb, struct iov_iter *from, long ret)
{
	nfs_exit(ret, NULL);
	return 0;
}

SEC("fentry/nfs_file_open")
int BPF_PROG(fentry_nfs_file_open, struct inode *inode, struct file *file)
{
	nfs_enter(file, FSLATENCY_OP_OPEN, 0);
	return 0;
}

SEC("fexit/nfs_file_open")
int BPF_PROG(fexit_nfs_file_open, struct inode *inode, struct file *file, int ret)
{
	nfs_exit(ret, NULL);
	return 0;
}

SEC("fentry/nfs4_file_open")
int BPF_PROG(fentry_nfs4_file_open, struct inode *inode, struct file *file)
{
	nfs_enter(file, FSLATENCY_OP_OPEN, 0);
	return 0;
}

SEC("fexit/nfs4_file_open")
int BPF_PROG(fexit_nfs4_file_open, struct inode *inode, struct file *file, int ret)
{
	nfs_exit(ret, NULL);
	return 0;
}

SEC("fentry/nfs_file_fsync")
int BPF_PROG(fentry_nfs_file_fsync, struct file *file)
{
	nfs_enter(file, FSLATENCY_OP_FSYNC, 0);
	return 0;
}

SEC("fexit/nfs_file_fsync")
int BPF_PROG(fexit_nfs_file_fsync, struct file *file, loff_t start, loff_t end, int datasync,
	     int ret)
{
	nfs_exit(ret, NULL);
	return 0;
}

SEC("fentry/nfs_getattr")
int BPF_PROG(fentry_nfs_getattr, void *idmap, const struct path *path)
{
	nfs_getattr_enter(path);
	return 0;
}

SEC("fexit/nfs_getattr")
int BPF_PROG(fexit_nfs_getattr, void *idmap, const struct path *path, struct kstat *stat,
	     u32 request_mask, unsigned int flags, int ret)
{
	nfs_getattr_exit(ret);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
