/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layout shared by napi.bpf.c and user space. User-space C includes
 * <linux/types.h> first; the BPF side gets the __u* types from vmlinux.h.
 */
#ifndef __NAPI_H
#define __NAPI_H

#include "xmonitor/xm_hist.h"

#define NAPI_IFNAMSIZ 16

/*
 * Key of the maps "napi_stats", "work_hists" and "time_hists": one NAPI
 * instance (a device's receive queue, or a virtual device's poller).
 *   netns_ino: inode of the device's network namespace (`readlink
 *              /proc/PID/ns/net` = net:[N]); ifindex is only unique in it;
 *   ifindex:   the device's interface index in that namespace;
 *   napi_id:   the kernel's NAPI id (as SO_INCOMING_NAPI_ID reports);
 *              0 for instances without one, which then share a key.
 * The per-CPU backlog NAPI (packets queued by netif_rx(): loopback, veth
 * without GRO, RPS) has no device: its key is all zero, every CPU's in one.
 */
struct napi_key {
	__u32 netns_ino;
	__u32 ifindex;
	__u32 napi_id;
	__u32 pad;
};

/*
 * Counters of one NAPI instance (value of "napi_stats").
 *   polls:            poll calls (net:napi_poll events);
 *   work:             packets processed in those polls (the sum of work);
 *   budget_exhausted: polls that used their whole budget (work == budget):
 *                     more was waiting, the kernel polls again (overload
 *                     sign when frequent);
 *   idle_polls:       polls that found nothing (work == 0);
 *   dev:              the device's name at the last poll.
 * work_hists (value struct xm_hist) has the log2 histogram of work per
 * poll, in packets (slot 0 counts polls of 0 and 1 packet). time_hists
 * (value struct xm_hist, nanoseconds) has the time per poll, only with a
 * timing strategy attached (see napi.bpf.c).
 */
struct napi_stats {
	__u64 polls;
	__u64 work;
	__u64 budget_exhausted;
	__u64 idle_polls;
	char dev[NAPI_IFNAMSIZ];
};

#endif /* __NAPI_H */
