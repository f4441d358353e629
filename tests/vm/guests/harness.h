/* SPDX-License-Identifier: MIT */
/*
 * The host side of the guest tests: a tiny KVM client on the system
 * <linux/kvm.h> (deliberately not our own ABI header) and the test table.
 */
#ifndef OKVM_TEST_HARNESS_H
#define OKVM_TEST_HARNESS_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/kvm.h>

#include "guest.h"
#include "guest_syms.h"
#include "blobs.h"

/* Newer capability numbers the 6.1 header may lack. */
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES 235
#endif

enum { T_PASS = 0, T_FAIL = 1, T_SKIP = 2 };

struct test {
	const char *name;
	int (*fn)(void);
};

/* Record why the running test failed or skipped; they return T_FAIL/T_SKIP. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Propagate a helper's failure. */
#define MUST(x) do { int r_ = (x); if (r_) return r_; } while (0)

#define CHECK(cond, ...) do { if (!(cond)) return fail(__VA_ARGS__); } while (0)

#define CHECK_EQ(what, got, want) do {						\
	unsigned long long g_ = (unsigned long long)(got);			\
	unsigned long long w_ = (unsigned long long)(want);			\
	if (g_ != w_)								\
		return fail("%s was %#llx, expected %#llx", (what), g_, w_);	\
} while (0)

/* An ioctl that must succeed. */
#define TRY(expr) do {								\
	if ((expr) < 0)								\
		return fail("%s failed: %s", #expr, strerror(errno));		\
} while (0)

/* An ioctl that must fail with errno e (expr is evaluated once). */
#define EXPECT_ERRNO(expr, e) do {						\
	long r_ = (long)(expr);							\
	if (r_ != -1)								\
		return fail("%s returned %ld, expected -1/%s", #expr, r_,	\
			    errno_name(e));					\
	if (errno != (e))							\
		return fail("%s failed with %s, expected %s", #expr,		\
			    errno_name(errno), errno_name(e));			\
} while (0)

extern const char *kvm_device;
extern int kvm_sys;	/* the open device, per test */

struct vm {
	int fd;
	uint8_t *mem;	/* slot 0, RAM_SIZE bytes at guest-physical 0 */
	size_t mem_size;
	int cpuid_set;
};

struct vcpu {
	int fd;
	int id;
	struct vm *vm;
	struct kvm_run *run;
	size_t run_size;
};

const char *errno_name(int e);
const char *exit_name(uint32_t reason);
/* Describes the exit in run (for failure messages). */
const char *exit_desc(struct vcpu *v);

int check_cap(int fd, long cap);	/* KVM_CHECK_EXTENSION, 0 on error */

/* Create a VM with RAM_SIZE bytes of slot 0 at 0 (mem_size 0: no slot). */
int vm_create(struct vm *vm);
int vm_create_empty(struct vm *vm);
int vm_set_slot(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		uint64_t size, void *host);
void *alloc_mem(size_t size);	/* page aligned, zeroed, anonymous */
int vcpu_create(struct vm *vm, struct vcpu *v, int id);
void load_blob(struct vm *vm, uint64_t gpa, const unsigned char *start, size_t size);

/* Point the vcpu at code in real mode (CS=DS=ES=SS=0) or 64-bit mode. */
int setup_real(struct vcpu *v, uint64_t rip);
int setup_long(struct vcpu *v, uint64_t rip);
/* Give the vcpu KVM_GET_SUPPORTED_CPUID as its CPUID. */
int set_supported_cpuid(struct vcpu *v);
struct kvm_cpuid2 *get_supported_cpuid(void);

int get_regs(struct vcpu *v, struct kvm_regs *r);
int set_regs(struct vcpu *v, struct kvm_regs *r);
int get_sregs(struct vcpu *v, struct kvm_sregs *s);

/* KVM_RUN that must return 0 with the given exit reason. */
int run_expect(struct vcpu *v, uint32_t reason);
/* Run expecting a PIO exit of this direction/port/size; *data gets the out data. */
int run_expect_io(struct vcpu *v, int dir, uint16_t port, int size, uint64_t *data);
/* Run expecting an MMIO exit; for writes *data gets the written bytes. */
int run_expect_mmio(struct vcpu *v, int is_write, uint64_t addr, uint32_t len,
		    uint64_t *data);
/* Finish a pending IO/MMIO without running more guest code (immediate_exit). */
int complete_pending(struct vcpu *v);
/* Complete the pending exit and check RIP. */
int check_rip_after(struct vcpu *v, uint64_t rip);

static inline uint64_t *mem64(struct vm *vm, uint64_t gpa)
{
	return (uint64_t *)(vm->mem + gpa);
}

static inline uint32_t *mem32(struct vm *vm, uint64_t gpa)
{
	return (uint32_t *)(vm->mem + gpa);
}

/* Long mode probe VM (t_memory.c): guest reads/writes one address. */
int peek_vm(struct vm *vm, struct vcpu *v);
int peek(struct vcpu *v, uint64_t gpa, uint64_t *val, int *was_mmio);
int expect_mem(struct vcpu *v, uint64_t gpa, uint64_t want, const char *when);
int expect_mmio(struct vcpu *v, uint64_t gpa, const char *when);

/* The test tables of each file. */
extern const struct test modes_tests[], memory_tests[], thread_tests[], bad_tests[],
	coexist_tests[], event_tests[], irqchip_tests[], eventfd_tests[];

#endif
