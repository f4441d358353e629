/* SPDX-License-Identifier: MIT */
/*
 * Internal declarations of libkvm.  Everything here is hidden from the
 * shared library; the static archive keeps it so the unit tests can reach
 * the pure helpers and fake the kernel.
 */
#ifndef LIBKVM_INTERNAL_H
#define LIBKVM_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>

#include "okvm/kvm.h"
#include "libkvm/libkvm.h"

#define LIBKVM_API	__attribute__((visibility("default")))
#define LIBKVM_ERR_LEN	256
#define LIBKVM_PAGE	4096ull

/*
 * The kernel boundary.  The real one calls open/ioctl/mmap; unit tests put
 * in a fake.  ioctl returns the ioctl's value or -errno; map_run returns
 * NULL and sets *err on failure.
 */
struct libkvm_ops {
	int (*open)(void *ctx, const char *path);
	void (*close)(void *ctx, int fd);
	int (*ioctl)(void *ctx, int fd, unsigned long req, void *arg);
	void *(*map_run)(void *ctx, int fd, size_t size, int *err);
	void (*unmap_run)(void *ctx, void *p, size_t size);
};

extern const struct libkvm_ops libkvm__sys_ops;

struct libkvm_sys {
	int fd;
	int kick_signal;
	int api_version;
	int vcpus_made;			/* kick signal is fixed once set */
	size_t run_size;		/* KVM_GET_VCPU_MMAP_SIZE */
	const struct libkvm_ops *ops;
	void *ops_ctx;
	char path[128];
	char err[LIBKVM_ERR_LEN];
};

/* One guest-memory map = one KVM memory slot. */
struct libkvm_slot {
	uint32_t id;
	uint32_t flags;			/* LIBKVM_MAP_* */
	uint64_t gpa;
	uint64_t size;
	void *hva;
	int owned;			/* libkvm munmaps it */
};

struct libkvm_slots {
	struct libkvm_slot *v;		/* sorted by gpa */
	uint32_t n;
	uint32_t cap;
	uint32_t max_ids;		/* KVM_CAP_NR_MEMSLOTS */
};

struct libkvm_vm {
	struct libkvm_sys *sys;
	int fd;
	pthread_mutex_t lock;		/* slots, vcpu list, err */
	struct libkvm_slots slots;
	struct libkvm_vcpu *vcpus;
	char err[LIBKVM_ERR_LEN];
};

struct libkvm_vcpu {
	struct libkvm_vm *vm;
	struct libkvm_vcpu *next;
	uint32_t id;
	int fd;
	int kick_ok;			/* KVM_CAP_IMMEDIATE_EXIT */
	int kick_signal;
	size_t xsave_size;		/* 0: no KVM_CAP_XSAVE */
	int tid;			/* thread inside KVM_RUN, or 0 */
	struct okvm_run *run;
	size_t run_size;
	char err[LIBKVM_ERR_LEN];
};

/* Record a message in buf and return -err (err > 0). */
int libkvm__fail(char *buf, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The message for an ioctl that failed with -ret: "NAME: strerror". */
int libkvm__fail_ioctl(char *buf, int ret, const char *name,
		       const char *ctx_fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline int libkvm__ioctl(struct libkvm_sys *sys, int fd,
				unsigned long req, void *arg)
{
	return sys->ops->ioctl(sys->ops_ctx, fd, req, arg);
}

/* Testing hook: use ops instead of the kernel for this handle. */
void libkvm__sys_set_ops(struct libkvm_sys *sys, const struct libkvm_ops *ops,
			 void *ctx);

/* Slot table, pure functions (slots.c). */
void libkvm__slots_init(struct libkvm_slots *s, uint32_t max_ids);
void libkvm__slots_fini(struct libkvm_slots *s);
/* Index of the first slot overlapping [gpa, gpa+size), or -1. */
int libkvm__slots_overlap(const struct libkvm_slots *s, uint64_t gpa,
			  uint64_t size);
/* Index of the slot holding gpa, or -1. */
int libkvm__slots_find(const struct libkvm_slots *s, uint64_t gpa);
/* Smallest free slot id; -ENOSPC if none. */
int libkvm__slots_free_id(const struct libkvm_slots *s, uint32_t *id);
/* Insert keeping gpa order; -ENOMEM, -EEXIST (overlap or id in use). */
int libkvm__slots_add(struct libkvm_slots *s, const struct libkvm_slot *slot);
void libkvm__slots_remove(struct libkvm_slots *s, int idx);
/* Check map arguments: alignment, size, wrap.  0 or -EINVAL. */
int libkvm__map_args_ok(uint64_t gpa, const void *hva, uint64_t size);

/* Exit decoding (exit.c), pure. */
int libkvm__exit_decode(struct okvm_run *run, size_t run_size,
			struct libkvm_exit *exit, char *err);

/* Segment and GDT encoding for the set-up helpers (setup.c), pure. */
uint64_t libkvm__gdt_entry(uint32_t base, uint32_t limit, uint8_t access,
			   uint8_t flags);
int libkvm__setup_state(const struct libkvm_setup *setup,
			struct libkvm_regs *regs, struct libkvm_sregs *sregs,
			uint8_t *tables, char *err);

/* ABI struct conversion (vcpu.c). */
void libkvm__sregs_to_abi(const struct libkvm_sregs *in, struct okvm_sregs *out);
void libkvm__sregs_from_abi(const struct okvm_sregs *in, struct libkvm_sregs *out);

#endif
