/* SPDX-License-Identifier: GPL-2.0 */
/* Small CO-RE reads of socket buffers and net devices. Include after vmlinux.h. */
#ifndef __XM_NET_BPF_H
#define __XM_NET_BPF_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define XM_IFNAMSIZ 16

/* Bytes in the packet, linear part plus paged fragments. */
static __always_inline __u32 xm_skb_len(struct sk_buff *skb)
{
	return BPF_CORE_READ(skb, len);
}

/* The device the skb is on (NULL before it is assigned one). */
static __always_inline struct net_device *xm_skb_dev(struct sk_buff *skb)
{
	return BPF_CORE_READ(skb, dev);
}

static __always_inline int xm_dev_ifindex(struct net_device *dev)
{
	return BPF_CORE_READ(dev, ifindex);
}

/* Copies dev->name (NUL-terminated, XM_IFNAMSIZ bytes). */
static __always_inline void xm_dev_name(struct net_device *dev, char *name)
{
	bpf_core_read_str(name, XM_IFNAMSIZ, &dev->name);
}

#endif /* __XM_NET_BPF_H */
