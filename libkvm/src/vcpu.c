// SPDX-License-Identifier: MIT
/* The vcpu handle: run, kick, register state, injection. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;

static void kick_handler(int sig)
{
	/* Only here to make KVM_RUN return -EINTR. */
	(void)sig;
}

/* Give the kick signal a handler unless the application has one. */
static int install_kick_handler(int signo, char *err)
{
	struct sigaction old, sa;
	int r = 0;

	pthread_mutex_lock(&sig_lock);
	if (sigaction(signo, NULL, &old)) {
		r = libkvm__fail(err, errno, "sigaction(%d) failed", signo);
	} else if (!(old.sa_flags & SA_SIGINFO) &&
		   (old.sa_handler == SIG_DFL || old.sa_handler == SIG_IGN)) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = kick_handler;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		if (sigaction(signo, &sa, NULL))
			r = libkvm__fail(err, errno, "sigaction(%d) failed", signo);
	}
	pthread_mutex_unlock(&sig_lock);
	return r;
}

LIBKVM_API int libkvm_vcpu_create(struct libkvm_vm *vm, uint32_t id,
				  struct libkvm_vcpu **vcpup)
{
	struct libkvm_sys *sys;
	struct libkvm_vcpu *vcpu;
	int r, e = 0;

	if (!vm)
		return -EINVAL;
	if (!vcpup)
		return libkvm__fail(vm->err, EINVAL, "libkvm_vcpu_create: NULL vcpup");
	*vcpup = NULL;
	sys = vm->sys;
	vcpu = calloc(1, sizeof(*vcpu));
	if (!vcpu)
		return libkvm__fail(vm->err, ENOMEM, "libkvm_vcpu_create: out of memory");
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->kick_signal = sys->kick_signal;
	r = libkvm__ioctl(sys, vm->fd, OKVM_CREATE_VCPU, (void *)(unsigned long)id);
	if (r < 0) {
		libkvm__fail_ioctl(vm->err, r, "KVM_CREATE_VCPU", "id %u", id);
		free(vcpu);
		return r;
	}
	vcpu->fd = r;
	vcpu->run_size = sys->run_size;
	vcpu->run = sys->ops->map_run(sys->ops_ctx, vcpu->fd, vcpu->run_size, &e);
	if (!vcpu->run) {
		r = libkvm__fail(vm->err, e ? e : ENOMEM,
				 "mmap of the vcpu %u run page (%zu bytes) failed", id,
				 vcpu->run_size);
		goto fail;
	}
	vcpu->kick_ok = libkvm__ioctl(sys, sys->fd, OKVM_CHECK_EXTENSION,
				      (void *)(long)OKVM_CAP_IMMEDIATE_EXIT) > 0;
	if (libkvm__ioctl(sys, sys->fd, OKVM_CHECK_EXTENSION,
			  (void *)(long)OKVM_CAP_XSAVE) > 0) {
		/* XSAVE2 gives the size when dynamic features make it bigger. */
		int n = libkvm__ioctl(sys, vm->fd, OKVM_CHECK_EXTENSION,
				      (void *)(long)OKVM_CAP_XSAVE2);

		vcpu->xsave_size = n > (int)sizeof(struct okvm_xsave) ?
				   (size_t)n : sizeof(struct okvm_xsave);
	}
	r = install_kick_handler(vcpu->kick_signal, vm->err);
	if (r)
		goto fail_unmap;
	pthread_mutex_lock(&vm->lock);
	sys->vcpus_made = 1;
	vcpu->next = vm->vcpus;
	vm->vcpus = vcpu;
	pthread_mutex_unlock(&vm->lock);
	*vcpup = vcpu;
	return 0;
fail_unmap:
	sys->ops->unmap_run(sys->ops_ctx, vcpu->run, vcpu->run_size);
fail:
	sys->ops->close(sys->ops_ctx, vcpu->fd);
	free(vcpu);
	return r;
}

LIBKVM_API void libkvm_vcpu_destroy(struct libkvm_vcpu *vcpu)
{
	struct libkvm_vcpu **pp;
	struct libkvm_vm *vm;
	struct libkvm_sys *sys;

	if (!vcpu)
		return;
	vm = vcpu->vm;
	sys = vm->sys;
	pthread_mutex_lock(&vm->lock);
	for (pp = &vm->vcpus; *pp; pp = &(*pp)->next) {
		if (*pp == vcpu) {
			*pp = vcpu->next;
			break;
		}
	}
	pthread_mutex_unlock(&vm->lock);
	sys->ops->unmap_run(sys->ops_ctx, vcpu->run, vcpu->run_size);
	sys->ops->close(sys->ops_ctx, vcpu->fd);
	free(vcpu);
}

LIBKVM_API const char *libkvm_vcpu_error(const struct libkvm_vcpu *vcpu)
{
	return vcpu ? vcpu->err : "no vcpu handle";
}

LIBKVM_API int libkvm_vcpu_fd(const struct libkvm_vcpu *vcpu)
{
	return vcpu ? vcpu->fd : -1;
}

LIBKVM_API uint32_t libkvm_vcpu_id(const struct libkvm_vcpu *vcpu)
{
	return vcpu ? vcpu->id : 0;
}

LIBKVM_API struct libkvm_vm *libkvm_vcpu_vm(const struct libkvm_vcpu *vcpu)
{
	return vcpu ? vcpu->vm : NULL;
}

static int vcpu_ioctl(struct libkvm_vcpu *vcpu, unsigned long req, void *arg,
		      const char *name)
{
	int r = libkvm__ioctl(vcpu->vm->sys, vcpu->fd, req, arg);

	if (r < 0)
		return libkvm__fail_ioctl(vcpu->err, r, name, NULL);
	return r;
}

LIBKVM_API int libkvm_vcpu_run(struct libkvm_vcpu *vcpu, struct libkvm_exit *exit)
{
	int r, tid;

	if (!vcpu)
		return -EINVAL;
	if (!exit)
		return libkvm__fail(vcpu->err, EINVAL, "libkvm_vcpu_run: NULL exit");
	/* Not cached: a forked child must not signal its parent's thread. */
	tid = (int)syscall(SYS_gettid);
	/*
	 * Publish the thread before entering; kick stores immediate_exit
	 * before reading tid.  Either it sees us and signals, or KVM_RUN
	 * sees immediate_exit: both orders stop the vcpu.
	 */
	__atomic_store_n(&vcpu->tid, tid, __ATOMIC_SEQ_CST);
	r = libkvm__ioctl(vcpu->vm->sys, vcpu->fd, OKVM_RUN, NULL);
	__atomic_store_n(&vcpu->tid, 0, __ATOMIC_SEQ_CST);
	if (r == -EINTR) {
		memset(exit, 0, sizeof(*exit));
		exit->kind = LIBKVM_EXIT_INTR;
		exit->raw_reason = OKVM_EXIT_INTR;
		if (__atomic_exchange_n(&vcpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST))
			exit->flags |= LIBKVM_EXIT_F_KICKED;
		return 0;
	}
	if (r < 0)
		return libkvm__fail_ioctl(vcpu->err, r, "KVM_RUN", "vcpu %u", vcpu->id);
	return libkvm__exit_decode(vcpu->run, vcpu->run_size, exit, vcpu->err);
}

/* Copy a constant message without stdio: kick may run in a signal handler. */
static int fail_const(char *buf, int err, const char *msg)
{
	size_t i;

	for (i = 0; msg[i] && i < LIBKVM_ERR_LEN - 1; i++)
		buf[i] = msg[i];
	buf[i] = 0;
	return -err;
}

LIBKVM_API int libkvm_vcpu_kick(struct libkvm_vcpu *vcpu)
{
	int tid;

	if (!vcpu)
		return -EINVAL;
	if (!vcpu->kick_ok)
		return fail_const(vcpu->err, ENOTSUP,
				  "libkvm_vcpu_kick: the device lacks KVM_CAP_IMMEDIATE_EXIT");
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	tid = __atomic_load_n(&vcpu->tid, __ATOMIC_SEQ_CST);
	/* A thread that left KVM_RUN meanwhile just runs the empty handler. */
	if (tid && syscall(SYS_tgkill, getpid(), tid, vcpu->kick_signal) &&
	    errno != ESRCH)
		return fail_const(vcpu->err, errno, "libkvm_vcpu_kick: tgkill failed");
	return 0;
}

LIBKVM_API int libkvm_vcpu_get_regs(struct libkvm_vcpu *vcpu, struct libkvm_regs *regs)
{
	struct okvm_regs k;
	int r;

	if (!vcpu)
		return -EINVAL;
	if (!regs)
		return libkvm__fail(vcpu->err, EINVAL, "libkvm_vcpu_get_regs: NULL regs");
	r = vcpu_ioctl(vcpu, OKVM_GET_REGS, &k, "KVM_GET_REGS");
	if (r < 0)
		return r;
	regs->rax = k.rax; regs->rbx = k.rbx; regs->rcx = k.rcx; regs->rdx = k.rdx;
	regs->rsi = k.rsi; regs->rdi = k.rdi; regs->rsp = k.rsp; regs->rbp = k.rbp;
	regs->r8 = k.r8; regs->r9 = k.r9; regs->r10 = k.r10; regs->r11 = k.r11;
	regs->r12 = k.r12; regs->r13 = k.r13; regs->r14 = k.r14; regs->r15 = k.r15;
	regs->rip = k.rip; regs->rflags = k.rflags;
	return 0;
}

LIBKVM_API int libkvm_vcpu_set_regs(struct libkvm_vcpu *vcpu,
				    const struct libkvm_regs *regs)
{
	struct okvm_regs k;
	int r;

	if (!vcpu)
		return -EINVAL;
	if (!regs)
		return libkvm__fail(vcpu->err, EINVAL, "libkvm_vcpu_set_regs: NULL regs");
	k.rax = regs->rax; k.rbx = regs->rbx; k.rcx = regs->rcx; k.rdx = regs->rdx;
	k.rsi = regs->rsi; k.rdi = regs->rdi; k.rsp = regs->rsp; k.rbp = regs->rbp;
	k.r8 = regs->r8; k.r9 = regs->r9; k.r10 = regs->r10; k.r11 = regs->r11;
	k.r12 = regs->r12; k.r13 = regs->r13; k.r14 = regs->r14; k.r15 = regs->r15;
	k.rip = regs->rip; k.rflags = regs->rflags;
	r = vcpu_ioctl(vcpu, OKVM_SET_REGS, &k, "KVM_SET_REGS");
	return r < 0 ? r : 0;
}

static void seg_to_abi(const struct libkvm_segment *in, struct okvm_segment *out)
{
	memset(out, 0, sizeof(*out));
	out->base = in->base;
	out->limit = in->limit;
	out->selector = in->selector;
	out->type = in->type;
	out->present = in->present;
	out->dpl = in->dpl;
	out->db = in->db;
	out->s = in->s;
	out->l = in->l;
	out->g = in->g;
	out->avl = in->avl;
	out->unusable = in->unusable;
}

static void seg_from_abi(const struct okvm_segment *in, struct libkvm_segment *out)
{
	memset(out, 0, sizeof(*out));
	out->base = in->base;
	out->limit = in->limit;
	out->selector = in->selector;
	out->type = in->type;
	out->present = in->present;
	out->dpl = in->dpl;
	out->db = in->db;
	out->s = in->s;
	out->l = in->l;
	out->g = in->g;
	out->avl = in->avl;
	out->unusable = in->unusable;
}

void libkvm__sregs_to_abi(const struct libkvm_sregs *in, struct okvm_sregs *out)
{
	/* A zero interrupt_bitmap queues nothing and cancels nothing. */
	memset(out, 0, sizeof(*out));
	seg_to_abi(&in->cs, &out->cs);
	seg_to_abi(&in->ds, &out->ds);
	seg_to_abi(&in->es, &out->es);
	seg_to_abi(&in->fs, &out->fs);
	seg_to_abi(&in->gs, &out->gs);
	seg_to_abi(&in->ss, &out->ss);
	seg_to_abi(&in->tr, &out->tr);
	seg_to_abi(&in->ldt, &out->ldt);
	out->gdt.base = in->gdt.base;
	out->gdt.limit = in->gdt.limit;
	out->idt.base = in->idt.base;
	out->idt.limit = in->idt.limit;
	out->cr0 = in->cr0;
	out->cr2 = in->cr2;
	out->cr3 = in->cr3;
	out->cr4 = in->cr4;
	out->cr8 = in->cr8;
	out->efer = in->efer;
	out->apic_base = in->apic_base;
}

void libkvm__sregs_from_abi(const struct okvm_sregs *in, struct libkvm_sregs *out)
{
	memset(out, 0, sizeof(*out));
	seg_from_abi(&in->cs, &out->cs);
	seg_from_abi(&in->ds, &out->ds);
	seg_from_abi(&in->es, &out->es);
	seg_from_abi(&in->fs, &out->fs);
	seg_from_abi(&in->gs, &out->gs);
	seg_from_abi(&in->ss, &out->ss);
	seg_from_abi(&in->tr, &out->tr);
	seg_from_abi(&in->ldt, &out->ldt);
	out->gdt.base = in->gdt.base;
	out->gdt.limit = in->gdt.limit;
	out->idt.base = in->idt.base;
	out->idt.limit = in->idt.limit;
	out->cr0 = in->cr0;
	out->cr2 = in->cr2;
	out->cr3 = in->cr3;
	out->cr4 = in->cr4;
	out->cr8 = in->cr8;
	out->efer = in->efer;
	out->apic_base = in->apic_base;
}

LIBKVM_API int libkvm_vcpu_get_sregs(struct libkvm_vcpu *vcpu,
				     struct libkvm_sregs *sregs)
{
	struct okvm_sregs k;
	int r;

	if (!vcpu)
		return -EINVAL;
	if (!sregs)
		return libkvm__fail(vcpu->err, EINVAL, "libkvm_vcpu_get_sregs: NULL sregs");
	r = vcpu_ioctl(vcpu, OKVM_GET_SREGS, &k, "KVM_GET_SREGS");
	if (r < 0)
		return r;
	libkvm__sregs_from_abi(&k, sregs);
	return 0;
}

LIBKVM_API int libkvm_vcpu_set_sregs(struct libkvm_vcpu *vcpu,
				     const struct libkvm_sregs *sregs)
{
	struct okvm_sregs k;
	int r;

	if (!vcpu)
		return -EINVAL;
	if (!sregs)
		return libkvm__fail(vcpu->err, EINVAL, "libkvm_vcpu_set_sregs: NULL sregs");
	libkvm__sregs_to_abi(sregs, &k);
	r = vcpu_ioctl(vcpu, OKVM_SET_SREGS, &k, "KVM_SET_SREGS");
	return r < 0 ? r : 0;
}

/* The FXSAVE image at the start of an XSAVE area (64-bit layout). */
#define FX_FCW		0
#define FX_FSW		2
#define FX_FTW		4
#define FX_FOP		6
#define FX_FIP		8
#define FX_FDP		16
#define FX_MXCSR	24
#define FX_ST		32
#define FX_XMM		160
#define XSAVE_XSTATE_BV	512
#define XFEATURE_X87_SSE 3ull

static int xsave_get(struct libkvm_vcpu *vcpu, uint8_t **bufp)
{
	uint8_t *buf = calloc(1, vcpu->xsave_size);
	int r;

	*bufp = NULL;
	if (!buf)
		return libkvm__fail(vcpu->err, ENOMEM, "KVM_GET_XSAVE: out of memory");
	if (vcpu->xsave_size > sizeof(struct okvm_xsave))
		r = vcpu_ioctl(vcpu, OKVM_GET_XSAVE2, buf, "KVM_GET_XSAVE2");
	else
		r = vcpu_ioctl(vcpu, OKVM_GET_XSAVE, buf, "KVM_GET_XSAVE");
	if (r < 0) {
		free(buf);
		return r;
	}
	*bufp = buf;
	return 0;
}

static void fx_get(const uint8_t *fx, void *dst, size_t off, size_t len)
{
	memcpy(dst, fx + off, len);
}

static void fx_put(uint8_t *fx, const void *src, size_t off, size_t len)
{
	memcpy(fx + off, src, len);
}

LIBKVM_API int libkvm_vcpu_get_fpu(struct libkvm_vcpu *vcpu, struct libkvm_fpu *fpu)
{
	struct okvm_fpu k;
	uint8_t *xs;
	int r;

	if (!vcpu)
		return -EINVAL;
	if (!fpu)
		return libkvm__fail(vcpu->err, EINVAL, "libkvm_vcpu_get_fpu: NULL fpu");
	memset(fpu, 0, sizeof(*fpu));
	if (vcpu->xsave_size) {
		/* XSAVE carries MXCSR too, which KVM_GET_FPU leaves out. */
		r = xsave_get(vcpu, &xs);
		if (r)
			return r;
		fx_get(xs, &fpu->fcw, FX_FCW, 2);
		fx_get(xs, &fpu->fsw, FX_FSW, 2);
		fx_get(xs, &fpu->ftwx, FX_FTW, 1);
		fx_get(xs, &fpu->last_opcode, FX_FOP, 2);
		fx_get(xs, &fpu->last_ip, FX_FIP, 8);
		fx_get(xs, &fpu->last_dp, FX_FDP, 8);
		fx_get(xs, &fpu->mxcsr, FX_MXCSR, 4);
		fx_get(xs, fpu->fpr, FX_ST, sizeof(fpu->fpr));
		fx_get(xs, fpu->xmm, FX_XMM, sizeof(fpu->xmm));
		free(xs);
		return 0;
	}
	r = vcpu_ioctl(vcpu, OKVM_GET_FPU, &k, "KVM_GET_FPU");
	if (r < 0)
		return r;
	memcpy(fpu->fpr, k.fpr, sizeof(fpu->fpr));
	fpu->fcw = k.fcw;
	fpu->fsw = k.fsw;
	fpu->ftwx = k.ftwx;
	fpu->last_opcode = k.last_opcode;
	fpu->last_ip = k.last_ip;
	fpu->last_dp = k.last_dp;
	memcpy(fpu->xmm, k.xmm, sizeof(fpu->xmm));
	fpu->mxcsr = k.mxcsr;
	return 0;
}

LIBKVM_API int libkvm_vcpu_set_fpu(struct libkvm_vcpu *vcpu,
				   const struct libkvm_fpu *fpu)
{
	struct okvm_fpu k;
	uint64_t bv;
	uint8_t *xs;
	int r;

	if (!vcpu)
		return -EINVAL;
	if (!fpu)
		return libkvm__fail(vcpu->err, EINVAL, "libkvm_vcpu_set_fpu: NULL fpu");
	if (vcpu->xsave_size) {
		/*
		 * KVM_SET_FPU writes the legacy area but not XSTATE_BV: a vcpu
		 * whose SSE state is still in its init state would load zeros.
		 * Going through XSAVE marks x87 and SSE as present.
		 */
		r = xsave_get(vcpu, &xs);
		if (r)
			return r;
		fx_put(xs, &fpu->fcw, FX_FCW, 2);
		fx_put(xs, &fpu->fsw, FX_FSW, 2);
		fx_put(xs, &fpu->ftwx, FX_FTW, 1);
		fx_put(xs, &fpu->last_opcode, FX_FOP, 2);
		fx_put(xs, &fpu->last_ip, FX_FIP, 8);
		fx_put(xs, &fpu->last_dp, FX_FDP, 8);
		fx_put(xs, &fpu->mxcsr, FX_MXCSR, 4);
		fx_put(xs, fpu->fpr, FX_ST, sizeof(fpu->fpr));
		fx_put(xs, fpu->xmm, FX_XMM, sizeof(fpu->xmm));
		memcpy(&bv, xs + XSAVE_XSTATE_BV, 8);
		bv |= XFEATURE_X87_SSE;
		memcpy(xs + XSAVE_XSTATE_BV, &bv, 8);
		r = vcpu_ioctl(vcpu, OKVM_SET_XSAVE, xs, "KVM_SET_XSAVE");
		free(xs);
		return r < 0 ? r : 0;
	}
	memset(&k, 0, sizeof(k));
	memcpy(k.fpr, fpu->fpr, sizeof(k.fpr));
	k.fcw = fpu->fcw;
	k.fsw = fpu->fsw;
	k.ftwx = fpu->ftwx;
	k.last_opcode = fpu->last_opcode;
	k.last_ip = fpu->last_ip;
	k.last_dp = fpu->last_dp;
	memcpy(k.xmm, fpu->xmm, sizeof(k.xmm));
	k.mxcsr = fpu->mxcsr;
	r = vcpu_ioctl(vcpu, OKVM_SET_FPU, &k, "KVM_SET_FPU");
	return r < 0 ? r : 0;
}

#define MAX_MSRS 256

static int msrs_xfer(struct libkvm_vcpu *vcpu, struct libkvm_msr *msrs,
		     uint32_t n, int set)
{
	const char *name = set ? "KVM_SET_MSRS" : "KVM_GET_MSRS";
	struct okvm_msrs *k;
	uint32_t i;
	int r;

	if (!vcpu)
		return -EINVAL;
	if (n && !msrs)
		return libkvm__fail(vcpu->err, EINVAL, "%s: NULL msrs", name);
	if (n > MAX_MSRS)
		return libkvm__fail(vcpu->err, E2BIG, "%s: %u MSRs, at most %u at once",
				    name, n, MAX_MSRS);
	if (!n)
		return 0;
	k = calloc(1, sizeof(*k) + n * sizeof(k->entries[0]));
	if (!k)
		return libkvm__fail(vcpu->err, ENOMEM, "%s: out of memory", name);
	k->nmsrs = n;
	for (i = 0; i < n; i++) {
		k->entries[i].index = msrs[i].index;
		k->entries[i].data = msrs[i].value;
	}
	r = libkvm__ioctl(vcpu->vm->sys, vcpu->fd,
			  set ? OKVM_SET_MSRS : OKVM_GET_MSRS, k);
	if (r < 0) {
		libkvm__fail_ioctl(vcpu->err, r, name, "%u MSRs", n);
	} else if ((uint32_t)r < n) {
		/* The ioctl stops at the first MSR it cannot access. */
		r = libkvm__fail(vcpu->err, EINVAL,
				 "%s: device refused MSR 0x%x (%d of %u done)", name,
				 msrs[r].index, r, n);
	} else {
		r = 0;
		if (!set)
			for (i = 0; i < n; i++)
				msrs[i].value = k->entries[i].data;
	}
	free(k);
	return r;
}

LIBKVM_API int libkvm_vcpu_get_msrs(struct libkvm_vcpu *vcpu,
				    struct libkvm_msr *msrs, uint32_t n)
{
	return msrs_xfer(vcpu, msrs, n, 0);
}

LIBKVM_API int libkvm_vcpu_set_msrs(struct libkvm_vcpu *vcpu,
				    const struct libkvm_msr *msrs, uint32_t n)
{
	return msrs_xfer(vcpu, (struct libkvm_msr *)msrs, n, 1);
}

LIBKVM_API int libkvm_vcpu_get_msr(struct libkvm_vcpu *vcpu, uint32_t index,
				   uint64_t *value)
{
	struct libkvm_msr m = { .index = index };
	int r;

	if (vcpu && !value)
		return libkvm__fail(vcpu->err, EINVAL, "libkvm_vcpu_get_msr: NULL value");
	r = msrs_xfer(vcpu, &m, 1, 0);
	if (!r)
		*value = m.value;
	return r;
}

LIBKVM_API int libkvm_vcpu_set_msr(struct libkvm_vcpu *vcpu, uint32_t index,
				   uint64_t value)
{
	struct libkvm_msr m = { .index = index, .value = value };

	return msrs_xfer(vcpu, &m, 1, 1);
}

LIBKVM_API int libkvm_vcpu_set_cpuid(struct libkvm_vcpu *vcpu,
				     const struct libkvm_cpuid_entry *entries,
				     uint32_t n)
{
	struct okvm_cpuid2 *k;
	uint32_t i;
	int r;

	if (!vcpu)
		return -EINVAL;
	if (n && !entries)
		return libkvm__fail(vcpu->err, EINVAL, "KVM_SET_CPUID2: NULL entries");
	if (n > 4096)
		return libkvm__fail(vcpu->err, E2BIG, "KVM_SET_CPUID2: %u entries", n);
	k = calloc(1, sizeof(*k) + n * sizeof(k->entries[0]));
	if (!k)
		return libkvm__fail(vcpu->err, ENOMEM, "KVM_SET_CPUID2: out of memory");
	k->nent = n;
	for (i = 0; i < n; i++) {
		k->entries[i].function = entries[i].function;
		k->entries[i].index = entries[i].index;
		k->entries[i].flags = entries[i].flags & LIBKVM_CPUID_F_SIGNIFICANT_INDEX ?
				      OKVM_CPUID_FLAG_SIGNIFICANT_INDEX : 0;
		k->entries[i].eax = entries[i].eax;
		k->entries[i].ebx = entries[i].ebx;
		k->entries[i].ecx = entries[i].ecx;
		k->entries[i].edx = entries[i].edx;
	}
	r = vcpu_ioctl(vcpu, OKVM_SET_CPUID2, k, "KVM_SET_CPUID2");
	free(k);
	return r < 0 ? r : 0;
}

LIBKVM_API int libkvm_vcpu_set_supported_cpuid(struct libkvm_vcpu *vcpu)
{
	struct libkvm_sys *sys;
	struct libkvm_cpuid_entry *e;
	uint32_t n = 256;
	int r;

	if (!vcpu)
		return -EINVAL;
	sys = vcpu->vm->sys;
	for (;;) {
		e = calloc(n, sizeof(*e));
		if (!e)
			return libkvm__fail(vcpu->err, ENOMEM,
					    "libkvm_vcpu_set_supported_cpuid: out of memory");
		r = libkvm_sys_get_supported_cpuid(sys, e, &n);
		if (r != -E2BIG || n >= 4096)
			break;
		free(e);
		n *= 2;
	}
	if (r) {
		free(e);
		return libkvm__fail(vcpu->err, -r, "%s", libkvm_sys_error(sys));
	}
	r = libkvm_vcpu_set_cpuid(vcpu, e, n);
	free(e);
	return r;
}

LIBKVM_API int libkvm_vcpu_interrupt(struct libkvm_vcpu *vcpu, uint32_t vector)
{
	struct okvm_interrupt irq = { .irq = vector };
	int r;

	if (!vcpu)
		return -EINVAL;
	if (vector > 255)
		return libkvm__fail(vcpu->err, EINVAL, "KVM_INTERRUPT: vector %u > 255",
				    vector);
	r = vcpu_ioctl(vcpu, OKVM_INTERRUPT, &irq, "KVM_INTERRUPT");
	return r < 0 ? r : 0;
}

LIBKVM_API int libkvm_vcpu_nmi(struct libkvm_vcpu *vcpu)
{
	int r;

	if (!vcpu)
		return -EINVAL;
	r = vcpu_ioctl(vcpu, OKVM_NMI, NULL, "KVM_NMI");
	return r < 0 ? r : 0;
}

LIBKVM_API int libkvm_vcpu_request_irq_window(struct libkvm_vcpu *vcpu, int on)
{
	if (!vcpu)
		return -EINVAL;
	vcpu->run->request_interrupt_window = !!on;
	return 0;
}

LIBKVM_API int libkvm_vcpu_set_guest_debug(struct libkvm_vcpu *vcpu, uint32_t flags)
{
	struct okvm_guest_debug dbg;
	int r;

	if (!vcpu)
		return -EINVAL;
	if (flags & ~(LIBKVM_DEBUG_ENABLE | LIBKVM_DEBUG_SINGLESTEP | LIBKVM_DEBUG_SW_BP))
		return libkvm__fail(vcpu->err, EINVAL,
				    "KVM_SET_GUEST_DEBUG: unknown flags 0x%x", flags);
	if (flags && !(flags & LIBKVM_DEBUG_ENABLE))
		return libkvm__fail(vcpu->err, EINVAL,
				    "KVM_SET_GUEST_DEBUG: flags 0x%x without LIBKVM_DEBUG_ENABLE",
				    flags);
	memset(&dbg, 0, sizeof(dbg));
	if (flags & LIBKVM_DEBUG_ENABLE)
		dbg.control |= OKVM_GUESTDBG_ENABLE;
	if (flags & LIBKVM_DEBUG_SINGLESTEP)
		dbg.control |= OKVM_GUESTDBG_SINGLESTEP;
	if (flags & LIBKVM_DEBUG_SW_BP)
		dbg.control |= OKVM_GUESTDBG_USE_SW_BP;
	r = vcpu_ioctl(vcpu, OKVM_SET_GUEST_DEBUG, &dbg, "KVM_SET_GUEST_DEBUG");
	return r < 0 ? r : 0;
}
