#ifndef SKELETON_SAMPLE_H
#define SKELETON_SAMPLE_H

enum sample_mode {
	SAMPLE_MODE_OFF = 0,
	SAMPLE_MODE_COUNT = 1,
	SAMPLE_MODE_TRACE = 2,
};

/* 3 bytes of tail padding: the generated mirror must still be 8 bytes. */
struct sample_key {
	__u32 tid;
	__u8 mode;
};

struct sample_value {
	__u64 count;
	__u64 sum;
	__u32 enabled : 1;
	__u32 level : 3;
	__u32 spare : 28;
};

struct sample_event {
	__u32 tid;
	char comm[16];
	union {
		__u64 as_u64;
		__u32 as_u32[2];
	} u;
	__u32 port_sum;
	enum sample_mode kind;
	__u64 seq;
};

#endif
