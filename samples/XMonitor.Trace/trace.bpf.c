// xmon-trace's kernel side: one ring buffer record per finished system call of the traced tasks.
//
// raw_tp/sys_enter saves the arguments, a timestamp and copies of the string and buffer arguments
// per thread; raw_tp/sys_exit adds the return value, the duration and the stacks and submits the
// record. Which syscalls are traced, and which of their arguments are strings or buffers, comes
// from user space through the `specs` array (user space knows the signatures), so the kernel
// side has no syscall table of its own. The raw syscall tracepoints exist since 4.17 and need
// neither kprobes nor fentry. Argument registers are x86-64's (di, si, dx, r10, r8, r9).
//
// With -K the same records come from a kprobe and a kretprobe on each chosen kernel function
// instead (user space attaches them per function and turns off the programs of the other mode).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "xmonitor/xm_export.bpf.h"

#define MAX_SYSCALLS 512
#define STR_MAX 256
#define DATA_MAX 256
#define ARGV_ARG_MAX 64
#define ARGV_MAX 16
#define STACK_DEPTH 127
#define USER_STACK_COPY 1024

/* specs[nr].flags */
#define SPEC_NO_RETURN 1  /* exit, exit_group: reported at entry, they never reach sys_exit */
#define SPEC_ENTRY_ONLY 2 /* execve: the strings live in the old image, unreadable at exit */

/* specs[nr].data_kind */
#define DATA_NONE 0
#define DATA_IN 1   /* a buffer the call reads (write): copied at entry, args[data_len] bytes */
#define DATA_OUT 2  /* a buffer the call fills (read): copied at exit, ret bytes */
#define DATA_ARGV 3 /* a NULL-terminated string array (execve argv): NUL-separated copies */

/* syscall_event.flags */
#define EVENT_NO_RETURN 1
#define EVENT_ARGV_TRUNCATED 2
#define EVENT_HELD 4 /* not a call: the process stopped itself at libc's _exit (see on_libc_exit) */
#define EVENT_KFUNC 8 /* a kernel function's call (-K): func_ip says which, nr is unused */

/* Nested traced kernel functions of one thread (vfs_read inside another traced function) each
 * keep their own entry, up to this depth; deeper calls are counted in the depth but not shown. */
#define KFUNC_MAX_DEPTH 8

#define SIGSTOP 19

/* tracked[tgid] */
#define TASK_ACTIVE 1
#define TASK_AWAIT_EXEC 2 /* a launched command before its execve: its shell's calls are not shown */

struct syscall_spec {
	__u8 trace;
	__u8 flags;
	__s8 str0; /* argument index of a string to copy, -1 for none */
	__s8 str1;
	__s8 data;     /* argument index of a buffer, -1 for none */
	__s8 data_len; /* argument index of the buffer's length (DATA_IN) */
	__u8 data_kind;
	__u8 pad;
};

/* Per thread between entry and exit. str0, str1 and data are adjacent as in syscall_event, so one
 * copy moves all three. */
struct inflight {
	__u64 start_ns;
	__u64 args[6];
	__s32 nr;
	__s32 str0_len;
	__s32 str1_len;
	__s32 data_len;
	__u32 flags;
	__u32 pad;
	char str0[STR_MAX];
	char str1[STR_MAX];
	__u8 data[DATA_MAX];
};

struct syscall_event {
	__u64 start_ns;
	__u64 duration_ns;
	__s64 ret;
	__u64 args[6];
	__u64 func_ip; /* EVENT_KFUNC: the kprobe's address, inside the function (user space names it) */
	__u32 pid;
	__u32 tid;
	__s32 nr;
	__s32 kernel_stack; /* stack id in `stacks`, or -errno (-1 when not asked for) */
	__s32 user_stack;
	__s32 str0_len; /* bpf_probe_read_user_str's result: bytes with the NUL, or -errno */
	__s32 str1_len;
	__s32 data_len;
	__u32 flags;
	char comm[16];
	char str0[STR_MAX];
	char str1[STR_MAX];
	__u8 data[DATA_MAX];
	/* With user stacks: the user registers and a copy of the stack above sp, for user space to
	 * unwind through code without frame pointers (libc) by its .eh_frame, as perf's DWARF call
	 * graphs do; the kernel's frame-pointer walk loses the caller of a libc syscall wrapper. */
	__u64 user_ip;
	__u64 user_sp;
	__u64 user_bp;
	__s32 user_stack_len;
	__u32 pad;
	__u8 user_stack_copy[USER_STACK_COPY];
};

/* A kernel function's entry (-K), per thread and nesting depth, until its kretprobe. */
struct kfunc_key {
	__u32 tid;
	__u32 depth;
};

struct kfunc_inflight {
	__u64 start_ns;
	__u64 ip;
	__u64 args[6];
};

struct syscall_stats {
	__u64 calls;
	__u64 errors;
	__u64 total_ns;
};

/* Trace every process (-a); otherwise only the tgids in `tracked`. */
const volatile bool trace_all = false;
/* The tracer's own tgid, never traced: with -a its output writes would feed back. */
const volatile __u32 self_tgid = 0;
const volatile bool kernel_stacks = false;
const volatile bool user_stacks = false;
/* False under -c alone: only the in-kernel counts are wanted. */
const volatile bool emit_events = true;
/* With user stacks: stop traced processes at libc's _exit until user space has read their maps. */
const volatile bool hold_at_exit = false;

/* Records the ring buffer had no room for. */
__u64 lost_events = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, struct syscall_spec);
} specs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} tracked SEC(".maps");

/* LRU: a thread killed inside a call (another thread's exit_group) never reaches sys_exit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct inflight);
} inflights SEC(".maps");

/* An inflight is too large for the 512-byte BPF stack: it is built here and then copied. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct inflight);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, struct syscall_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__uint(value_size, STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} events SEC(".maps");

/* The kprobe programs' counterparts of `inflights` and `stats`. LRU for the same reason as
 * `inflights`; stats are keyed by the function's probe address, since there is no syscall number. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} kfunc_depth SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct kfunc_key);
	__type(value, struct kfunc_inflight);
} kfunc_inflights SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct syscall_stats);
} kfunc_stats SEC(".maps");

XM_RINGBUF_RECORD(events, struct, syscall_event);
XM_EXPORT_TYPE(struct, syscall_spec);
XM_EXPORT_TYPE(struct, syscall_stats);

static __always_inline bool wanted(__u32 tgid)
{
	if (tgid == self_tgid)
		return false;
	return trace_all || bpf_map_lookup_elem(&tracked, &tgid);
}

static __always_inline __u64 arg_at(const struct inflight *st, __s8 index)
{
	if (index < 0 || index > 5)
		return 0;
	return st->args[index];
}

static __always_inline __s32 read_str(char *dst, const struct inflight *st, __s8 index)
{
	if (index < 0 || index > 5)
		return 0;
	return bpf_probe_read_user_str(dst, STR_MAX, (const void *)st->args[index]);
}

static __always_inline void read_argv(struct inflight *st, __s8 index)
{
	const char *const *argv = (const char *const *)arg_at(st, index);
	__u32 off = 0;
	int i;

	for (i = 0; i < ARGV_MAX; i++) {
		const char *arg = NULL;
		long n;

		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) || !arg)
			break;
		if (off > DATA_MAX - ARGV_ARG_MAX) {
			st->flags |= EVENT_ARGV_TRUNCATED;
			break;
		}
		n = bpf_probe_read_user_str(&st->data[off], ARGV_ARG_MAX, arg);
		if (n <= 0)
			break;
		off += n;
	}
	if (i == ARGV_MAX)
		st->flags |= EVENT_ARGV_TRUNCATED;
	st->data_len = off;
}

static __always_inline void read_data(void *dst, const void *src, __u64 len, __s32 *out_len)
{
	__u32 n = len < DATA_MAX ? len : DATA_MAX;

	/* n > DATA_MAX cannot happen, but the verifier needs the bound checked on this register. */
	if (n == 0 || n > DATA_MAX) {
		*out_len = 0;
		return;
	}
	*out_len = bpf_probe_read_user(dst, n, src) ? -14 /* EFAULT */ : (__s32)n;
}

static __always_inline void account(__u32 nr, __s64 ret, __u64 duration)
{
	struct syscall_stats *s = bpf_map_lookup_elem(&stats, &nr);

	if (!s)
		return;
	s->calls++;
	if (ret < 0 && ret >= -4095)
		s->errors++;
	s->total_ns += duration;
}

/* user_regs: the syscall's user registers, for user space's .eh_frame unwinding; NULL where the
 * program does not have them (kprobes), which leaves the kernel's frame-pointer walk alone. */
static __always_inline void fill_stacks(void *ctx, struct pt_regs *user_regs, struct syscall_event *e)
{
	e->kernel_stack = kernel_stacks ? bpf_get_stackid(ctx, &stacks, 0) : -1;
	e->user_stack = user_stacks ? bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK) : -1;
	e->user_ip = 0;
	e->user_sp = 0;
	e->user_bp = 0;
	e->user_stack_len = 0;
	if (user_stacks && user_regs) {
		e->user_ip = BPF_CORE_READ(user_regs, ip);
		e->user_sp = BPF_CORE_READ(user_regs, sp);
		e->user_bp = BPF_CORE_READ(user_regs, bp);
		if (!bpf_probe_read_user(e->user_stack_copy, USER_STACK_COPY, (const void *)e->user_sp))
			e->user_stack_len = USER_STACK_COPY;
		else if (!bpf_probe_read_user(e->user_stack_copy, USER_STACK_COPY / 4, (const void *)e->user_sp))
			e->user_stack_len = USER_STACK_COPY / 4;
	}
}

static __always_inline void emit(void *ctx, struct pt_regs *regs, struct inflight *st,
				 const struct syscall_spec *spec, __s64 ret, __u64 now)
{
	struct syscall_event *e;
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&lost_events, 1);
		return;
	}
	e->start_ns = st->start_ns;
	e->duration_ns = now - st->start_ns;
	e->ret = ret;
	__builtin_memcpy(e->args, st->args, sizeof(e->args));
	e->func_ip = 0;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->nr = st->nr;
	e->flags = st->flags;
	e->str0_len = st->str0_len;
	e->str1_len = st->str1_len;
	e->data_len = st->data_len;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_kernel(e->str0, sizeof(e->str0) + sizeof(e->str1) + sizeof(e->data), st->str0);
	/* A string or buffer that was not yet paged in at entry (a literal in a page never touched
	 * before: BPF may not fault) has been faulted in by the call itself, which read it. */
	if (!(spec->flags & SPEC_ENTRY_ONLY)) {
		if (e->str0_len < 0)
			e->str0_len = bpf_probe_read_user_str(e->str0, STR_MAX, (const void *)arg_at(st, spec->str0));
		if (e->str1_len < 0)
			e->str1_len = bpf_probe_read_user_str(e->str1, STR_MAX, (const void *)arg_at(st, spec->str1));
		if (spec->data_kind == DATA_IN && e->data_len < 0)
			read_data(e->data, (const void *)arg_at(st, spec->data), arg_at(st, spec->data_len), &e->data_len);
	}
	if (spec->data_kind == DATA_OUT) {
		if (ret > 0)
			read_data(e->data, (const void *)arg_at(st, spec->data), ret, &e->data_len);
		else
			e->data_len = 0;
	}
	/* Both stacks are taken at sys_exit: the user stack is the same as at entry, and the kernel
	 * stack shows the same syscall entry path (entry_SYSCALL_64 -> do_syscall_64), leaving
	 * through the exit work instead of entering through the entry work. */
	fill_stacks(ctx, regs, e);
	bpf_ringbuf_submit(e, 0);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, nr = (__u32)id, zero = 0;
	struct syscall_spec *spec;
	struct inflight *st;

	if (id < 0 || id >= MAX_SYSCALLS || !wanted(pid_tgid >> 32))
		return 0;
	spec = bpf_map_lookup_elem(&specs, &nr);
	if (!spec || !spec->trace)
		return 0;
	st = bpf_map_lookup_elem(&scratch, &zero);
	if (!st)
		return 0;
	st->start_ns = bpf_ktime_get_ns();
	st->nr = nr;
	st->flags = 0;
	st->args[0] = BPF_CORE_READ(regs, di);
	st->args[1] = BPF_CORE_READ(regs, si);
	st->args[2] = BPF_CORE_READ(regs, dx);
	st->args[3] = BPF_CORE_READ(regs, r10);
	st->args[4] = BPF_CORE_READ(regs, r8);
	st->args[5] = BPF_CORE_READ(regs, r9);
	st->str0_len = read_str(st->str0, st, spec->str0);
	st->str1_len = read_str(st->str1, st, spec->str1);
	st->data_len = 0;
	if (spec->data_kind == DATA_IN)
		read_data(st->data, (const void *)arg_at(st, spec->data), arg_at(st, spec->data_len), &st->data_len);
	else if (spec->data_kind == DATA_ARGV)
		read_argv(st, spec->data);

	if (spec->flags & SPEC_NO_RETURN) {
		account(nr, 0, 0);
		st->flags |= EVENT_NO_RETURN;
		if (emit_events)
			emit(ctx, regs, st, spec, 0, st->start_ns);
		return 0;
	}
	bpf_map_update_elem(&inflights, &tid, st, BPF_ANY);
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, tgid = pid_tgid >> 32, nr;
	struct syscall_spec *spec;
	struct inflight *st;
	__u64 now;
	__u8 *state;

	st = bpf_map_lookup_elem(&inflights, &tid);
	if (!st)
		return 0;
	now = bpf_ktime_get_ns();
	if (!trace_all) {
		state = bpf_map_lookup_elem(&tracked, &tgid);
		if (!state || *state != TASK_ACTIVE)
			goto done;
	}
	nr = st->nr;
	spec = bpf_map_lookup_elem(&specs, &nr);
	if (!spec)
		goto done;
	account(nr, ret, now - st->start_ns);
	if (emit_events)
		emit(ctx, regs, st, spec, ret, now);
done:
	bpf_map_delete_elem(&inflights, &tid);
	return 0;
}

/* -K: a traced task's calls are shown from its command's exec on, as at sys_exit. */
static __always_inline bool active(__u32 tgid)
{
	__u8 *state;

	if (tgid == self_tgid)
		return false;
	if (trace_all)
		return true;
	state = bpf_map_lookup_elem(&tracked, &tgid);
	return state && *state == TASK_ACTIVE;
}

/* Attached by user space with an explicit function name (SEC("kprobe") has none), once per -K
 * function. The depth is raised even for calls too deep to keep, so that each kretprobe, which
 * lowers it, finds its own entry; kretprobes the kernel misses (maxactive) would skew it. */
SEC("kprobe")
int BPF_KPROBE(on_kfunc_entry, unsigned long a0, unsigned long a1, unsigned long a2, unsigned long a3,
	       unsigned long a4)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, depth = 0, next;
	struct kfunc_inflight st = {};
	struct kfunc_key key;
	__u32 *d;

	if (!active(pid_tgid >> 32))
		return 0;
	d = bpf_map_lookup_elem(&kfunc_depth, &tid);
	if (d)
		depth = *d;
	next = depth + 1;
	bpf_map_update_elem(&kfunc_depth, &tid, &next, BPF_ANY);
	if (depth >= KFUNC_MAX_DEPTH)
		return 0;
	st.start_ns = bpf_ktime_get_ns();
	st.ip = PT_REGS_IP(ctx);
	st.args[0] = a0;
	st.args[1] = a1;
	st.args[2] = a2;
	st.args[3] = a3;
	st.args[4] = a4;
	key.tid = tid;
	key.depth = depth;
	bpf_map_update_elem(&kfunc_inflights, &key, &st, BPF_ANY);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(on_kfunc_return, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns();
	__u32 tid = (__u32)pid_tgid;
	struct kfunc_inflight *st;
	struct syscall_stats *s, fresh = {};
	struct syscall_event *e;
	struct kfunc_key key;
	__u32 *d;

	d = bpf_map_lookup_elem(&kfunc_depth, &tid);
	if (!d || *d == 0)
		return 0;
	*d -= 1;
	key.tid = tid;
	key.depth = *d;
	st = bpf_map_lookup_elem(&kfunc_inflights, &key);
	if (!st)
		return 0;
	s = bpf_map_lookup_elem(&kfunc_stats, &st->ip);
	if (!s) {
		bpf_map_update_elem(&kfunc_stats, &st->ip, &fresh, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&kfunc_stats, &st->ip);
	}
	if (s) {
		s->calls++;
		if (ret < 0 && ret >= -4095)
			s->errors++;
		s->total_ns += now - st->start_ns;
	}
	if (emit_events) {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (!e) {
			__sync_fetch_and_add(&lost_events, 1);
			goto done;
		}
		e->start_ns = st->start_ns;
		e->duration_ns = now - st->start_ns;
		e->ret = ret;
		__builtin_memcpy(e->args, st->args, sizeof(e->args));
		e->func_ip = st->ip;
		e->pid = pid_tgid >> 32;
		e->tid = tid;
		e->nr = -1;
		e->flags = EVENT_KFUNC;
		e->str0_len = 0;
		e->str1_len = 0;
		e->data_len = 0;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		fill_stacks(ctx, NULL, e);
		bpf_ringbuf_submit(e, 0);
	}
done:
	bpf_map_delete_elem(&kfunc_inflights, &key);
	return 0;
}

/* Attached as a uprobe on libc's _exit, the last user code before exit_group. User frames are
 * named from /proc/PID/maps when user space decodes a record, and a short-lived process (ls) is
 * usually gone by then. Here the process stops itself (the SIGSTOP is acted on when the probe
 * returns to user mode, before exit_group) behind a marker record; user space decodes the
 * process's earlier records, which precede the marker in the ring, and then sends SIGCONT. */
SEC("uprobe")
int on_libc_exit(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	struct syscall_event *e;
	__u8 *state;

	if (!hold_at_exit || trace_all)
		return 0;
	state = bpf_map_lookup_elem(&tracked, &tgid);
	if (!state || *state != TASK_ACTIVE)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = tgid;
	e->tid = (__u32)pid_tgid;
	e->nr = -1;
	e->flags = EVENT_HELD;
	bpf_ringbuf_submit(e, 0);
	bpf_send_signal(SIGSTOP);
	return 0;
}

/* Children of traced processes are traced too (like strace -f), in the parent's state. */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 parent_tgid, child_tgid;
	__u8 *state, copy;

	if (trace_all)
		return 0;
	parent_tgid = BPF_CORE_READ(parent, tgid);
	state = bpf_map_lookup_elem(&tracked, &parent_tgid);
	if (!state)
		return 0;
	copy = *state;
	child_tgid = BPF_CORE_READ(child, tgid);
	bpf_map_update_elem(&tracked, &child_tgid, &copy, BPF_ANY);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u8 *state = bpf_map_lookup_elem(&tracked, &tgid);

	if (state && *state == TASK_AWAIT_EXEC)
		*state = TASK_ACTIVE;
	return 0;
}

/* A tgid leaves the set when its leader exits, so a recycled pid is not traced by mistake. */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;

	if (!trace_all && (__u32)pid_tgid == tgid)
		bpf_map_delete_elem(&tracked, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
