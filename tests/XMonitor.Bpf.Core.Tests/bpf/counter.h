#ifndef COUNTER_H
#define COUNTER_H

/* Slots of the counts map, one per attach kind. */
enum counter_kind {
	COUNTER_TRACEPOINT = 0,
	COUNTER_RAW_TP = 1,
	COUNTER_TP_BTF = 2,
	COUNTER_KINDS = 3,
};

#endif
