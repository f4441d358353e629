// SPDX-License-Identifier: MIT
/*
 * ioeventfd, coalesced MMIO/PIO, irqfd (with resample) and the binary statistics fd
 * (KVM_SIGNAL_MSI itself is in t_irqchip.c). The guests are small 64-bit programs
 * assembled below (top-level asm), copied to CODE_GPA and run on the long mode set-up
 * of vm.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* Guest page tables for 3-4 GiB (the IOAPIC and the local APIC), after PT2_GPA. */
#define PD3_GPA		0x16000
#define IDT_GPA		0xa000
#define APIC_GPA	0xfee00000
#define IOAPIC_GPA	0xfec00000
/*
 * The level-triggered IOAPIC pin of the resample test and its vector. GSIs below 16 also
 * reach the 8259s, whose output KVM wires to the BSP's LINT0 (ExtINT) at reset: use a
 * pin only the IOAPIC has.
 */
#define LVL_PIN		20
#define LVL_VECTOR	0x21
/* Where the MSI and irqfd tests route their GSI. */
#define MSI_GSI		30

#define GUEST(name) extern const unsigned char name##_start[], name##_end[]
GUEST(evg_pio);
GUEST(evg_mmio);
GUEST(evg_cmmio);
GUEST(evg_cfull);
GUEST(evg_cpio);
GUEST(evg_irq);
extern const unsigned char evg_irq_edge[], evg_irq_level[];

/*
 * The guests. Ports and addresses come from guest.h; every exit the host expects is
 * named in the test that runs the guest.
 */
__asm__(
	".pushsection .rodata\n"
	".code64\n"

	/* PIO: len 1 wildcard at PORT_IMM, len 2 datamatch at PORT_DX, len 0 at PORT_STR. */
	"evg_pio_start:\n"
	"	mov $0x11, %al\n"
	"	out %al, $" STR(PORT_IMM) "\n"		/* eventfd A */
	"	mov $0x22, %al\n"
	"	out %al, $" STR(PORT_IMM_IN) "\n"	/* exit: nothing there */
	"	mov $" STR(PORT_DX) ", %dx\n"
	"	mov $0x2233, %ax\n"
	"	out %ax, %dx\n"				/* eventfd B (match) */
	"	mov $0x4455, %ax\n"
	"	out %ax, %dx\n"				/* exit: no match */
	"	mov $0x99, %al\n"
	"	out %al, $" STR(PORT_IMM) "\n"		/* eventfd A */
	"	mov $0x01020304, %eax\n"
	"	out %eax, $" STR(PORT_IMM) "\n"	/* exit: length 4, A has 1 */
	"	out %al, $" STR(PORT_STR) "\n"		/* eventfd C (any length) */
	"	out %eax, $" STR(PORT_STR) "\n"	/* eventfd C */
	"	hlt\n"
	"evg_pio_end:\n"

	/* MMIO: len 4 wildcard at +0, len 8 datamatch at +0x10, len 0 at +0x20. */
	"evg_mmio_start:\n"
	"	mov $" STR(MMIO_GPA) ", %edi\n"
	"	movl $0x44556677, (%rdi)\n"		/* eventfd A */
	"	movw $0x2233, (%rdi)\n"			/* exit: length 2 */
	"	movabs $0x8899aabbccddeeff, %rax\n"
	"	mov %rax, 0x10(%rdi)\n"			/* eventfd B (match) */
	"	inc %rax\n"
	"	mov %rax, 0x10(%rdi)\n"			/* exit: no match */
	"	movb $0x5a, 0x20(%rdi)\n"		/* eventfd C */
	"	movl $1, 0x20(%rdi)\n"			/* eventfd C */
	"	hlt\n"
	"evg_mmio_end:\n"

	/* Coalesced MMIO: three writes in the zone, one outside, one read in it. */
	"evg_cmmio_start:\n"
	"	mov $" STR(MMIO_GPA) ", %edi\n"
	"	movl $0x11223344, (%rdi)\n"
	"	movw $0x5566, 8(%rdi)\n"
	"	movb $0x77, 0xfff(%rdi)\n"
	"	movl $0xabcdef01, 0x1000(%rdi)\n"	/* exit: outside the zone */
	"	mov (%rdi), %eax\n"			/* exit: reads are not coalesced */
	"	hlt\n"
	"evg_cmmio_end:\n"

	/* Coalesced MMIO: 200 writes of their index, more than the ring holds. */
	"evg_cfull_start:\n"
	"	mov $" STR(MMIO_GPA) ", %edi\n"
	"	xor %ecx, %ecx\n"
	"1:	mov %ecx, (%rdi)\n"
	"	inc %ecx\n"
	"	cmp $200, %ecx\n"
	"	jne 1b\n"
	"	hlt\n"
	"evg_cfull_end:\n"

	/* Coalesced PIO: two OUTs into the zone, one beside it. */
	"evg_cpio_start:\n"
	"	mov $0x61, %al\n"
	"	out %al, $" STR(PORT_COUNT) "\n"
	"	mov $0x6263, %ax\n"
	"	out %ax, $" STR(PORT_COUNT) "\n"
	"	out %al, $" STR(PORT_SPIN) "\n"		/* exit: outside */
	"	hlt\n"
	"evg_cpio_end:\n"

	/*
	 * Interrupts: enable the local APIC, program IOAPIC pin LVL_PIN (level,
	 * LVL_VECTOR, APIC 0), say ready, then loop on OUTs with IF=1 so that every
	 * KVM_RUN returns. The edge handler (IRQ_VECTOR) counts in DATA_GPA and
	 * reports; the level one reports before and after its EOI.
	 */
	"evg_irq_start:\n"
	"	mov $" STR(APIC_GPA) " + 0xf0, %edi\n"
	"	movl $0x1ff, (%rdi)\n"
	"	mov $" STR(IOAPIC_GPA) ", %edi\n"
	"	movl $0x10 + 2 * " STR(LVL_PIN) ", (%rdi)\n"
	"	movl $0x8000 + " STR(LVL_VECTOR) ", 0x10(%rdi)\n"
	"	movl $0x11 + 2 * " STR(LVL_PIN) ", (%rdi)\n"
	"	movl $0, 0x10(%rdi)\n"
	"	out %al, $" STR(PORT_READY) "\n"
	"	sti\n"
	"2:	out %al, $" STR(PORT_LOOP) "\n"
	"	jmp 2b\n"
	"evg_irq_edge:\n"
	"	incl " STR(DATA_GPA) "\n"
	"	out %al, $" STR(PORT_IRQ) "\n"
	"	mov $" STR(APIC_GPA) " + 0xb0, %edi\n"
	"	movl $0, (%rdi)\n"
	"	iretq\n"
	"evg_irq_level:\n"
	"	incl " STR(DATA_GPA) "\n"
	"	out %al, $" STR(PORT_IRQ) "\n"
	"	mov $" STR(APIC_GPA) " + 0xb0, %edi\n"
	"	movl $0, (%rdi)\n"
	"	out %al, $" STR(PORT_NMI_DONE) "\n"
	"	iretq\n"
	"evg_irq_end:\n"
	".popsection\n");

static void put_code(struct vm *vm, const unsigned char *start, const unsigned char *end)
{
	memcpy(vm->mem + CODE_GPA, start, end - start);
}

static int new_efd(void)
{
	return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

/* The eventfd's count (read resets it); 0 when nothing was signalled. */
static uint64_t efd_take(int fd)
{
	uint64_t c = 0;

	if (read(fd, &c, sizeof(c)) != sizeof(c))
		return 0;
	return c;
}

static int ioevent(struct vm *vm, uint64_t addr, uint32_t len, int fd, uint32_t flags,
		   uint64_t datamatch)
{
	struct kvm_ioeventfd a;

	memset(&a, 0, sizeof(a));
	a.addr = addr;
	a.len = len;
	a.fd = fd;
	a.flags = flags;
	a.datamatch = datamatch;
	return ioctl(vm->fd, KVM_IOEVENTFD, &a);
}

/* Back to the start of the guest (CPUID is set once: KVM refuses changes after KVM_RUN). */
static int restart(struct vcpu *v)
{
	struct kvm_regs r;

	MUST(get_regs(v, &r));
	r.rip = CODE_GPA;
	r.rsp = STACK_TOP;
	r.rflags = 2;
	return set_regs(v, &r);
}

static int long_vm(struct vm *vm, struct vcpu *v, const unsigned char *start,
		   const unsigned char *end)
{
	MUST(vm_create(vm));
	MUST(vcpu_create(vm, v, 0));
	put_code(vm, start, end);
	return setup_long(v, CODE_GPA);
}

/* ---- ioeventfd ---- */

static int t_ioeventfd_pio(void)
{
	int a = new_efd(), b = new_efd(), c = new_efd();
	struct vm vm;
	struct vcpu v;
	uint64_t d;

	if (check_cap(kvm_sys, KVM_CAP_IOEVENTFD) <= 0)
		return fail("KVM_CAP_IOEVENTFD is not reported");
	if (check_cap(kvm_sys, KVM_CAP_IOEVENTFD_ANY_LENGTH) <= 0)
		return fail("KVM_CAP_IOEVENTFD_ANY_LENGTH is not reported");
	CHECK(a >= 0 && b >= 0 && c >= 0, "eventfd: %s", strerror(errno));
	MUST(long_vm(&vm, &v, evg_pio_start, evg_pio_end));
	TRY(ioevent(&vm, PORT_IMM, 1, a, KVM_IOEVENTFD_FLAG_PIO, 0));
	TRY(ioevent(&vm, PORT_DX, 2, b, KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH,
		    0x2233));
	TRY(ioevent(&vm, PORT_STR, 0, c, KVM_IOEVENTFD_FLAG_PIO, 0));

	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_IMM_IN, 1, &d));
	CHECK_EQ("data of the unregistered OUT", d, 0x22);
	CHECK_EQ("eventfd A after its OUT", efd_take(a), 1);
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_DX, 2, &d));
	CHECK_EQ("data of the non-matching OUT", d, 0x4455);
	CHECK_EQ("eventfd B after the matching OUT", efd_take(b), 1);
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_IMM, 4, &d));
	CHECK_EQ("data of the 4-byte OUT", d, 0x01020304);
	CHECK_EQ("eventfd A after its second OUT (the 4-byte one exits)", efd_take(a), 1);
	MUST(run_expect(&v, KVM_EXIT_HLT));
	CHECK_EQ("eventfd C (any length) after a 1- and a 4-byte OUT", efd_take(c), 2);
	CHECK_EQ("eventfd B at the end", efd_take(b), 0);

	/* Deassigned, the port exits again. */
	TRY(ioevent(&vm, PORT_IMM, 1, a, KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DEASSIGN, 0));
	MUST(restart(&v));
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_IMM, 1, &d));
	CHECK_EQ("data of the OUT after deassign", d, 0x11);
	CHECK_EQ("eventfd A after deassign", efd_take(a), 0);
	return T_PASS;
}

static int t_ioeventfd_mmio(void)
{
	int a = new_efd(), b = new_efd(), c = new_efd();
	struct vm vm;
	struct vcpu v;
	uint64_t d;

	CHECK(a >= 0 && b >= 0 && c >= 0, "eventfd: %s", strerror(errno));
	MUST(long_vm(&vm, &v, evg_mmio_start, evg_mmio_end));
	TRY(ioevent(&vm, MMIO_GPA, 4, a, 0, 0));
	TRY(ioevent(&vm, MMIO_GPA + 0x10, 8, b, KVM_IOEVENTFD_FLAG_DATAMATCH, 0x8899aabbccddeeffULL));
	TRY(ioevent(&vm, MMIO_GPA + 0x20, 0, c, 0, 0));

	MUST(run_expect_mmio(&v, 1, MMIO_GPA, 2, &d));
	CHECK_EQ("data of the 2-byte write", d, 0x2233);
	CHECK_EQ("eventfd A after its 4-byte write", efd_take(a), 1);
	MUST(run_expect_mmio(&v, 1, MMIO_GPA + 0x10, 8, &d));
	CHECK_EQ("data of the non-matching write", d, 0x8899aabbccddef00ULL);
	CHECK_EQ("eventfd B after the matching write", efd_take(b), 1);
	MUST(run_expect(&v, KVM_EXIT_HLT));
	CHECK_EQ("eventfd C (any length) after a 1- and a 4-byte write", efd_take(c), 2);
	CHECK_EQ("eventfd A at the end", efd_take(a), 0);
	CHECK_EQ("eventfd B at the end", efd_take(b), 0);
	return T_PASS;
}

static int t_ioeventfd_errors(void)
{
	const uint32_t pio = KVM_IOEVENTFD_FLAG_PIO, dm = KVM_IOEVENTFD_FLAG_DATAMATCH;
	const uint32_t de = KVM_IOEVENTFD_FLAG_DEASSIGN;
	int a = new_efd(), b = new_efd();
	struct vm vm;

	CHECK(a >= 0 && b >= 0, "eventfd: %s", strerror(errno));
	MUST(vm_create(&vm));
	EXPECT_ERRNO(ioevent(&vm, 0x1000, 3, a, 0, 0), EINVAL);
	EXPECT_ERRNO(ioevent(&vm, 0x1000, 16, a, 0, 0), EINVAL);
	EXPECT_ERRNO(ioevent(&vm, 0x1000, 4, a, 1u << 5, 0), EINVAL);
	EXPECT_ERRNO(ioevent(&vm, 0x1000, 0, a, dm, 0), EINVAL);	/* any length + match */
	EXPECT_ERRNO(ioevent(&vm, ~0ULL - 1, 4, a, 0, 0), EINVAL);	/* wraps */
	EXPECT_ERRNO(ioevent(&vm, 0x1000, 4, -1, 0, 0), EBADF);
	EXPECT_ERRNO(ioevent(&vm, 0x1000, 4, vm.fd, 0, 0), EINVAL);	/* not an eventfd */

	TRY(ioevent(&vm, 0x1000, 4, a, 0, 0));
	EXPECT_ERRNO(ioevent(&vm, 0x1000, 4, b, 0, 0), EEXIST);
	EXPECT_ERRNO(ioevent(&vm, 0x1000, 4, b, dm, 7), EEXIST);	/* wildcard takes it */
	EXPECT_ERRNO(ioevent(&vm, 0x1000, 0, b, 0, 0), EEXIST);	/* any length overlaps */
	TRY(ioevent(&vm, 0x1000, 2, b, 0, 0));				/* other length */
	TRY(ioevent(&vm, 0x1000, 4, b, pio, 0));			/* other bus */
	TRY(ioevent(&vm, 0x2000, 4, a, dm, 1));
	TRY(ioevent(&vm, 0x2000, 4, b, dm, 2));				/* other value */
	EXPECT_ERRNO(ioevent(&vm, 0x2000, 4, b, dm, 1), EEXIST);

	EXPECT_ERRNO(ioevent(&vm, 0x3000, 4, a, de, 0), ENOENT);	/* never assigned */
	EXPECT_ERRNO(ioevent(&vm, 0x2000, 4, a, dm | de, 2), ENOENT);	/* other value */
	EXPECT_ERRNO(ioevent(&vm, 0x2000, 4, b, dm | de, 1), ENOENT);	/* other eventfd */
	EXPECT_ERRNO(ioevent(&vm, 0x1000, 4, a, pio | de, 0), ENOENT);	/* other bus */
	EXPECT_ERRNO(ioevent(&vm, 0x1000, 4, a, dm | de, 0), ENOENT);	/* it has no match */
	EXPECT_ERRNO(ioevent(&vm, 0x1000, 4, -1, de, 0), EBADF);
	TRY(ioevent(&vm, 0x2000, 4, a, dm | de, 1));
	EXPECT_ERRNO(ioevent(&vm, 0x2000, 4, a, dm | de, 1), ENOENT);	/* gone */
	TRY(ioevent(&vm, 0x1000, 4, a, de, 0));
	TRY(ioevent(&vm, 0x1000, 4, b, dm, 7));				/* free again */
	return T_PASS;
}

/* ---- coalesced MMIO and PIO ---- */

static struct kvm_coalesced_mmio_ring *ring_of(struct vcpu *v, int *max)
{
	int off = check_cap(kvm_sys, KVM_CAP_COALESCED_MMIO);

	if (off <= 0 || (size_t)(off + 1) * 4096 > v->run_size)
		return NULL;
	*max = (4096 - sizeof(struct kvm_coalesced_mmio_ring)) / sizeof(struct kvm_coalesced_mmio);
	return (void *)((uint8_t *)v->run + off * 4096);
}

static int zone(struct vm *vm, unsigned long req, uint64_t addr, uint32_t size, uint32_t pio)
{
	struct kvm_coalesced_mmio_zone z;

	memset(&z, 0, sizeof(z));
	z.addr = addr;
	z.size = size;
	z.pio = pio;
	return ioctl(vm->fd, req, &z);
}

static int check_entry(struct kvm_coalesced_mmio_ring *r, int max, int i, uint64_t addr,
		       uint32_t len, uint64_t data, uint32_t pio)
{
	struct kvm_coalesced_mmio *e = &r->coalesced_mmio[(r->first + i) % max];
	uint64_t got = 0;

	if (e->phys_addr != addr || e->len != len || e->pio != pio)
		return fail("ring entry %d: addr %#llx len %u pio %u, expected %#llx len %u pio %u",
			    i, (unsigned long long)e->phys_addr, e->len, e->pio,
			    (unsigned long long)addr, len, pio);
	memcpy(&got, e->data, len);
	if (got != data)
		return fail("ring entry %d: data %#llx, expected %#llx", i,
			    (unsigned long long)got, (unsigned long long)data);
	return 0;
}

static int t_coalesced_mmio(void)
{
	struct kvm_coalesced_mmio_ring *r;
	struct vm vm;
	struct vcpu v;
	uint64_t d;
	int max;

	MUST(long_vm(&vm, &v, evg_cmmio_start, evg_cmmio_end));
	r = ring_of(&v, &max);
	if (!r)
		return fail("KVM_CAP_COALESCED_MMIO gives no ring page inside the vcpu mapping");
	CHECK(r->first == 0 && r->last == 0, "fresh ring has first %u last %u", r->first, r->last);
	EXPECT_ERRNO(zone(&vm, KVM_REGISTER_COALESCED_MMIO, MMIO_GPA, 0x1000, 2), EINVAL);
	TRY(zone(&vm, KVM_REGISTER_COALESCED_MMIO, MMIO_GPA, 0x1000, 0));

	MUST(run_expect_mmio(&v, 1, MMIO_GPA + 0x1000, 4, &d));
	CHECK_EQ("data of the write outside the zone", d, 0xabcdef01);
	CHECK_EQ("entries in the ring", (r->last - r->first + max) % max, 3);
	MUST(check_entry(r, max, 0, MMIO_GPA, 4, 0x11223344, 0));
	MUST(check_entry(r, max, 1, MMIO_GPA + 8, 2, 0x5566, 0));
	MUST(check_entry(r, max, 2, MMIO_GPA + 0xfff, 1, 0x77, 0));
	r->first = r->last;
	MUST(run_expect_mmio(&v, 0, MMIO_GPA, 4, NULL));
	MUST(run_expect(&v, KVM_EXIT_HLT));
	CHECK(r->first == r->last, "the read went to the ring");

	/* Unregistered, the same writes exit. */
	TRY(zone(&vm, KVM_UNREGISTER_COALESCED_MMIO, MMIO_GPA, 0x1000, 0));
	MUST(restart(&v));
	MUST(run_expect_mmio(&v, 1, MMIO_GPA, 4, &d));
	CHECK_EQ("data of the write after unregister", d, 0x11223344);
	CHECK(r->first == r->last, "a write after unregister went to the ring");
	return T_PASS;
}

/*
 * A full ring sends the write to userspace instead: nothing is lost, nothing reordered.
 * How full is full differs: Linux 6.1 counts the free space modulo the ring size in
 * unsigned arithmetic and stops at 85 of its 170 entries; later kernels (and okvm) use
 * all but one. So the test takes the writes in order, whichever way each one came.
 */
static int t_coalesced_mmio_full(void)
{
	struct kvm_coalesced_mmio_ring *r;
	int max, i, n, next = 0, exits = 0;
	struct vm vm;
	struct vcpu v;
	uint64_t d;

	MUST(long_vm(&vm, &v, evg_cfull_start, evg_cfull_end));
	r = ring_of(&v, &max);
	if (!r)
		return fail("KVM_CAP_COALESCED_MMIO gives no ring page inside the vcpu mapping");
	TRY(zone(&vm, KVM_REGISTER_COALESCED_MMIO, MMIO_GPA, 8, 0));
	for (;;) {
		TRY(ioctl(v.fd, KVM_RUN, 0));
		n = (r->last - r->first + max) % max;
		CHECK(n < max, "ring indices first %u last %u", r->first, r->last);
		for (i = 0; i < n; i++)
			MUST(check_entry(r, max, i, MMIO_GPA, 4, next + i, 0));
		next += n;
		r->first = r->last;
		if (v.run->exit_reason == KVM_EXIT_HLT)
			break;
		CHECK(v.run->exit_reason == KVM_EXIT_MMIO && v.run->mmio.is_write &&
		      v.run->mmio.phys_addr == MMIO_GPA && v.run->mmio.len == 4,
		      "exit %d after %d writes was %s, expected a 4-byte MMIO write", exits, next,
		      exit_desc(&v));
		d = 0;
		memcpy(&d, v.run->mmio.data, 4);
		CHECK(n > 0, "the ring was empty when write %d exited", next);
		CHECK_EQ("data of the write that found the ring full", d, next);
		next++;
		CHECK(++exits < 200, "more exits than writes");
	}
	CHECK_EQ("writes seen in the ring and in exits", next, 200);
	CHECK(exits > 0, "200 writes fit a ring of %d entries", max);
	return T_PASS;
}

static int t_coalesced_pio(void)
{
	struct kvm_coalesced_mmio_ring *r;
	struct vm vm;
	struct vcpu v;
	int max;

	if (check_cap(kvm_sys, KVM_CAP_COALESCED_PIO) <= 0)
		return fail("KVM_CAP_COALESCED_PIO is not reported");
	MUST(long_vm(&vm, &v, evg_cpio_start, evg_cpio_end));
	r = ring_of(&v, &max);
	if (!r)
		return fail("KVM_CAP_COALESCED_MMIO gives no ring page inside the vcpu mapping");
	TRY(zone(&vm, KVM_REGISTER_COALESCED_MMIO, PORT_COUNT, 2, 1));
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_SPIN, 1, NULL));
	CHECK_EQ("entries in the ring", (r->last - r->first + max) % max, 2);
	MUST(check_entry(r, max, 0, PORT_COUNT, 1, 0x61, 1));
	MUST(check_entry(r, max, 1, PORT_COUNT, 2, 0x6263, 1));
	r->first = r->last;
	/* A PIO zone is not an MMIO zone: unregistering the MMIO range leaves it. */
	TRY(zone(&vm, KVM_UNREGISTER_COALESCED_MMIO, PORT_COUNT, 2, 0));
	MUST(run_expect(&v, KVM_EXIT_HLT));
	MUST(restart(&v));
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_SPIN, 1, NULL));
	CHECK_EQ("entries after unregistering the MMIO range", (r->last - r->first + max) % max, 2);
	r->first = r->last;
	TRY(zone(&vm, KVM_UNREGISTER_COALESCED_MMIO, PORT_COUNT, 2, 1));
	MUST(run_expect(&v, KVM_EXIT_HLT));
	MUST(restart(&v));
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_COUNT, 1, NULL));
	CHECK(r->first == r->last, "an OUT after unregister went to the ring");
	return T_PASS;
}

/* ---- irqfd, MSI, resample ---- */

struct irq_vm {
	struct vm vm;
	struct vcpu v;
};

static void set_gate(struct vm *vm, int vector, uint64_t handler)
{
	uint64_t *g = mem64(vm, IDT_GPA + vector * 16);

	g[0] = (handler & 0xffff) | (0x08ULL << 16) | (0x8eULL << 40) |
	       ((handler >> 16 & 0xffff) << 48);
	g[1] = handler >> 32;
}

/* A VM with the in-kernel irqchip running evg_irq up to its PORT_READY. */
static int irq_vm(struct irq_vm *x)
{
	struct vm *vm = &x->vm;
	struct kvm_sregs s;
	int i;

	if (check_cap(kvm_sys, KVM_CAP_IRQCHIP) <= 0)
		return skip("no in-kernel irqchip (KVM_CAP_IRQCHIP) on %s", kvm_device);
	MUST(vm_create(vm));
	TRY(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	MUST(vcpu_create(vm, &x->v, 0));
	put_code(vm, evg_irq_start, evg_irq_end);
	MUST(setup_long(&x->v, CODE_GPA));
	/* 2 MiB uncached pages for 3-4 GiB: the IOAPIC and the local APIC. */
	*mem64(vm, PDPT_GPA + 3 * 8) = PD3_GPA | 3;
	for (i = 0; i < 512; i++)
		*mem64(vm, PD3_GPA + i * 8) = (0xc0000000ULL + ((uint64_t)i << 21)) | 0x93;
	set_gate(vm, IRQ_VECTOR, CODE_GPA + (evg_irq_edge - evg_irq_start));
	set_gate(vm, LVL_VECTOR, CODE_GPA + (evg_irq_level - evg_irq_start));
	TRY(ioctl(x->v.fd, KVM_GET_SREGS, &s));
	s.idt.base = IDT_GPA;
	s.idt.limit = 256 * 16 - 1;
	TRY(ioctl(x->v.fd, KVM_SET_SREGS, &s));
	return run_expect_io(&x->v, KVM_EXIT_IO_OUT, PORT_READY, 1, NULL);
}

/*
 * Run the guest's OUT loop until it reports from a handler (PORT_IRQ): injections from
 * an irqfd are asynchronous. Returns 0 when it did, 1 when @ms passed without.
 */
static int run_until_irq(struct vcpu *v, int ms, int *err)
{
	struct timespec t0, t;

	*err = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			*err = fail("KVM_RUN: %s", strerror(errno));
			return -1;
		}
		if (v->run->exit_reason != KVM_EXIT_IO) {
			*err = fail("exit was %s, expected an OUT", exit_desc(v));
			return -1;
		}
		if (v->run->io.port == PORT_IRQ)
			return 0;
		if (v->run->io.port != PORT_LOOP) {
			*err = fail("exit was %s, expected an OUT to the loop or irq port",
				    exit_desc(v));
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > ms)
			return 1;
	}
}

static int set_msi_route(struct vm *vm, uint32_t gsi, uint8_t vector)
{
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[1];
	} t;

	memset(&t, 0, sizeof(t));
	t.hdr.nr = 1;
	t.e[0].gsi = gsi;
	t.e[0].type = KVM_IRQ_ROUTING_MSI;
	t.e[0].u.msi.address_lo = APIC_GPA;	/* physical, APIC ID 0 */
	t.e[0].u.msi.data = vector;		/* fixed, edge */
	return ioctl(vm->fd, KVM_SET_GSI_ROUTING, &t);
}

static int irqfd(struct vm *vm, int fd, uint32_t gsi, uint32_t flags, int resamplefd)
{
	struct kvm_irqfd a;

	memset(&a, 0, sizeof(a));
	a.fd = fd;
	a.gsi = gsi;
	a.flags = flags;
	a.resamplefd = resamplefd;
	return ioctl(vm->fd, KVM_IRQFD, &a);
}

static int t_irqfd_msi(void)
{
	int e = new_efd(), r, err, i;
	struct irq_vm x;

	if (check_cap(kvm_sys, KVM_CAP_IRQFD) <= 0)
		return fail("KVM_CAP_IRQFD is not reported");
	CHECK(e >= 0, "eventfd: %s", strerror(errno));
	MUST(irq_vm(&x));
	TRY(set_msi_route(&x.vm, MSI_GSI, IRQ_VECTOR));
	TRY(irqfd(&x.vm, e, MSI_GSI, 0, 0));
	for (i = 1; i <= 3; i++) {
		uint64_t one = 1;

		CHECK(write(e, &one, 8) == 8, "eventfd write: %s", strerror(errno));
		r = run_until_irq(&x.v, 2000, &err);
		if (r < 0)
			return err;
		CHECK(r == 0, "signal %d: no interrupt within 2 s", i);
		CHECK_EQ("handler runs", *mem32(&x.vm, DATA_GPA), i);
	}
	/* The irqfd consumed the count. */
	CHECK_EQ("eventfd count after injection", efd_take(e), 0);

	TRY(irqfd(&x.vm, e, MSI_GSI, KVM_IRQFD_FLAG_DEASSIGN, 0));
	{
		uint64_t one = 1;

		CHECK(write(e, &one, 8) == 8, "eventfd write: %s", strerror(errno));
	}
	r = run_until_irq(&x.v, 200, &err);
	if (r < 0)
		return err;
	CHECK(r == 1, "an interrupt arrived after KVM_IRQFD deassign");
	CHECK_EQ("eventfd count after deassign", efd_take(e), 1);
	return T_PASS;
}

static int t_irqfd_errors(void)
{
	int e = new_efd(), f = new_efd();
	struct vm vm;

	CHECK(e >= 0 && f >= 0, "eventfd: %s", strerror(errno));
	MUST(vm_create(&vm));
	/* An irqfd needs an in-kernel irqchip. */
	EXPECT_ERRNO(irqfd(&vm, e, 5, 0, 0), EINVAL);
	if (check_cap(kvm_sys, KVM_CAP_IRQCHIP) <= 0)
		return skip("no in-kernel irqchip (KVM_CAP_IRQCHIP) on %s", kvm_device);
	TRY(ioctl(vm.fd, KVM_CREATE_IRQCHIP, 0));
	EXPECT_ERRNO(irqfd(&vm, e, 5, 1u << 2, 0), EINVAL);		/* unknown flag */
	EXPECT_ERRNO(irqfd(&vm, -1, 5, 0, 0), EBADF);
	EXPECT_ERRNO(irqfd(&vm, vm.fd, 5, 0, 0), EINVAL);		/* not an eventfd */
	EXPECT_ERRNO(irqfd(&vm, e, 5, KVM_IRQFD_FLAG_RESAMPLE, -1), EBADF);
	TRY(irqfd(&vm, e, 5, 0, 0));
	EXPECT_ERRNO(irqfd(&vm, e, 5, 0, 0), EBUSY);
	EXPECT_ERRNO(irqfd(&vm, e, 6, 0, 0), EBUSY);			/* one GSI per eventfd */
	TRY(irqfd(&vm, f, 5, 0, 0));					/* GSIs can be shared */
	/* KVM answers 0 for a pair it does not have (API doc: no error listed). */
	TRY(irqfd(&vm, e, 6, KVM_IRQFD_FLAG_DEASSIGN, 0));
	EXPECT_ERRNO(irqfd(&vm, -1, 5, KVM_IRQFD_FLAG_DEASSIGN, 0), EBADF);
	TRY(irqfd(&vm, e, 5, KVM_IRQFD_FLAG_DEASSIGN, 0));
	TRY(irqfd(&vm, e, 6, 0, 0));					/* free again */
	/* Closing an eventfd detaches its irqfd; the VM goes with both still set up. */
	close(f);
	return T_PASS;
}

/*
 * A resampling irqfd on a level-triggered IOAPIC pin: the line stays up until the
 * guest's EOI, which lowers it and signals the resamplefd; no second interrupt without
 * a new signal.
 */
static int t_irqfd_resample(void)
{
	int e = new_efd(), rs = new_efd(), r, err;
	struct irq_vm x;
	uint64_t one = 1;

	if (check_cap(kvm_sys, KVM_CAP_IRQFD_RESAMPLE) <= 0)
		return fail("KVM_CAP_IRQFD_RESAMPLE is not reported");
	CHECK(e >= 0 && rs >= 0, "eventfd: %s", strerror(errno));
	MUST(irq_vm(&x));
	TRY(irqfd(&x.vm, e, LVL_PIN, KVM_IRQFD_FLAG_RESAMPLE, rs));
	CHECK(write(e, &one, 8) == 8, "eventfd write: %s", strerror(errno));
	r = run_until_irq(&x.v, 2000, &err);
	if (r < 0)
		return err;
	CHECK(r == 0, "no level interrupt within 2 s of the signal");
	CHECK_EQ("resamplefd before the EOI", efd_take(rs), 0);
	MUST(run_expect_io(&x.v, KVM_EXIT_IO_OUT, PORT_NMI_DONE, 1, NULL));
	CHECK_EQ("resamplefd after the EOI", efd_take(rs), 1);
	/* The EOI lowered the line: the handler does not run again by itself. */
	r = run_until_irq(&x.v, 200, &err);
	if (r < 0)
		return err;
	CHECK(r == 1, "the level interrupt came again after the EOI without a signal");
	CHECK_EQ("handler runs", *mem32(&x.vm, DATA_GPA), 1);
	/* A new signal raises it again. */
	CHECK(write(e, &one, 8) == 8, "eventfd write: %s", strerror(errno));
	r = run_until_irq(&x.v, 2000, &err);
	if (r < 0)
		return err;
	CHECK(r == 0, "no level interrupt within 2 s of the second signal");
	MUST(run_expect_io(&x.v, KVM_EXIT_IO_OUT, PORT_NMI_DONE, 1, NULL));
	CHECK_EQ("resamplefd after the second EOI", efd_take(rs), 1);
	TRY(irqfd(&x.vm, e, LVL_PIN, KVM_IRQFD_FLAG_DEASSIGN, 0));
	return T_PASS;
}

/*
 * Lifetimes: irqfds deassigned, reassigned, their eventfds closed (EPOLLHUP) and whole
 * VMs closed with irqfds attached, while another thread signals all of them. Nothing to
 * see from userspace but errors; the vm tier fails on any kernel warning or memory
 * report, and the debug kernel run adds KASAN and lockdep.
 */
#define STORM_FDS	16
#define STORM_GSIS	4

struct storm {
	pthread_mutex_t lock;	/* held by the writer per write, by main to swap an fd */
	int fds[2 * STORM_FDS];	/* the first VM's, then the second's */
	int stop;
	unsigned long writes;
};

static void *storm_writer(void *arg)
{
	struct storm *st = arg;
	uint64_t one = 1;
	int i;

	while (!__atomic_load_n(&st->stop, __ATOMIC_SEQ_CST)) {
		for (i = 0; i < 2 * STORM_FDS; i++) {
			pthread_mutex_lock(&st->lock);
			if (st->fds[i] >= 0 && write(st->fds[i], &one, 8) == 8)
				st->writes++;
			pthread_mutex_unlock(&st->lock);
		}
		/* Let the main thread at the lock (the mutex is not fair). */
		usleep(100);
	}
	return NULL;
}

/*
 * A VM with an irqchip, MSI routes for GSIs MSI_GSI.., and the fds attached. (Each VM
 * has its own: newer KVMs bind an eventfd to one irqfd of any VM, EBUSY otherwise.)
 */
static int storm_vm(struct vm *vm, const int *fds)
{
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[STORM_GSIS];
	} t;
	int i;

	MUST(vm_create_empty(vm));
	TRY(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	memset(&t, 0, sizeof(t));
	t.hdr.nr = STORM_GSIS;
	for (i = 0; i < STORM_GSIS; i++) {
		t.e[i].gsi = MSI_GSI + i;
		t.e[i].type = KVM_IRQ_ROUTING_MSI;
		t.e[i].u.msi.address_lo = APIC_GPA;
		t.e[i].u.msi.data = IRQ_VECTOR + i;
	}
	TRY(ioctl(vm->fd, KVM_SET_GSI_ROUTING, &t));
	for (i = 0; i < STORM_FDS; i++)
		if (irqfd(vm, fds[i], MSI_GSI + i % STORM_GSIS, 0, 0) < 0)
			return fail("KVM_IRQFD %d: %s", i, strerror(errno));
	return 0;
}

static int t_irqfd_lifetime(void)
{
	struct storm st = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct timespec t0, t;
	struct vm vm, other;
	struct vcpu v;
	pthread_t th;
	int i, round, r = 0;

	if (check_cap(kvm_sys, KVM_CAP_IRQCHIP) <= 0)
		return skip("no in-kernel irqchip (KVM_CAP_IRQCHIP) on %s", kvm_device);
	for (i = 0; i < 2 * STORM_FDS; i++) {
		st.fds[i] = new_efd();
		CHECK(st.fds[i] >= 0, "eventfd: %s", strerror(errno));
	}
	MUST(storm_vm(&vm, st.fds));
	MUST(vcpu_create(&vm, &v, 0));
	CHECK(pthread_create(&th, NULL, storm_writer, &st) == 0, "pthread_create failed");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (round = 0; round < 24 && !r; round++) {
		/* A bounded run: emulated machines differ a lot in speed. */
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (round >= 4 && t.tv_sec - t0.tv_sec > 15)
			break;
		for (i = 0; i < STORM_FDS && !r; i++) {
			int gsi = MSI_GSI + i % STORM_GSIS;

			if ((i + round) % 2) {
				if (irqfd(&vm, st.fds[i], gsi, KVM_IRQFD_FLAG_DEASSIGN, 0) < 0 ||
				    irqfd(&vm, st.fds[i], gsi, 0, 0) < 0)
					r = fail("round %d fd %d: KVM_IRQFD: %s", round, i,
						 strerror(errno));
				continue;
			}
			/* Close the eventfd under the irqfd (EPOLLHUP), then a new one. */
			pthread_mutex_lock(&st.lock);
			close(st.fds[i]);
			st.fds[i] = new_efd();
			pthread_mutex_unlock(&st.lock);
			if (st.fds[i] < 0 || irqfd(&vm, st.fds[i], gsi, 0, 0) < 0)
				r = fail("round %d fd %d: new irqfd: %s", round, i, strerror(errno));
		}
		/* A second VM on the same eventfds, closed while they fire. */
		if (!r && round % 8 == 0) {
			r = storm_vm(&other, st.fds + STORM_FDS);
			if (!r)
				close(other.fd);
		}
	}
	/* The VM goes with everything attached and the writer still going. */
	munmap(v.run, v.run_size);
	close(v.fd);
	close(vm.fd);
	usleep(20000);
	__atomic_store_n(&st.stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	if (r)
		return r;
	CHECK(st.writes > 0, "the writer thread wrote nothing");
	return T_PASS;
}

/* ---- binary statistics ---- */

struct stats {
	struct kvm_stats_header h;
	char id[256];
	uint8_t *desc;		/* num_desc descriptors of desc_size bytes */
	size_t desc_size;
	uint64_t *data;
	size_t data_size;
};

static struct kvm_stats_desc *stat_desc(struct stats *s, unsigned int i)
{
	return (struct kvm_stats_desc *)(s->desc + i * s->desc_size);
}

/* Read and check the whole file the way the API document lays it out. */
static int stats_read(int fd, struct stats *s, const char *what)
{
	char id2[256];
	unsigned int i;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	n = read(fd, &s->h, sizeof(s->h));
	CHECK(n == sizeof(s->h), "%s: read of the header returned %zd", what, n);
	CHECK(s->h.flags == 0, "%s: header flags %#x", what, s->h.flags);
	CHECK(s->h.name_size > 0 && s->h.name_size <= sizeof(s->id), "%s: name_size %u", what,
	      s->h.name_size);
	/* The id follows the header: a plain read() after it gets it. */
	n = read(fd, s->id, s->h.name_size);
	CHECK(n == s->h.name_size, "%s: read of the id returned %zd", what, n);
	n = pread(fd, id2, s->h.name_size, s->h.id_offset);
	CHECK(n == s->h.name_size && !memcmp(id2, s->id, n),
	      "%s: the id at id_offset %u is not the one after the header", what, s->h.id_offset);
	CHECK(!strncmp(s->id, "kvm", 3) && strnlen(s->id, s->h.name_size) < s->h.name_size,
	      "%s: id \"%.*s\"", what, (int)s->h.name_size, s->id);
	CHECK(s->h.num_desc > 0, "%s: no statistics", what);
	CHECK(s->h.desc_offset >= sizeof(s->h) && s->h.data_offset >= sizeof(s->h),
	      "%s: offsets desc %u data %u", what, s->h.desc_offset, s->h.data_offset);
	s->desc_size = sizeof(struct kvm_stats_desc) + s->h.name_size;
	CHECK(s->h.desc_offset > s->h.data_offset ||
	      s->h.desc_offset + s->desc_size * s->h.num_desc <= s->h.data_offset,
	      "%s: descriptors overlap the data", what);
	s->desc = calloc(s->h.num_desc, s->desc_size);
	CHECK(s->desc, "out of memory");
	n = pread(fd, s->desc, s->desc_size * s->h.num_desc, s->h.desc_offset);
	CHECK(n == (ssize_t)(s->desc_size * s->h.num_desc), "%s: pread of the descriptors: %zd",
	      what, n);
	for (i = 0; i < s->h.num_desc; i++) {
		struct kvm_stats_desc *d = stat_desc(s, i);
		uint32_t type = d->flags & KVM_STATS_TYPE_MASK, unit = d->flags & KVM_STATS_UNIT_MASK;
		size_t end = d->offset + d->size * sizeof(uint64_t);

		CHECK(strnlen(d->name, s->h.name_size) < s->h.name_size, "%s: stat %u name", what, i);
		CHECK(type <= KVM_STATS_TYPE_MAX && unit <= KVM_STATS_UNIT_MAX &&
		      (d->flags & KVM_STATS_BASE_MASK) <= KVM_STATS_BASE_MAX,
		      "%s: %s flags %#x", what, d->name, d->flags);
		CHECK(unit == KVM_STATS_UNIT_SECONDS ? d->exponent <= 0 : d->exponent >= 0,
		      "%s: %s exponent %d", what, d->name, d->exponent);
		CHECK(d->size > 0, "%s: %s size 0", what, d->name);
		CHECK(type == KVM_STATS_TYPE_LINEAR_HIST ? d->bucket_size > 0 : d->bucket_size == 0,
		      "%s: %s bucket_size %u", what, d->name, d->bucket_size);
		if (end > s->data_size)
			s->data_size = end;
	}
	CHECK(s->h.data_offset >= s->h.desc_offset ||
	      s->h.data_offset + s->data_size <= s->h.desc_offset,
	      "%s: data overlaps the descriptors", what);
	s->data = calloc(1, s->data_size);
	CHECK(s->data, "out of memory");
	n = pread(fd, s->data, s->data_size, s->h.data_offset);
	CHECK(n == (ssize_t)s->data_size, "%s: pread of the data (%zu bytes) returned %zd", what,
	      s->data_size, n);
	return 0;
}

/* The value of a one-element statistic, or -1 (and a failure) when it is not there. */
static int stat_value(struct stats *s, const char *name, uint64_t *val)
{
	unsigned int i;

	for (i = 0; i < s->h.num_desc; i++) {
		struct kvm_stats_desc *d = stat_desc(s, i);

		if (!strcmp(d->name, name)) {
			*val = s->data[d->offset / sizeof(uint64_t)];
			return 0;
		}
	}
	return fail("no statistic named %s", name);
}

/* Re-read only the data block (pread at data_offset). */
static int stats_reread(int fd, struct stats *s)
{
	ssize_t n = pread(fd, s->data, s->data_size, s->h.data_offset);

	CHECK(n == (ssize_t)s->data_size, "pread of the data returned %zd", n);
	return 0;
}

static int t_stats_fd(void)
{
	uint64_t io0, io1, ex0, ex1, tlb;
	struct stats vs, cs;
	struct vm vm;
	struct vcpu v;
	int vfd, cfd, n;
	char c;

	if (check_cap(kvm_sys, KVM_CAP_BINARY_STATS_FD) <= 0)
		return fail("KVM_CAP_BINARY_STATS_FD is not reported");
	MUST(long_vm(&vm, &v, evg_pio_start, evg_pio_end));
	vfd = ioctl(vm.fd, KVM_GET_STATS_FD, 0);
	CHECK(vfd >= 0, "KVM_GET_STATS_FD on the VM: %s", strerror(errno));
	cfd = ioctl(v.fd, KVM_GET_STATS_FD, 0);
	CHECK(cfd >= 0, "KVM_GET_STATS_FD on the vcpu: %s", strerror(errno));
	CHECK(fcntl(vfd, F_GETFD) & FD_CLOEXEC, "the stats fd is not close-on-exec");
	MUST(stats_read(vfd, &vs, "VM stats"));
	MUST(stats_read(cfd, &cs, "vcpu stats"));
	MUST(stat_value(&vs, "remote_tlb_flush", &tlb));
	MUST(stat_value(&cs, "io_exits", &io0));
	MUST(stat_value(&cs, "exits", &ex0));
	/* Past the end: nothing. */
	CHECK(pread(cfd, &c, 1, cs.h.data_offset + cs.data_size) == 0, "a read past the end "
	      "returned data");
	EXPECT_ERRNO(write(cfd, "x", 1), EBADF);

	/* The guest's OUTs all exit here (no ioeventfd), then HLT. */
	for (n = 0; n < 20; n++) {
		TRY(ioctl(v.fd, KVM_RUN, 0));
		if (v.run->exit_reason == KVM_EXIT_HLT)
			break;
		CHECK(v.run->exit_reason == KVM_EXIT_IO, "exit %d was %s", n, exit_desc(&v));
	}
	CHECK(n >= 3 && n < 20, "%d PIO exits before HLT", n);
	MUST(stats_reread(cfd, &cs));
	MUST(stat_value(&cs, "io_exits", &io1));
	MUST(stat_value(&cs, "exits", &ex1));
	CHECK(io1 >= io0 + n, "io_exits went from %llu to %llu over %d PIO exits",
	      (unsigned long long)io0, (unsigned long long)io1, n);
	CHECK(ex1 >= ex0 + n + 1, "exits went from %llu to %llu over %d exits",
	      (unsigned long long)ex0, (unsigned long long)ex1, n + 1);

	/* The fds keep their VM: they still read after the VM and vcpu fds are closed. */
	munmap(v.run, v.run_size);
	close(v.fd);
	close(vm.fd);
	MUST(stats_reread(cfd, &cs));
	MUST(stat_value(&cs, "io_exits", &io0));
	CHECK_EQ("io_exits after the VM fd closed", io0, io1);
	MUST(stats_reread(vfd, &vs));
	close(vfd);
	close(cfd);
	CHECK(fcntl(cfd, F_GETFD) == -1, "the stats fd is still open after close");
	return T_PASS;
}

const struct test eventfd_tests[] = {
	{ "ioeventfd_pio", t_ioeventfd_pio },
	{ "ioeventfd_mmio", t_ioeventfd_mmio },
	{ "ioeventfd_errors", t_ioeventfd_errors },
	{ "coalesced_mmio", t_coalesced_mmio },
	{ "coalesced_mmio_full", t_coalesced_mmio_full },
	{ "coalesced_pio", t_coalesced_pio },
	{ "irqfd_msi", t_irqfd_msi },
	{ "irqfd_errors", t_irqfd_errors },
	{ "irqfd_resample", t_irqfd_resample },
	{ "irqfd_lifetime", t_irqfd_lifetime },
	{ "stats_fd", t_stats_fd },
	{ NULL, NULL },
};
