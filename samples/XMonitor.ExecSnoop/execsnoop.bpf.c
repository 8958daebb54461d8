// Reports every exec: the process, its parent, and the file it executed (like BCC's execsnoop).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "xmonitor/xm_export.bpf.h"

#define FILENAME_LEN 128

struct exec_event {
	__u32 pid;
	__u32 ppid;
	__u32 uid;
	char comm[16];
	char filename[FILENAME_LEN];
};

/* Only report processes of this user id; (u32)-1 reports everyone. */
const volatile __u32 target_uid = (__u32)-1;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 18);
} events SEC(".maps");

XM_RINGBUF_RECORD(events, struct, exec_event);

SEC("tp/sched/sched_process_exec")
int on_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 uid = (__u32)bpf_get_current_uid_gid();
	unsigned int filename_loc = ctx->__data_loc_filename & 0xFFFF;
	struct exec_event *e;

	if (target_uid != (__u32)-1 && uid != target_uid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = uid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + filename_loc);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
