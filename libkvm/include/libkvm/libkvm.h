/* SPDX-License-Identifier: MIT */
/*
 * libkvm: a small C API over the KVM ioctl ABI (API version 12), for
 * /dev/okvm and the stock /dev/kvm alike.
 *
 * Rules that hold for every call:
 *  - A call returns 0 (or a documented non-negative value) on success and
 *    a negative errno on failure.  The failure is described by a message
 *    kept in the handle the call was made on (libkvm_*_error()); a failed
 *    constructor leaves its message in the parent handle.
 *  - The library never prints, exits or aborts.
 *  - Handles are opaque.  Structs passed by the caller either carry a
 *    size field (set it to sizeof) or reserved space that must be zero.
 *  - Threads: one thread drives a vcpu (run, register access) at a time;
 *    libkvm_vcpu_kick() may be called from any thread or signal handler.
 *    VM calls (map, unmap, read, write) may be called from any thread.
 *
 * This header needs nothing but the C standard headers below.
 */
#ifndef LIBKVM_LIBKVM_H
#define LIBKVM_LIBKVM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBKVM_VERSION_MAJOR	1
#define LIBKVM_VERSION_MINOR	0
#define LIBKVM_VERSION_PATCH	0

struct libkvm_sys;
struct libkvm_vm;
struct libkvm_vcpu;

/* Version string of the library actually loaded, e.g. "1.0.0". */
const char *libkvm_version(void);

/* ---- system handle ---------------------------------------------------- */

/* Allocate an unopened system handle.  Only fails with -ENOMEM. */
int libkvm_sys_new(struct libkvm_sys **sysp);

/*
 * Open the device.  path NULL means: $LIBKVM_DEVICE if set and non-empty,
 * else /dev/okvm, else /dev/kvm (the first that exists).  Checks that the
 * API version is 12.
 */
int libkvm_sys_open(struct libkvm_sys *sys, const char *path);

/* Close the device and free the handle (NULL is accepted). */
void libkvm_sys_free(struct libkvm_sys *sys);

const char *libkvm_sys_error(const struct libkvm_sys *sys);
const char *libkvm_sys_path(const struct libkvm_sys *sys);
int libkvm_sys_fd(const struct libkvm_sys *sys);

/* Raw KVM_CHECK_EXTENSION: the value (>= 0) or -errno. */
int libkvm_sys_check_extension(struct libkvm_sys *sys, long cap);

/* Features libkvm uses, for libkvm_sys_require(). */
#define LIBKVM_FEAT_USER_MEMORY		(1ULL << 0)
#define LIBKVM_FEAT_READONLY_MEM	(1ULL << 1)
#define LIBKVM_FEAT_IMMEDIATE_EXIT	(1ULL << 2)
#define LIBKVM_FEAT_CPUID		(1ULL << 3)
#define LIBKVM_FEAT_NMI			(1ULL << 4)
#define LIBKVM_FEAT_GUEST_DEBUG		(1ULL << 5)
#define LIBKVM_FEAT_TSS_ADDR		(1ULL << 6)
#define LIBKVM_FEAT_COUNT		7
/* What every VMM built on libkvm needs: memory and a working kick. */
#define LIBKVM_FEAT_CORE	(LIBKVM_FEAT_USER_MEMORY | LIBKVM_FEAT_IMMEDIATE_EXIT)

/*
 * Check that the device has every feature in mask.  Returns 0, or
 * -ENOTSUP with *missing (if not NULL) set to the absent features and the
 * error message naming each one, its KVM capability and what fails
 * without it.  Unknown bits in mask give -EINVAL.
 */
int libkvm_sys_require(struct libkvm_sys *sys, uint64_t mask, uint64_t *missing);

/* Name ("immediate-exit") and consequence text of one feature bit. */
const char *libkvm_feature_name(uint64_t feature);
const char *libkvm_feature_reason(uint64_t feature);

/*
 * Signal used by libkvm_vcpu_kick() (default SIGUSR2).  Set it before the
 * first vcpu is created.  libkvm installs an empty handler for it if the
 * signal's disposition is the default or ignore; it must not be blocked
 * in vcpu threads.
 */
int libkvm_sys_set_kick_signal(struct libkvm_sys *sys, int signo);

struct libkvm_cpuid_entry {
	uint32_t function;
	uint32_t index;
	uint32_t flags;		/* LIBKVM_CPUID_F_* */
	uint32_t eax, ebx, ecx, edx;
	uint32_t reserved[3];
};
#define LIBKVM_CPUID_F_SIGNIFICANT_INDEX	(1u << 0)

/*
 * KVM_GET_SUPPORTED_CPUID.  *nent is the room in entries on input and the
 * count on output; -E2BIG (with *nent unchanged) if entries is too small.
 */
int libkvm_sys_get_supported_cpuid(struct libkvm_sys *sys,
				   struct libkvm_cpuid_entry *entries,
				   uint32_t *nent);

/* ---- VM and guest memory ---------------------------------------------- */

/*
 * Create a VM.  On failure the message is in sys.  Where the device has
 * KVM_CAP_SET_TSS_ADDR / KVM_CAP_SET_IDENTITY_MAP_ADDR, guest-physical
 * 0xfeffc000..0xfeffffff is given to the device (as Intel real mode needs).
 */
int libkvm_vm_create(struct libkvm_sys *sys, struct libkvm_vm **vmp);

/* Destroy the VM, its remaining vcpus and the memory libkvm allocated. */
void libkvm_vm_destroy(struct libkvm_vm *vm);

const char *libkvm_vm_error(const struct libkvm_vm *vm);
int libkvm_vm_fd(const struct libkvm_vm *vm);
struct libkvm_sys *libkvm_vm_sys(const struct libkvm_vm *vm);

#define LIBKVM_MAP_READONLY	(1u << 0)	/* guest writes exit as MMIO */
#define LIBKVM_MAP_DIRTY_LOG	(1u << 1)	/* track guest writes */

/*
 * Map size bytes of host memory at hva to guest-physical gpa.  gpa, hva
 * and size are multiples of 4096.  libkvm picks the memory slot.
 * -EEXIST if the range overlaps a map, -ENOSPC if no slot is free.
 */
int libkvm_vm_map(struct libkvm_vm *vm, uint64_t gpa, void *hva,
		  uint64_t size, uint32_t flags);

/* Like libkvm_vm_map() with zeroed anonymous memory owned by libkvm. */
int libkvm_vm_alloc(struct libkvm_vm *vm, uint64_t gpa, uint64_t size,
		    uint32_t flags, void **hvap);

/*
 * Remove every map inside [gpa, gpa+size).  A map only partly inside is
 * split: its outside parts stay mapped (through new slots; do this with
 * the vcpus stopped).  -ENOENT if nothing was mapped there.
 */
int libkvm_vm_unmap(struct libkvm_vm *vm, uint64_t gpa, uint64_t size);

struct libkvm_map_info {
	uint64_t gpa;
	uint64_t size;
	void *hva;
	uint32_t flags;		/* LIBKVM_MAP_* */
	uint32_t slot;		/* KVM memory slot number */
	uint64_t reserved[4];
};

/* Describe the map containing gpa; -ENOENT if none. */
int libkvm_vm_map_info(struct libkvm_vm *vm, uint64_t gpa,
		       struct libkvm_map_info *info);

/* Host address of [gpa, gpa+len); -EFAULT unless one map holds it all. */
int libkvm_vm_gpa_to_hva(struct libkvm_vm *vm, uint64_t gpa, uint64_t len,
			 void **hvap);

/* Copy to/from guest memory; may span adjacent maps; -EFAULT on a hole. */
int libkvm_vm_read(struct libkvm_vm *vm, uint64_t gpa, void *buf, size_t len);
int libkvm_vm_write(struct libkvm_vm *vm, uint64_t gpa, const void *buf,
		    size_t len);

/*
 * Fetch and clear the dirty bitmap of the dirty-logged map containing
 * gpa: bit n (LSB first in byte n/8) is page n of the map.  bitmap must
 * hold at least (map size / 4096 + 7) / 8 bytes (-ERANGE otherwise).
 */
int libkvm_vm_get_dirty_log(struct libkvm_vm *vm, uint64_t gpa,
			    void *bitmap, size_t bitmap_bytes);

/* ---- vcpu ------------------------------------------------------------- */

/* Create vcpu id; on failure the message is in vm. */
int libkvm_vcpu_create(struct libkvm_vm *vm, uint32_t id,
		       struct libkvm_vcpu **vcpup);
void libkvm_vcpu_destroy(struct libkvm_vcpu *vcpu);

const char *libkvm_vcpu_error(const struct libkvm_vcpu *vcpu);
int libkvm_vcpu_fd(const struct libkvm_vcpu *vcpu);
uint32_t libkvm_vcpu_id(const struct libkvm_vcpu *vcpu);
struct libkvm_vm *libkvm_vcpu_vm(const struct libkvm_vcpu *vcpu);

enum libkvm_exit_kind {
	LIBKVM_EXIT_UNKNOWN = 0,	/* raw_reason says which */
	LIBKVM_EXIT_IO,
	LIBKVM_EXIT_MMIO,
	LIBKVM_EXIT_HLT,
	LIBKVM_EXIT_SHUTDOWN,		/* triple fault */
	LIBKVM_EXIT_FAIL_ENTRY,
	LIBKVM_EXIT_INTERNAL_ERROR,
	LIBKVM_EXIT_SYSTEM_EVENT,
	LIBKVM_EXIT_IRQ_WINDOW,
	LIBKVM_EXIT_INTR,		/* kick or signal */
	LIBKVM_EXIT_DEBUG,
	LIBKVM_EXIT_KIND_COUNT
};

#define LIBKVM_EXIT_F_IF		(1u << 0)	/* guest RFLAGS.IF */
#define LIBKVM_EXIT_F_IRQ_READY		(1u << 1)	/* may inject now */
#define LIBKVM_EXIT_F_KICKED		(1u << 2)	/* INTR due to kick */

struct libkvm_exit {
	uint32_t kind;		/* enum libkvm_exit_kind */
	uint32_t raw_reason;	/* exit_reason of the kvm_run page */
	uint32_t flags;		/* LIBKVM_EXIT_F_* */
	uint32_t reserved0;
	uint64_t reserved1[2];
	union {
		/* data points into the run page: size*count bytes; for an
		 * IN, fill it before the next run. */
		struct {
			uint16_t port;
			uint8_t size;
			uint8_t is_write;
			uint32_t count;
			void *data;
		} io;
		/* data: len bytes, fill it for a read. */
		struct {
			uint64_t gpa;
			uint32_t len;
			uint8_t is_write;
			uint8_t pad[3];
			void *data;
		} mmio;
		struct {
			uint64_t hardware_reason;
			uint32_t cpu;
		} fail_entry;
		struct {
			uint32_t suberror;
			uint32_t ndata;
			uint64_t data[16];
		} internal_error;
		struct {
			uint32_t type;	/* 1 shutdown, 2 reset, 3 crash, ... */
			uint32_t ndata;
			uint64_t data[16];
		} system_event;
		struct {
			uint32_t exception;
			uint32_t pad;
			uint64_t pc;
			uint64_t dr6;
			uint64_t dr7;
		} debug;
		struct {
			uint64_t hardware_reason;
		} unknown;
		uint64_t room[32];	/* space to grow */
	} u;
};

/* Name of an exit kind ("io", "mmio", ...), "?" if out of range. */
const char *libkvm_exit_kind_name(uint32_t kind);

/*
 * Enter the guest until the next exit and describe it in *exit.  A
 * pending kick or a signal makes it return LIBKVM_EXIT_INTR.  Results of
 * an IO/MMIO read are taken from exit->u.*.data on the next run.
 */
int libkvm_vcpu_run(struct libkvm_vcpu *vcpu, struct libkvm_exit *exit);

/*
 * Make the vcpu's current or next libkvm_vcpu_run() return
 * LIBKVM_EXIT_INTR with LIBKVM_EXIT_F_KICKED.  Async-signal-safe and
 * callable from any thread.  Needs LIBKVM_FEAT_IMMEDIATE_EXIT (-ENOTSUP).
 */
int libkvm_vcpu_kick(struct libkvm_vcpu *vcpu);

/*
 * Optional dispatch loop.  A handler returns 0 to go on running, a
 * positive value to make the loop return that value, or -errno to make it
 * return that error.  An exit with no handler ends the loop with 0 and
 * the exit in *exit.  IO handlers are called once per element of a
 * string instruction.
 */
struct libkvm_handlers {
	uint32_t size;		/* sizeof(struct libkvm_handlers) */
	uint32_t reserved;
	int (*io)(void *opaque, struct libkvm_vcpu *vcpu, uint16_t port,
		  int is_write, void *data, uint32_t size);
	int (*mmio)(void *opaque, struct libkvm_vcpu *vcpu, uint64_t gpa,
		    int is_write, void *data, uint32_t len);
	int (*hlt)(void *opaque, struct libkvm_vcpu *vcpu);
};

int libkvm_vcpu_loop(struct libkvm_vcpu *vcpu, const struct libkvm_handlers *h,
		     void *opaque, struct libkvm_exit *exit);

struct libkvm_regs {
	uint64_t rax, rbx, rcx, rdx;
	uint64_t rsi, rdi, rsp, rbp;
	uint64_t r8, r9, r10, r11;
	uint64_t r12, r13, r14, r15;
	uint64_t rip, rflags;
};

struct libkvm_segment {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint8_t type;
	uint8_t present, dpl, db, s, l, g, avl;
	uint8_t unusable;
	uint8_t reserved;
};

struct libkvm_dtable {
	uint64_t base;
	uint16_t limit;
	uint16_t reserved[3];
};

struct libkvm_sregs {
	struct libkvm_segment cs, ds, es, fs, gs, ss;
	struct libkvm_segment tr, ldt;
	struct libkvm_dtable gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, cr8;
	uint64_t efer;
	uint64_t apic_base;
	uint64_t reserved[8];
};

struct libkvm_fpu {
	uint8_t fpr[8][16];
	uint16_t fcw;
	uint16_t fsw;
	uint8_t ftwx;		/* abridged tag word, as FXSAVE */
	uint8_t pad1;
	uint16_t last_opcode;
	uint64_t last_ip;
	uint64_t last_dp;
	uint8_t xmm[16][16];
	uint32_t mxcsr;
	uint32_t pad2;
	uint64_t reserved[4];
};

struct libkvm_msr {
	uint32_t index;
	uint32_t reserved;
	uint64_t value;
};

int libkvm_vcpu_get_regs(struct libkvm_vcpu *vcpu, struct libkvm_regs *regs);
int libkvm_vcpu_set_regs(struct libkvm_vcpu *vcpu, const struct libkvm_regs *regs);
int libkvm_vcpu_get_sregs(struct libkvm_vcpu *vcpu, struct libkvm_sregs *sregs);
int libkvm_vcpu_set_sregs(struct libkvm_vcpu *vcpu,
			  const struct libkvm_sregs *sregs);
int libkvm_vcpu_get_fpu(struct libkvm_vcpu *vcpu, struct libkvm_fpu *fpu);
int libkvm_vcpu_set_fpu(struct libkvm_vcpu *vcpu, const struct libkvm_fpu *fpu);

/* All n MSRs or an error naming the first one the device refused. */
int libkvm_vcpu_get_msrs(struct libkvm_vcpu *vcpu, struct libkvm_msr *msrs,
			 uint32_t n);
int libkvm_vcpu_set_msrs(struct libkvm_vcpu *vcpu,
			 const struct libkvm_msr *msrs, uint32_t n);
int libkvm_vcpu_get_msr(struct libkvm_vcpu *vcpu, uint32_t index,
			uint64_t *value);
int libkvm_vcpu_set_msr(struct libkvm_vcpu *vcpu, uint32_t index,
			uint64_t value);

int libkvm_vcpu_set_cpuid(struct libkvm_vcpu *vcpu,
			  const struct libkvm_cpuid_entry *entries, uint32_t n);
/* Give the vcpu everything KVM_GET_SUPPORTED_CPUID reports. */
int libkvm_vcpu_set_supported_cpuid(struct libkvm_vcpu *vcpu);

/* Inject an external interrupt (no in-kernel irqchip) or an NMI. */
int libkvm_vcpu_interrupt(struct libkvm_vcpu *vcpu, uint32_t vector);
int libkvm_vcpu_nmi(struct libkvm_vcpu *vcpu);
/* Ask for LIBKVM_EXIT_IRQ_WINDOW as soon as the guest can take one. */
int libkvm_vcpu_request_irq_window(struct libkvm_vcpu *vcpu, int on);

#define LIBKVM_DEBUG_ENABLE	(1u << 0)
#define LIBKVM_DEBUG_SINGLESTEP	(1u << 1)
#define LIBKVM_DEBUG_SW_BP	(1u << 2)	/* int3 exits as DEBUG */
int libkvm_vcpu_set_guest_debug(struct libkvm_vcpu *vcpu, uint32_t flags);

/* ---- guest set-up helpers --------------------------------------------- */

enum libkvm_mode {
	LIBKVM_MODE_REAL = 1,	/* 16-bit real mode */
	LIBKVM_MODE_PROT32,	/* flat 32-bit protected mode, no paging */
	LIBKVM_MODE_LONG64,	/* 64-bit long mode, identity-mapped */
};

/* Guest memory the protected and long mode set-up needs at .tables. */
#define LIBKVM_SETUP_TABLES_SIZE	0x8000u
/* Selectors of the GDT libkvm writes. */
#define LIBKVM_SEL_CODE64	0x08
#define LIBKVM_SEL_DATA		0x10
#define LIBKVM_SEL_CODE32	0x18
#define LIBKVM_SEL_TSS		0x20

struct libkvm_setup {
	uint32_t size;		/* sizeof(struct libkvm_setup) */
	uint32_t mode;		/* enum libkvm_mode */
	uint64_t entry;		/* guest-physical entry point */
	uint64_t stack;		/* initial stack pointer (physical) */
	/* 4 KiB-aligned guest-physical area of LIBKVM_SETUP_TABLES_SIZE
	 * mapped bytes for the GDT, TSS and page tables (not real mode). */
	uint64_t tables;
	/* Long mode: bytes identity-mapped from 0 with 2 MiB pages,
	 * 0 means 4 GiB (the maximum). */
	uint64_t map_size;
	uint64_t reserved[4];
};

/*
 * Put the vcpu in the given mode at entry with stack, interrupts off,
 * writing the GDT and page tables into guest memory.  Real mode: CS base
 * is entry & 0xf0000 and IP the low 16 bits; SS likewise from stack.
 */
int libkvm_vcpu_setup(struct libkvm_vcpu *vcpu, const struct libkvm_setup *setup);

#ifdef __cplusplus
}
#endif

#endif
