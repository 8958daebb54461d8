/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Debug logging for XMonitor.Bpf probes.
 *
 * xm_debug is a read-only global: user space sets it before load. Because
 * .rodata is frozen at load time, the verifier sees the branch below as
 * constant and prunes the bpf_printk call entirely when logging is off, so
 * a disabled log costs nothing at run time. Output goes to
 * /sys/kernel/tracing/trace_pipe; it is for development, not for data.
 */
#ifndef __XM_LOG_BPF_H
#define __XM_LOG_BPF_H

#include <bpf/bpf_helpers.h>

const volatile bool xm_debug = false;

/* Up to 3 arguments work on every kernel; more need bpf_trace_vprintk (5.16+). */
#define xm_log(fmt, ...)                                \
	do {                                            \
		if (xm_debug)                           \
			bpf_printk(fmt, ##__VA_ARGS__); \
	} while (0)

#endif /* __XM_LOG_BPF_H */
