// SPDX-License-Identifier: MIT
/* Events (KVM_NMI, KVM_INTERRUPT, VCPU_EVENTS), DEBUGREGS and the MMIO instruction forms. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <time.h>

#include "harness.h"

static int nmi_vm(struct vm *vm, struct vcpu *v)
{
	MUST(vm_create(vm));
	MUST(vcpu_create(vm, v, 0));
	load_blob(vm, CODE_GPA, BLOB_g_nmi);
	return setup_real(v, CODE_GPA);
}

/* Run until an OUT to @port, tolerating HLT exits (the guest idles in HLT). */
static int run_to_port(struct vcpu *v, uint16_t port, uint64_t *data)
{
	int i;

	for (i = 0; i < 8; i++) {
		if (ioctl(v->fd, KVM_RUN, 0))
			return fail("KVM_RUN: %s", strerror(errno));
		if (v->run->exit_reason == KVM_EXIT_HLT)
			continue;
		if (v->run->exit_reason != KVM_EXIT_IO || v->run->io.port != port)
			return fail("exit was %s, expected OUT to port %#x", exit_desc(v), port);
		*data = *((uint8_t *)v->run + v->run->io.data_offset);
		return 0;
	}
	return fail("no OUT to port %#x after 8 HLT exits", port);
}

/* An NMI is taken with IF=0; a second one waits for the handler's IRET. */
static int t_nmi(void)
{
	struct kvm_vcpu_events ev;
	struct vm vm;
	struct vcpu v;
	uint64_t data;

	MUST(nmi_vm(&vm, &v));
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_READY, 1, &data));
	CHECK_EQ("NMI count before any NMI", data, 0);
	TRY(ioctl(v.fd, KVM_NMI));
	MUST(run_to_port(&v, PORT_NMI, &data));
	CHECK_EQ("NMI count in the first handler", data, 1);
	/* In the handler: NMIs are masked until IRET. */
	TRY(ioctl(v.fd, KVM_GET_VCPU_EVENTS, &ev));
	CHECK(ev.nmi.masked, "nmi.masked is 0 inside the NMI handler");
	TRY(ioctl(v.fd, KVM_NMI));
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_NMI_DONE, 1, &data));
	CHECK_EQ("NMI count at the end of the first handler", data, 1);
	MUST(run_to_port(&v, PORT_NMI, &data));
	CHECK_EQ("NMI count in the second handler", data, 2);
	return T_PASS;
}

/* KVM_INTERRUPT with IF=0 is refused by the guest's state only through the window. */
static int t_irq_window(void)
{
	struct kvm_regs r;
	struct kvm_interrupt irq = { .irq = IRQ_VECTOR };
	struct vm vm;
	struct vcpu v;
	uint64_t data;

	MUST(nmi_vm(&vm, &v));
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_READY, 1, &data));
	MUST(complete_pending(&v));
	CHECK(!v.run->if_flag, "if_flag is 1 while the guest runs with IF=0");
	CHECK(!v.run->ready_for_interrupt_injection, "ready_for_interrupt_injection with IF=0");
	/* Let the guest take interrupts; the window opens before the next instruction. */
	MUST(get_regs(&v, &r));
	r.rflags |= 0x200;
	MUST(set_regs(&v, &r));
	v.run->request_interrupt_window = 1;
	MUST(run_expect(&v, KVM_EXIT_IRQ_WINDOW_OPEN));
	CHECK(v.run->ready_for_interrupt_injection, "IRQ_WINDOW_OPEN without ready_for_interrupt_injection");
	CHECK(v.run->if_flag, "if_flag is 0 at IRQ_WINDOW_OPEN");
	v.run->request_interrupt_window = 0;
	TRY(ioctl(v.fd, KVM_INTERRUPT, &irq));
	MUST(run_to_port(&v, PORT_IRQ, &data));
	CHECK_EQ("interrupt handler count", data, 1);
	irq.irq = 256;
	EXPECT_ERRNO(ioctl(v.fd, KVM_INTERRUPT, &irq), EINVAL);
	return T_PASS;
}

static int t_vcpu_events(void)
{
	struct kvm_vcpu_events in, out;
	struct vm vm;
	struct vcpu v;

	if (!check_cap(kvm_sys, KVM_CAP_VCPU_EVENTS))
		return fail("KVM_CAP_VCPU_EVENTS is not reported");
	MUST(nmi_vm(&vm, &v));
	memset(&in, 0, sizeof(in));
	in.exception.injected = 1;
	in.exception.nr = 13;
	in.exception.has_error_code = 1;
	in.exception.error_code = 0x18;
	in.interrupt.shadow = KVM_X86_SHADOW_INT_MOV_SS;
	in.nmi.pending = 1;
	in.nmi.masked = 1;
	in.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
	TRY(ioctl(v.fd, KVM_SET_VCPU_EVENTS, &in));
	TRY(ioctl(v.fd, KVM_GET_VCPU_EVENTS, &out));
	CHECK(out.exception.injected == 1 && out.exception.nr == 13 &&
	      out.exception.has_error_code == 1 && out.exception.error_code == 0x18,
	      "exception read back as injected=%u nr=%u has_error=%u error=%#x",
	      out.exception.injected, out.exception.nr, out.exception.has_error_code,
	      out.exception.error_code);
	CHECK(out.interrupt.shadow != 0, "interrupt shadow read back as 0");
	CHECK(out.nmi.pending == 1 && out.nmi.masked == 1,
	      "nmi read back as pending=%u masked=%u", out.nmi.pending, out.nmi.masked);
	CHECK(out.flags & KVM_VCPUEVENT_VALID_SHADOW, "flags %#x lack VALID_SHADOW", out.flags);

	/* Bad input: unknown flags, an NMI vector as exception, a vector above 31. */
	in.flags = 0x80000000u;
	EXPECT_ERRNO(ioctl(v.fd, KVM_SET_VCPU_EVENTS, &in), EINVAL);
	in.flags = 0;
	in.exception.nr = 2;
	EXPECT_ERRNO(ioctl(v.fd, KVM_SET_VCPU_EVENTS, &in), EINVAL);
	in.exception.nr = 32;
	EXPECT_ERRNO(ioctl(v.fd, KVM_SET_VCPU_EVENTS, &in), EINVAL);
	/* Nothing changed by the refused calls. */
	TRY(ioctl(v.fd, KVM_GET_VCPU_EVENTS, &out));
	CHECK_EQ("exception.nr after refused sets", out.exception.nr, 13);

	/* Clearing: NMI pending and the shadow change only with their VALID flags. */
	memset(&in, 0, sizeof(in));
	in.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
	TRY(ioctl(v.fd, KVM_SET_VCPU_EVENTS, &in));
	TRY(ioctl(v.fd, KVM_GET_VCPU_EVENTS, &out));
	CHECK(!out.exception.injected && !out.nmi.pending && !out.interrupt.shadow,
	      "events not cleared: exception %u nmi.pending %u shadow %u",
	      out.exception.injected, out.nmi.pending, out.interrupt.shadow);
	return T_PASS;
}

static int t_debugregs(void)
{
	struct kvm_debugregs in, out;
	struct vm vm;
	struct vcpu v;

	if (!check_cap(kvm_sys, KVM_CAP_DEBUGREGS))
		return fail("KVM_CAP_DEBUGREGS is not reported");
	MUST(nmi_vm(&vm, &v));
	memset(&in, 0, sizeof(in));
	in.db[0] = 0x1000;
	in.db[1] = 0x2000;
	in.db[2] = 0xdead0000;
	in.db[3] = 0xffffffff80000000ULL;
	in.dr6 = 0xffff0ff1;
	in.dr7 = 0x401;
	TRY(ioctl(v.fd, KVM_SET_DEBUGREGS, &in));
	TRY(ioctl(v.fd, KVM_GET_DEBUGREGS, &out));
	CHECK(!memcmp(in.db, out.db, sizeof(in.db)), "db[] did not round-trip");
	CHECK_EQ("dr6", out.dr6, in.dr6);
	CHECK_EQ("dr7", out.dr7, in.dr7);
	in.flags = 1;
	EXPECT_ERRNO(ioctl(v.fd, KVM_SET_DEBUGREGS, &in), EINVAL);
	in.flags = 0;
	in.dr7 = 1ULL << 32;
	EXPECT_ERRNO(ioctl(v.fd, KVM_SET_DEBUGREGS, &in), EINVAL);
	TRY(ioctl(v.fd, KVM_GET_DEBUGREGS, &out));
	CHECK_EQ("dr7 after a refused set", out.dr7, 0x401);
	return T_PASS;
}

/* One expected MMIO exit: reads get @data, writes must carry it. */
struct mmio_step {
	int write;
	uint32_t off, len;
	uint64_t data;
};

static int t_mmio_forms(void)
{
	static const struct mmio_step steps[] = {
		{ 0, 0x00, 4, 10 }, { 1, 0x00, 4, 15 },		/* add $5 */
		{ 0, 0x10, 1, 0xf0 },				/* movzbl */
		{ 0, 0x18, 1, 0x80 },				/* movsbq */
		{ 0, 0x20, 4, 0xaabbccdd }, { 1, 0x20, 4, 0x12345678 },	/* xchg */
		{ 0, 0x28, 4, 7 },				/* cmp */
		{ 0, 0x30, 1, 0x80 },				/* test */
		{ 0, 0x38, 4, 0x8 },				/* bt $3 */
		{ 0, 0x60, 2, 0x1010 }, { 1, 0x60, 2, 0x1111 },	/* or */
		{ 1, 0x40, 1, 0x5a }, { 1, 0x41, 1, 0x5a }, { 1, 0x42, 1, 0x5a },	/* rep stosb */
		{ 1, 0x50, 1, 0xc1 }, { 1, 0x51, 1, 0xc2 },	/* rep movsb */
	};
	struct kvm_regs r;
	struct vm vm;
	struct vcpu v;
	struct kvm_run *run;
	uint64_t data;
	size_t i;

	MUST(vm_create(&vm));
	MUST(vcpu_create(&vm, &v, 0));
	load_blob(&vm, CODE_GPA, BLOB_g_emul);
	vm.mem[STR_SRC] = 0xc1;
	vm.mem[STR_SRC + 1] = 0xc2;
	MUST(setup_long(&v, CODE_GPA));
	run = v.run;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct mmio_step *s = &steps[i];

		data = 0;
		if (run_expect_mmio(&v, s->write, MMIO_GPA + s->off, s->len, &data))
			return fail("step %zu: exit was %s, expected MMIO %s %#llx len %u", i,
				    exit_desc(&v), s->write ? "write" : "read",
				    (unsigned long long)(MMIO_GPA + s->off), s->len);
		if (s->write) {
			CHECK(data == s->data, "step %zu: write carried %#llx, expected %#llx", i,
			      (unsigned long long)data, (unsigned long long)s->data);
		} else {
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
			memcpy(run->mmio.data, &s->data, s->len);
		}
	}
	/* The x87 load from MMIO: an emulation failure, never a guessed result. */
	if (ioctl(v.fd, KVM_RUN, 0))
		return fail("KVM_RUN: %s", strerror(errno));
	CHECK(run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
	      run->emulation_failure.suberror == KVM_INTERNAL_ERROR_EMULATION,
	      "fldl from MMIO: exit was %s, expected INTERNAL_ERROR/EMULATION", exit_desc(&v));
	if (run->emulation_failure.ndata >= 3 &&
	    (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
		CHECK(run->emulation_failure.insn_size >= 3 &&
		      run->emulation_failure.insn_bytes[0] == 0xdd,
		      "instruction bytes: size %u first %#x, expected fldl (dd ..)",
		      run->emulation_failure.insn_size, run->emulation_failure.insn_bytes[0]);
	} else if (strstr(kvm_device, "okvm")) {
		return fail("okvm's emulation failure carries no instruction bytes");
	}
	MUST(get_regs(&v, &r));
	CHECK_EQ("r8 (movzbl)", r.r8, 0xf0);
	CHECK_EQ("r9 (movsbq)", r.r9, 0xffffffffffffff80ULL);
	CHECK_EQ("r10 (xchg old value)", r.r10, 0xaabbccdd);
	CHECK_EQ("r11b (cmp equal: ZF)", r.r11 & 0xff, 1);
	CHECK_EQ("r12b (test bit 7 set: !ZF)", r.r12 & 0xff, 1);
	CHECK_EQ("r13b (bt bit 3: CF)", r.r13 & 0xff, 1);
	CHECK_EQ("r14 (rdi after rep stosb)", r.r14, MMIO_GPA + 0x43);
	CHECK_EQ("r15 (rdi after rep movsb)", r.r15, MMIO_GPA + 0x52);
	CHECK_EQ("rcx after rep movsb", r.rcx, 0);
	CHECK_EQ("rip at the failed instruction", r.rip, SYM_emul_x87);
	return T_PASS;
}

/* One MSR through KVM_GET_MSRS / KVM_SET_MSRS: the count of MSRs done (1), or -1. */
static int msr_io(struct vcpu *v, unsigned long req, uint32_t index, uint64_t *val)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m;
	int r;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.e.index = index;
	m.e.data = *val;
	r = ioctl(v->fd, req, &m);
	*val = m.e.data;
	return r;
}

/* Machine-check set-up as QEMU does it, the MSRs it restores, and a reported error. */
static int t_mce(void)
{
	struct kvm_x86_mce mce;
	struct vm vm;
	struct vcpu v;
	uint64_t cap, val;
	int banks;

	banks = check_cap(kvm_sys, KVM_CAP_MCE);
	if (banks < 10)
		return fail("KVM_CAP_MCE is %d: fewer than the 10 banks QEMU uses", banks);
	/* The bank count comes from KVM_CAP_MCE; this gives the MCG_CAP feature bits. */
	TRY(ioctl(kvm_sys, KVM_X86_GET_MCE_CAP_SUPPORTED, &cap));
	CHECK(cap & (1ULL << 8), "KVM_X86_GET_MCE_CAP_SUPPORTED %#llx lacks MCG_CTL_P",
	      (unsigned long long)cap);
	MUST(nmi_vm(&vm, &v));
	cap = 0;
	EXPECT_ERRNO(ioctl(v.fd, KVM_X86_SETUP_MCE, &cap), EINVAL);
	cap = 10 | (1ULL << 8);
	TRY(ioctl(v.fd, KVM_X86_SETUP_MCE, &cap));
	val = 0;
	CHECK(msr_io(&v, KVM_GET_MSRS, 0x179, &val) == 1 && val == cap,
	      "MCG_CAP reads %#llx after KVM_X86_SETUP_MCE(%#llx)", (unsigned long long)val,
	      (unsigned long long)cap);
	CHECK(msr_io(&v, KVM_GET_MSRS, 0x17b, &val) == 1 && val == ~0ULL,
	      "MCG_CTL reads %#llx, expected all ones", (unsigned long long)val);
	CHECK(msr_io(&v, KVM_GET_MSRS, 0x400 + 4 * 9, &val) == 1 && val == ~0ULL,
	      "MC9_CTL reads %#llx, expected all ones", (unsigned long long)val);
	/* A bank past the count does not exist; MCi_CTL takes 0 or all ones. */
	val = 0;
	CHECK(msr_io(&v, KVM_SET_MSRS, 0x400 + 4 * 10, &val) == 0, "MC10_CTL exists with 10 banks");
	val = 5;
	CHECK(msr_io(&v, KVM_SET_MSRS, 0x400, &val) == 0, "MC0_CTL accepted 5");
	/* The VMM restores MCG_STATUS and a bank's status. */
	val = 0x1234;
	CHECK(msr_io(&v, KVM_SET_MSRS, 0x401, &val) == 1, "MC0_STATUS refused a host write");
	CHECK(msr_io(&v, KVM_GET_MSRS, 0x401, &val) == 1 && val == 0x1234,
	      "MC0_STATUS reads %#llx after writing 0x1234", (unsigned long long)val);
	/* A corrected error lands in its bank; a bank past the count is refused. */
	memset(&mce, 0, sizeof(mce));
	mce.bank = 2;
	mce.status = (1ULL << 63) | 0x55;
	mce.addr = 0xabc000;
	TRY(ioctl(v.fd, KVM_X86_SET_MCE, &mce));
	CHECK(msr_io(&v, KVM_GET_MSRS, 0x400 + 4 * 2 + 1, &val) == 1 && val == mce.status,
	      "MC2_STATUS reads %#llx after KVM_X86_SET_MCE", (unsigned long long)val);
	CHECK(msr_io(&v, KVM_GET_MSRS, 0x400 + 4 * 2 + 2, &val) == 1 && val == mce.addr,
	      "MC2_ADDR reads %#llx after KVM_X86_SET_MCE", (unsigned long long)val);
	mce.bank = 10;
	EXPECT_ERRNO(ioctl(v.fd, KVM_X86_SET_MCE, &mce), EINVAL);
	return T_PASS;
}

/* An exception whose delivery faults on nested paging is delivered again, once. */
static int t_exception_reinjection(void)
{
	struct kvm_regs r;
	struct vm vm;
	struct vcpu v;
	uint64_t data;

	MUST(vm_create(&vm));
	MUST(vcpu_create(&vm, &v, 0));
	load_blob(&vm, CODE_GPA, BLOB_g_reinject);
	/* IVT entry 6 (#UD) -> 0:reinject_handler, written by the host only. */
	*mem32(&vm, 6 * 4) = (uint32_t)SYM_reinject_handler;
	MUST(setup_real(&v, CODE_GPA));
	MUST(get_regs(&v, &r));
	r.rsp = 0x7000;
	r.rcx = 0;
	MUST(set_regs(&v, &r));
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_IRQ, 1, &data));
	CHECK_EQ("#UD handler runs", data, 1);
	MUST(complete_pending(&v));
	MUST(get_regs(&v, &r));
	/* One frame of FLAGS, CS, IP pushed: exactly one delivery. */
	CHECK_EQ("sp in the handler", r.rsp & 0xffff, 0x7000 - 6);
	CHECK_EQ("the pushed IP (the UD2)", *(uint16_t *)(vm.mem + 0x7000 - 6), SYM_reinject_ud);
	return T_PASS;
}

/* KVM_GET/SET_CLOCK: the clock moves forward from what was set; unknown flags refused. */
static int t_vm_clock(void)
{
	struct kvm_clock_data c;
	struct vm vm;
	uint64_t t0;

	if (check_cap(kvm_sys, KVM_CAP_ADJUST_CLOCK) <= 0)
		return fail("KVM_CAP_ADJUST_CLOCK is not reported");
	MUST(vm_create(&vm));
	memset(&c, 0, sizeof(c));
	TRY(ioctl(vm.fd, KVM_GET_CLOCK, &c));
	t0 = 1000000000000ULL;	/* 1000 s */
	memset(&c, 0, sizeof(c));
	c.clock = t0;
	TRY(ioctl(vm.fd, KVM_SET_CLOCK, &c));
	memset(&c, 0, sizeof(c));
	TRY(ioctl(vm.fd, KVM_GET_CLOCK, &c));
	CHECK(c.clock >= t0 && c.clock < t0 + 10000000000ULL,
	      "KVM_GET_CLOCK gave %llu ns after setting %llu (expected within 10 s after)",
	      (unsigned long long)c.clock, (unsigned long long)t0);
	memset(&c, 0, sizeof(c));
	c.flags = 1u << 30;
	EXPECT_ERRNO(ioctl(vm.fd, KVM_SET_CLOCK, &c), EINVAL);
	return T_PASS;
}

static int t_tsc_khz(void)
{
	struct vm vm;
	struct vcpu v;
	int khz;

	if (check_cap(kvm_sys, KVM_CAP_GET_TSC_KHZ) <= 0)
		return fail("KVM_CAP_GET_TSC_KHZ is not reported");
	MUST(vm_create(&vm));
	MUST(vcpu_create(&vm, &v, 0));
	khz = ioctl(v.fd, KVM_GET_TSC_KHZ);
	CHECK(khz >= 1000, "KVM_GET_TSC_KHZ returned %d (%s)", khz, khz < 0 ? strerror(errno) : "");
	return T_PASS;
}

/*
 * KVM_SET_GSI_ROUTING: valid tables accepted (after KVM_CREATE_IRQCHIP: both refuse a
 * table before it), malformed entries refused.
 */
static int t_gsi_routing(void)
{
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[3];
	} t;
	struct vm vm;

	if (check_cap(kvm_sys, KVM_CAP_IRQ_ROUTING) <= 0)
		return fail("KVM_CAP_IRQ_ROUTING is not reported");
	MUST(vm_create(&vm));
	(void)ioctl(vm.fd, KVM_CREATE_IRQCHIP, 0);
	memset(&t, 0, sizeof(t));
	t.hdr.nr = 3;
	t.e[0].gsi = 0;
	t.e[0].type = KVM_IRQ_ROUTING_IRQCHIP;
	t.e[0].u.irqchip.irqchip = KVM_IRQCHIP_PIC_MASTER;
	t.e[0].u.irqchip.pin = 0;
	t.e[1].gsi = 0;
	t.e[1].type = KVM_IRQ_ROUTING_IRQCHIP;
	t.e[1].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
	t.e[1].u.irqchip.pin = 2;
	t.e[2].gsi = 24;
	t.e[2].type = KVM_IRQ_ROUTING_MSI;
	t.e[2].u.msi.address_lo = 0xfee00000;
	t.e[2].u.msi.data = 0x41;
	TRY(ioctl(vm.fd, KVM_SET_GSI_ROUTING, &t));
	t.e[1].u.irqchip.pin = 24;		/* the IOAPIC has 24 pins */
	EXPECT_ERRNO(ioctl(vm.fd, KVM_SET_GSI_ROUTING, &t), EINVAL);
	t.e[1].u.irqchip.pin = 2;
	t.e[2].type = 0x7777;			/* unknown type */
	EXPECT_ERRNO(ioctl(vm.fd, KVM_SET_GSI_ROUTING, &t), EINVAL);
	t.e[2].type = KVM_IRQ_ROUTING_MSI;
	t.hdr.flags = 1;
	EXPECT_ERRNO(ioctl(vm.fd, KVM_SET_GSI_ROUTING, &t), EINVAL);
	t.hdr.flags = 0;
	t.hdr.nr = 0;				/* an empty table is fine */
	TRY(ioctl(vm.fd, KVM_SET_GSI_ROUTING, &t));
	return T_PASS;
}

static void kick(int sig)
{
	(void)sig;
}

/*
 * An exception an exit left pending (the #GP of a RDMSR) must reach the guest before an
 * interrupt the VMM injects: a timer signal interrupts KVM_RUN right after such exits,
 * and the VMM injects whenever ready_for_interrupt_injection says it may.
 */
static int t_exception_before_interrupt(void)
{
	struct kvm_interrupt irq = { .irq = IRQ_VECTOR };
	struct sigevent sev;
	struct itimerspec its;
	struct timespec t0, t1;
	struct kvm_regs r;
	struct vm vm;
	struct vcpu v;
	timer_t tm;
	int injected = 0, handled = 0, gps = 0;

	MUST(vm_create(&vm));
	MUST(vcpu_create(&vm, &v, 0));
	load_blob(&vm, CODE_GPA, BLOB_g_gpirq);
	MUST(setup_real(&v, CODE_GPA));
	signal(SIGUSR2, kick);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR2;
	sev._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &tm))
		return fail("timer_create: %s", strerror(errno));
	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = 50000;
	its.it_interval.tv_nsec = 50000;
	timer_settime(tm, 0, &its, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		int rc = ioctl(v.fd, KVM_RUN, 0);

		if (rc && errno != EINTR) {
			timer_delete(tm);
			return fail("KVM_RUN: %s", strerror(errno));
		}
		if (!rc && v.run->exit_reason == KVM_EXIT_IO && v.run->io.port == PORT_IRQ) {
			handled++;
		} else if (!rc && v.run->exit_reason == KVM_EXIT_IO && v.run->io.port == PORT_DATA) {
			timer_delete(tm);
			return fail("#GP delivered at ip %#x, not at the RDMSR (%#llx), after %d interrupts",
				    *(uint16_t *)((uint8_t *)v.run + v.run->io.data_offset),
				    (unsigned long long)SYM_gpirq_rdmsr, injected);
		} else if (!rc && v.run->exit_reason != KVM_EXIT_INTR) {
			timer_delete(tm);
			return fail("unexpected exit %s", exit_desc(&v));
		}
		/* Keep both paths busy: an interrupt for every #GP the guest took. */
		MUST(get_regs(&v, &r));
		gps = r.rdx & 0xffff;
		if (v.run->ready_for_interrupt_injection && v.run->if_flag && injected < gps) {
			TRY(ioctl(v.fd, KVM_INTERRUPT, &irq));
			injected++;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* A machine that gets almost nothing done in 3 s will not get enough in 20. */
		if (t1.tv_sec - t0.tv_sec >= 3 && (injected < 3 || gps < 3))
			break;
	} while ((injected < 30 || gps < 30) && t1.tv_sec - t0.tv_sec < 20);
	timer_delete(tm);
	if (injected < 30 || gps < 30)
		return skip("only %d interrupts and %d #GPs in %ld s: too slow a machine for this test",
			    injected, gps, (long)(t1.tv_sec - t0.tv_sec));
	CHECK(handled >= injected - 1 && handled <= injected,
	      "%d interrupts injected, %d handled", injected, handled);
	return T_PASS;
}

/* WRMSR that switches EFER.LME while paging is on faults (the CPU's rule). */
static int t_efer_lme_with_paging(void)
{
	struct vm vm;
	struct vcpu v;

	MUST(vm_create(&vm));
	MUST(vcpu_create(&vm, &v, 0));
	load_blob(&vm, CODE_GPA, BLOB_g_efer);
	MUST(setup_long(&v, CODE_GPA));
	if (ioctl(v.fd, KVM_RUN, 0))
		return fail("KVM_RUN: %s", strerror(errno));
	CHECK(v.run->exit_reason == KVM_EXIT_SHUTDOWN,
	      "exit was %s, expected SHUTDOWN (#GP with no IDT) for clearing EFER.LME in long mode",
	      exit_desc(&v));
	return T_PASS;
}

const struct test event_tests[] = {
	{ "efer_lme_with_paging", t_efer_lme_with_paging },
	{ "exception_before_interrupt", t_exception_before_interrupt },
	{ "vm_clock", t_vm_clock },
	{ "tsc_khz", t_tsc_khz },
	{ "gsi_routing", t_gsi_routing },
	{ "exception_reinjection", t_exception_reinjection },
	{ "mce", t_mce },
	{ "nmi", t_nmi },
	{ "irq_window", t_irq_window },
	{ "vcpu_events", t_vcpu_events },
	{ "debugregs", t_debugregs },
	{ "mmio_forms", t_mmio_forms },
	{ NULL, NULL },
};
