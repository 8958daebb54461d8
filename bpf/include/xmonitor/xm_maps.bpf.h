/* SPDX-License-Identifier: GPL-2.0 */
/* Map helpers for XMonitor.Bpf probes. */
#ifndef __XM_MAPS_BPF_H
#define __XM_MAPS_BPF_H

#include <bpf/bpf_helpers.h>
#include <asm-generic/errno-base.h>

/*
 * Returns the value for key, inserting *init first when the key is absent.
 * BPF_NOEXIST makes concurrent first inserts from several CPUs safe: the
 * loser gets -EEXIST and simply looks up the winner's entry. NULL means the
 * map is full (or the insert failed otherwise); callers drop the sample.
 */
static __always_inline void *xm_map_lookup_or_try_init(void *map, const void *key,
							const void *init)
{
	void *val;
	long err;

	val = bpf_map_lookup_elem(map, key);
	if (val)
		return val;

	err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	if (err && err != -EEXIST)
		return NULL;

	return bpf_map_lookup_elem(map, key);
}

#endif /* __XM_MAPS_BPF_H */
