// SPDX-License-Identifier: GPL-2.0
/*
 * NAPI probe: how the network receive path polls. Per NAPI instance
 * (network namespace, device, NAPI id; see napi.h): polls, packets
 * processed (work), polls that exhausted their budget, idle polls, a log2
 * histogram of work per poll and, optionally, of time per poll.
 *
 * net:napi_poll fires at the end of every poll (__napi_poll(), in
 * net_rx_action() softirq, a threaded-NAPI kthread or a busy-polling
 * socket) with the work done and the budget. There is no tracepoint at
 * the start of a poll, so the time per poll needs one of the timing sets:
 *
 * Attach strategies (user space picks with bpf_program__set_autoload()):
 *   counters, one of:
 *     tp_btf_napi_poll   tp_btf/napi_poll (5.5+ with BTF);
 *     tp_napi_poll       tp/napi/napi_poll (the tracepoint record; the
 *                        device is read through its napi pointer).
 *   time per poll, optional, one of:
 *     softirq_*          tp/irq/softirq_entry and softirq_exit: a poll in
 *                        net_rx_action() is timed from the NET_RX softirq's
 *                        start, or from the end of the previous poll on the
 *                        same CPU in that softirq run, to its napi_poll
 *                        event. Approximate: includes net_rx_action()'s
 *                        bookkeeping between polls and any hard interrupts
 *                        taken meanwhile. Polls outside the softirq
 *                        (threaded NAPI, busy polling) are not timed. Works
 *                        without kprobes and fentry: what this machine uses.
 *     fentry___napi_poll + fexit___napi_poll: exact, every poll (5.5+ with
 *                        BPF trampolines).
 *     kprobe___napi_poll + kretprobe___napi_poll: exact, with kprobes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "napi.h"
#include "xmonitor/xm_core.bpf.h"
#include "xmonitor/xm_export.bpf.h"
#include "xmonitor/xm_hist.bpf.h"
#include "xmonitor/xm_maps.bpf.h"
#include "xmonitor/xm_net.bpf.h"

/* Only this network namespace (inode number); 0: all. */
const volatile __u32 targ_netns = 0;
/* Only this interface index (in targ_netns, or in every namespace); 0: all. */
const volatile __u32 targ_ifindex = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct napi_key);
	__type(value, struct napi_stats);
} napi_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct napi_key);
	__type(value, struct xm_hist);
} work_hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct napi_key);
	__type(value, struct xm_hist);
} time_hists SEC(".maps");

/* Per CPU: the NET_RX softirq run in progress (softirq_* timing). */
struct cpu_rx {
	__u64 start_ns;		/* softirq start or end of the previous poll; 0: not in NET_RX */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_rx);
} cpu_rx SEC(".maps");

/* Per CPU: the poll in progress (fentry/kprobe timing); polls do not nest on a CPU. */
struct cpu_poll {
	__u64 start_ns;
	__u64 napi;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_poll);
} cpu_poll SEC(".maps");

XM_EXPORT_TYPE(struct, napi_key);

static const struct xm_hist zero_hist;
static const struct napi_stats zero_stats;

/* NET_RX_SOFTIRQ in the kernel's softirq numbering (stable since 2.6). */
#define XM_NET_RX_SOFTIRQ 3

/* Fills key from the napi's device; false if the filter rejects it. */
static __always_inline bool napi_key_of(struct napi_struct *napi, struct napi_key *key,
					struct net_device **devp)
{
	struct net_device *dev = BPF_CORE_READ(napi, dev);

	key->netns_ino = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	key->ifindex = xm_dev_ifindex(dev);
	key->napi_id = BPF_CORE_READ(napi, napi_id);
	key->pad = 0;
	*devp = dev;
	if (targ_netns && key->netns_ino != targ_netns)
		return false;
	if (targ_ifindex && key->ifindex != targ_ifindex)
		return false;
	return true;
}

static __always_inline void add_time(struct napi_key *key, __u64 delta_ns)
{
	struct xm_hist *h = xm_map_lookup_or_try_init(&time_hists, key, &zero_hist);

	if (h)
		xm_hist_add(h, delta_ns);
}

static __always_inline void on_napi_poll(struct napi_struct *napi, int work, int budget)
{
	struct napi_stats *st;
	struct net_device *dev;
	struct napi_key key;
	struct xm_hist *h;
	struct cpu_rx *rx;
	__u32 zero = 0;
	__u64 now;

	if (!napi_key_of(napi, &key, &dev))
		return;
	if (work < 0)
		work = 0;

	st = xm_map_lookup_or_try_init(&napi_stats, &key, &zero_stats);
	if (st) {
		__sync_fetch_and_add(&st->polls, 1);
		__sync_fetch_and_add(&st->work, work);
		if (work >= budget)
			__sync_fetch_and_add(&st->budget_exhausted, 1);
		if (!work)
			__sync_fetch_and_add(&st->idle_polls, 1);
		xm_dev_name(dev, st->dev);
	}
	h = xm_map_lookup_or_try_init(&work_hists, &key, &zero_hist);
	if (h)
		xm_hist_add(h, work);

	/*
	 * softirq_* timing: start_ns is set only while a NET_RX softirq runs on
	 * this CPU, and nothing else polls on a CPU while its softirq runs.
	 */
	rx = bpf_map_lookup_elem(&cpu_rx, &zero);
	if (rx && rx->start_ns) {
		now = bpf_ktime_get_ns();
		add_time(&key, now - rx->start_ns);
		rx->start_ns = now;
	}
}

SEC("tp_btf/napi_poll")
int BPF_PROG(tp_btf_napi_poll, struct napi_struct *napi, int work, int budget)
{
	on_napi_poll(napi, work, budget);
	return 0;
}

SEC("tp/napi/napi_poll")
int tp_napi_poll(struct trace_event_raw_napi_poll *ctx)
{
	on_napi_poll(ctx->napi, ctx->work, ctx->budget);
	return 0;
}

/* ---- timing: softirq brackets ---- */

SEC("tp/irq/softirq_entry")
int softirq_entry(struct trace_event_raw_softirq *ctx)
{
	struct cpu_rx *rx;
	__u32 zero = 0;

	if (ctx->vec != XM_NET_RX_SOFTIRQ)
		return 0;
	rx = bpf_map_lookup_elem(&cpu_rx, &zero);
	if (rx)
		rx->start_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp/irq/softirq_exit")
int softirq_exit(struct trace_event_raw_softirq *ctx)
{
	struct cpu_rx *rx;
	__u32 zero = 0;

	if (ctx->vec != XM_NET_RX_SOFTIRQ)
		return 0;
	rx = bpf_map_lookup_elem(&cpu_rx, &zero);
	if (rx)
		rx->start_ns = 0;
	return 0;
}

/* ---- timing: around __napi_poll(struct napi_struct *n, bool *repoll) ---- */

static __always_inline void poll_start(struct napi_struct *napi)
{
	struct cpu_poll *p;
	__u32 zero = 0;

	p = bpf_map_lookup_elem(&cpu_poll, &zero);
	if (!p)
		return;
	p->start_ns = bpf_ktime_get_ns();
	p->napi = (__u64)napi;
}

static __always_inline void poll_end(void)
{
	struct net_device *dev;
	struct napi_key key;
	struct cpu_poll *p;
	__u32 zero = 0;

	p = bpf_map_lookup_elem(&cpu_poll, &zero);
	if (!p || !p->start_ns)
		return;
	if (napi_key_of((struct napi_struct *)p->napi, &key, &dev))
		add_time(&key, bpf_ktime_get_ns() - p->start_ns);
	p->start_ns = 0;
}

SEC("fentry/__napi_poll")
int BPF_PROG(fentry___napi_poll, struct napi_struct *napi)
{
	poll_start(napi);
	return 0;
}

SEC("fexit/__napi_poll")
int BPF_PROG(fexit___napi_poll)
{
	poll_end();
	return 0;
}

SEC("kprobe/__napi_poll")
int BPF_KPROBE(kprobe___napi_poll, struct napi_struct *napi)
{
	poll_start(napi);
	return 0;
}

SEC("kretprobe/__napi_poll")
int BPF_KRETPROBE(kretprobe___napi_poll)
{
	poll_end();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
