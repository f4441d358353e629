/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * okvm x86 instruction emulator: the instructions guests use on MMIO, in every CPU mode.
 *
 * Pure C with no kernel dependency, so that the same emulate.c builds into okvm.ko and
 * into the userspace unit tests (tests/unit). The caller fills a struct okvm_emul with the
 * guest state and a table of physical-memory callbacks; the emulator walks the guest page
 * tables itself, checks segments and permissions, and updates the registers only when the
 * instruction completes.
 *
 * Two-phase MMIO: when the mmio callback answers OKVM_EMUL_IO_USER, okvm_emul_insn()
 * returns OKVM_EMUL_MMIO with e->mmio describing the access. The caller exits to userspace
 * (KVM_EXIT_MMIO), then calls okvm_emul_mmio_complete() with the data userspace returned
 * and okvm_emul_insn() again: the instruction is replayed from a log of the accesses it
 * already made, so nothing is performed twice.
 */
#ifndef OKVM_X86_EMULATE_H
#define OKVM_X86_EMULATE_H

/* The environment shim: the only lines that differ between the module and userspace. */
#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#else
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
#endif

/* GPR numbers in x86 encoding order (as ModRM and REX use them). */
enum {
	OKVM_EMUL_RAX, OKVM_EMUL_RCX, OKVM_EMUL_RDX, OKVM_EMUL_RBX,
	OKVM_EMUL_RSP, OKVM_EMUL_RBP, OKVM_EMUL_RSI, OKVM_EMUL_RDI,
	OKVM_EMUL_R8, OKVM_EMUL_R9, OKVM_EMUL_R10, OKVM_EMUL_R11,
	OKVM_EMUL_R12, OKVM_EMUL_R13, OKVM_EMUL_R14, OKVM_EMUL_R15,
	OKVM_EMUL_NR_GPRS
};

/* Segment registers in x86 encoding order (as prefixes and the sreg field use them). */
enum {
	OKVM_EMUL_ES, OKVM_EMUL_CS, OKVM_EMUL_SS, OKVM_EMUL_DS, OKVM_EMUL_FS, OKVM_EMUL_GS,
	OKVM_EMUL_NR_SEGS
};

/* Results of okvm_emul_insn(). */
enum okvm_emul_result {
	OKVM_EMUL_DONE = 0,	/* completed (or a REP instruction made progress): store regs back */
	OKVM_EMUL_MMIO,		/* e->mmio waits for userspace; store regs back, exit, complete */
	OKVM_EMUL_EXCEPTION,	/* inject e->exc; RIP still points at the instruction */
	OKVM_EMUL_UNHANDLED,	/* not emulated: report e->insn[0..insn_len) as an emulation error */
};

/* Answers of the physical-memory callbacks. */
enum {
	OKVM_EMUL_IO_OK = 0,	/* done (read data filled in) */
	OKVM_EMUL_IO_NOT_RAM,	/* read_phys/write_phys: no RAM there, the access is MMIO */
	OKVM_EMUL_IO_USER,	/* mmio: userspace must perform it */
	OKVM_EMUL_IO_RETRY,	/* cmpxchg_phys: the value was not @old */
	OKVM_EMUL_IO_ERROR,	/* anything else: the instruction is reported unhandled */
};

/* Exception vectors the emulator raises. */
enum {
	OKVM_EMUL_VEC_UD = 6,
	OKVM_EMUL_VEC_SS = 12,
	OKVM_EMUL_VEC_GP = 13,
	OKVM_EMUL_VEC_PF = 14,
};

/* A segment register with its hidden part, as kvm_segment describes it. */
struct okvm_emul_seg {
	u64 base;
	u32 limit;		/* in bytes: the granularity bit is already applied */
	u16 selector;
	u8 type;		/* descriptor type, 4 bits */
	u8 s;			/* 1: code or data segment */
	u8 dpl;
	u8 present;		/* 0 also for an unusable (null) segment */
	u8 db;
	u8 l;
	u8 g;
};

/* VMCB segment attributes (type:4 S:1 DPL:2 P:1 AVL:1 L:1 DB:1 G:1) to the fields above. */
static inline void okvm_emul_seg_from_vmcb(struct okvm_emul_seg *s, u16 selector, u16 attrib,
					   u32 limit, u64 base)
{
	s->base = base;
	s->limit = limit;
	s->selector = selector;
	s->type = attrib & 0xf;
	s->s = (attrib >> 4) & 1;
	s->dpl = (attrib >> 5) & 3;
	s->present = (attrib >> 7) & 1;
	s->l = (attrib >> 9) & 1;
	s->db = (attrib >> 10) & 1;
	s->g = (attrib >> 11) & 1;
}

/* The state an instruction changes. */
struct okvm_emul_regs {
	u64 gpr[OKVM_EMUL_NR_GPRS];
	u64 rip;
	u64 rflags;
};

/*
 * Guest-physical memory. Every call stays within one 4 KiB page and is at most 8 bytes
 * long, except read_phys for instruction bytes (at most 15).
 */
struct okvm_emul_ops {
	/* RAM: OKVM_EMUL_IO_OK, or OKVM_EMUL_IO_NOT_RAM when @gpa is not RAM. */
	int (*read_phys)(void *opaque, u64 gpa, void *buf, u32 len);
	int (*write_phys)(void *opaque, u64 gpa, const void *buf, u32 len);
	/*
	 * Page-table entry update (Accessed/Dirty bits): store @new if the entry (4 or 8 bytes)
	 * still holds @old, atomically; OKVM_EMUL_IO_RETRY if it did not. May be NULL: then
	 * write_phys is used.
	 */
	int (*cmpxchg_phys)(void *opaque, u64 gpa, u64 old, u64 new, u32 len);
	/*
	 * MMIO (whatever read_phys/write_phys call not RAM): OKVM_EMUL_IO_OK when handled in
	 * the kernel (read data in @data), OKVM_EMUL_IO_USER to have userspace do it.
	 */
	int (*mmio)(void *opaque, u64 gpa, u32 len, bool write, void *data);
};

#define OKVM_EMUL_LOG_MAX	16

/* One physical data access of the current instruction, kept for the replay. */
struct okvm_emul_logent {
	u64 gpa;
	u32 len;
	u8 write;
	u8 done;
	u8 data[8];
};

struct okvm_emul {
	/* In: the caller fills these before each okvm_emul_insn(). */
	struct okvm_emul_regs regs;	/* out too: see enum okvm_emul_result */
	struct okvm_emul_seg seg[OKVM_EMUL_NR_SEGS];
	u64 cr0, cr3, cr4, efer;
	u8 cpl;
	u8 maxphyaddr;			/* guest MAXPHYADDR; 0 means 52 */
	const struct okvm_emul_ops *ops;
	void *opaque;

	/* Out. */
	struct {
		u64 gpa;
		u32 len;
		bool is_write;
		u8 data[8];		/* the value written, for a write */
	} mmio;
	struct {
		u8 vector;
		bool has_error;
		u32 error;
		u64 cr2;		/* #PF: the faulting linear address */
	} exc;
	bool singlestep;		/* DONE with RFLAGS.TF set: inject #DB (DR6.BS) */
	u8 insn[15];			/* instruction bytes fetched */
	u8 insn_len;

	/* Private: the access log of the instruction in progress. */
	struct okvm_emul_logent log[OKVM_EMUL_LOG_MAX];
	u8 log_n, log_pos;
	bool pending;
	u64 pending_rip;
};

/* CPU modes, derived from CR0.PE, EFER.LMA, CS.L, CS.D and RFLAGS.VM. */
enum okvm_emul_mode {
	OKVM_EMUL_MODE_REAL,
	OKVM_EMUL_MODE_VM86,
	OKVM_EMUL_MODE_PROT16,
	OKVM_EMUL_MODE_PROT32,
	OKVM_EMUL_MODE_COMPAT16,
	OKVM_EMUL_MODE_COMPAT32,
	OKVM_EMUL_MODE_LONG64,
};

/* Clear everything, set the callbacks. */
void okvm_emul_init(struct okvm_emul *e, const struct okvm_emul_ops *ops, void *opaque);

/*
 * Emulate the instruction at regs.rip. @bytes/@nbytes: instruction bytes the hardware
 * already fetched (AMD decode assists), or NULL/0. On OKVM_EMUL_DONE, OKVM_EMUL_MMIO and
 * OKVM_EMUL_EXCEPTION the caller stores e->regs back into the vcpu (REP string
 * instructions commit every finished iteration, leaving RIP at the instruction until the
 * count runs out).
 */
int okvm_emul_insn(struct okvm_emul *e, const u8 *bytes, unsigned int nbytes);

/*
 * Userspace finished the access e->mmio described: @data holds e->mmio.len bytes for a
 * read (ignored for a write). Then call okvm_emul_insn() again with unchanged regs.rip.
 */
void okvm_emul_mmio_complete(struct okvm_emul *e, const void *data);

/* Forget a pending access (vcpu reset, state set by userspace). */
void okvm_emul_cancel(struct okvm_emul *e);

enum okvm_emul_mode okvm_emul_mode(const struct okvm_emul *e);

/*
 * Translate a linear address as the guest would for a data access (@write) at e->cpl:
 * OKVM_EMUL_DONE with *gpa, OKVM_EMUL_EXCEPTION (#PF in e->exc) or OKVM_EMUL_UNHANDLED.
 * Sets Accessed/Dirty bits like the hardware does.
 */
int okvm_emul_translate(struct okvm_emul *e, u64 la, bool write, u64 *gpa);

/*
 * One data access at seg:off (the offset already truncated to the address size), as an
 * instruction would make it: segment checks, paging, RAM or in-kernel MMIO. For string
 * I/O (INS/OUTS). @len <= 8. OKVM_EMUL_DONE, OKVM_EMUL_EXCEPTION (e->exc) or
 * OKVM_EMUL_UNHANDLED (also when the access needs userspace MMIO).
 */
int okvm_emul_access(struct okvm_emul *e, int seg, u64 off, void *buf, unsigned int len,
		     bool write);

#endif
