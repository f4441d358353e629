/* SPDX-License-Identifier: MIT */
/*
 * okvm-fuzz: the fuzz tier's one static program (ioctl fuzzer, hostile
 * guests, lifetimes, bad-input table).  Raw ioctls on our own ABI header.
 */
#ifndef OKVM_FUZZ_H
#define OKVM_FUZZ_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "okvm/kvm.h"

/* Result lines: PASS/FAIL/SKIP fuzz/<name>[: reason]. */
void result_pass(const char *name);
void result_fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void result_skip(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
extern int failures;

/* The device under test ($OKVM_DEVICE) and the reference ($OKVM_REF_DEVICE, may be NULL). */
extern const char *dev_path, *ref_path;
int dev_open(const char *path);

/* splitmix64: small, seedable, the same sequence everywhere. */
struct rng { uint64_t s; };
static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}
void rng_fill(struct rng *r, void *buf, size_t n);

uint64_t now_ms(void);

/* Kernel log: remember where it ends, then look for reports written since. */
int kmsg_open(void);
/* Returns 1 and copies the first report line into line when one appeared. */
int kmsg_check(int fd, char *line, size_t len);

/*
 * A test VM: slot 0 is RAM_SIZE bytes of RAM at guest-physical 0, inside a
 * host mapping with canary pages on both sides; slot 1 is a read-only page
 * range at RO_GPA.  Guest-physical layout of slot 0 below.
 */
#define RAM_SIZE	0x200000ULL
#define RO_GPA		0x200000ULL
#define RO_SIZE		0x10000ULL
#define IVT_GPA		0x0
#define GDT_GPA		0x1000
#define IDT_GPA		0x2000
#define STUB_GPA	0x3000	/* 256 handlers of 16 bytes */
#define PML4_GPA	0x4000
#define PDPT_GPA	0x5000	/* two: 0..512 GiB, 512 GiB..1 TiB */
#define PD_GPA		0x7000	/* 2 MiB pages for the first GiB */
#define STACK_TOP	0xf000
#define CODE_GPA	0x10000
#define CODE_SIZE	0x10000
#define DATA_GPA	0x20000
#define DATA_SIZE	0x60000
#define PORT_VEC	0xe0	/* handlers write their vector here */
#define PORT_DONE	0xe1	/* guests report the end of a step here */
#define CANARY		0xa5
/* Host VM_HSAVE_PA per CPU before any okvm guest ran (written by guest, read by life --unload). */
#define HSAVE_SAVE	"/tmp/okvm-fuzz-hsave"

struct vm {
	int sys, fd;
	uint8_t *map;	/* canary page, RAM, canary page */
	uint8_t *mem;	/* slot 0 */
	uint8_t *ro;	/* slot 1 (with canaries too) */
	uint32_t ro_sum;
};

struct vcpu {
	int fd;
	struct okvm_run *run;
	size_t run_size;
};

enum mode { MODE_REAL, MODE_PROT, MODE_LONG };

int vm_make(struct vm *vm, const char *path);
void vm_free(struct vm *vm);
int vcpu_make(struct vm *vm, struct vcpu *v, int id);
void vcpu_free(struct vcpu *v);
/* Tables (IVT/GDT/IDT/handlers/page tables) and the vcpu state for a mode. */
int vcpu_setup(struct vm *vm, struct vcpu *v, enum mode m, uint64_t rip);
/* The canaries and the read-only slot are as vm_make left them. */
int vm_intact(struct vm *vm, char *why, size_t len);
/* Handlers in a mode: report the vector (default) or skip a 2-byte instruction on #GP. */
void vm_gp_skips(struct vm *vm, enum mode m, int on);
int maxphyaddr(int sys);
int gb_pages(int sys);
int set_cpuid(int sys, int vcpu);

const char *exit_name(uint32_t r);

/* Subcommands. */
int cmd_ioctl(int argc, char **argv);
int cmd_guest(int argc, char **argv);
int cmd_life(int argc, char **argv);
int cmd_bad(int argc, char **argv);
int cmd_replay(int argc, char **argv);

/* Parse --seed/--ops style options: returns the value after name, or def. */
uint64_t opt_u64(int argc, char **argv, const char *name, uint64_t def);
int opt_flag(int argc, char **argv, const char *name);

#endif
