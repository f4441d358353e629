// SPDX-License-Identifier: GPL-2.0-only
/*
 * The emulator's calling protocol, step by step: what the caller sees at each MMIO exit,
 * REP progress between exits, cancel, a RIP changed by userspace, instruction bytes given
 * by the hardware, and the linear-access and translation helpers.
 */
#include <stdio.h>
#include <string.h>
#include "emul_test.h"

static struct env v;
static int failures;

static void result(const char *name, const char *why)
{
	if (why) {
		printf("FAIL unit/emulate_api/%s: %s\n", name, why);
		failures++;
	} else {
		printf("PASS unit/emulate_api/%s\n", name);
	}
}

/* A 64-bit guest whose MMIO goes to userspace; @code at CODE. */
static void setup(const char *code, int user)
{
	u8 b[16];
	int n = hex_bytes(code, b, sizeof(b));

	env_init(&v, M_L64);
	memcpy(v.ram + CODE, b, n);
	v.user_mode = user;
}

static const char *two_phase_read(void)
{
	u64 rax, val = 0x1234;

	setup("8b 03", 1);
	rax = v.e.regs.gpr[OKVM_EMUL_RAX];
	v.e.regs.gpr[OKVM_EMUL_RBX] = MMIO + 8;
	if (okvm_emul_insn(&v.e, NULL, 0) != OKVM_EMUL_MMIO)
		return "first call did not ask for userspace";
	if (v.e.mmio.gpa != MMIO + 8 || v.e.mmio.len != 4 || v.e.mmio.is_write)
		return "wrong kvm_run->mmio description";
	if (v.e.regs.rip != CODE || v.e.regs.gpr[OKVM_EMUL_RAX] != rax)
		return "registers changed before the instruction completed";
	okvm_emul_mmio_complete(&v.e, &val);
	if (okvm_emul_insn(&v.e, NULL, 0) != OKVM_EMUL_DONE)
		return "second call did not complete";
	if (v.e.regs.gpr[OKVM_EMUL_RAX] != 0x1234 || v.e.regs.rip != CODE + 2)
		return "wrong result after completion";
	return NULL;
}

static const char *two_phase_write(void)
{
	setup("48 89 03", 1);
	v.e.regs.gpr[OKVM_EMUL_RAX] = 0x0102030405060708ULL;
	v.e.regs.gpr[OKVM_EMUL_RBX] = MMIO;
	if (okvm_emul_insn(&v.e, NULL, 0) != OKVM_EMUL_MMIO)
		return "first call did not ask for userspace";
	if (!v.e.mmio.is_write || v.e.mmio.len != 8 || v.e.mmio.data[0] != 8 || v.e.mmio.data[7] != 1)
		return "wrong write description or data";
	okvm_emul_mmio_complete(&v.e, NULL);
	if (okvm_emul_insn(&v.e, NULL, 0) != OKVM_EMUL_DONE || v.e.regs.rip != CODE + 3)
		return "write did not complete";
	return NULL;
}

/* Without a completion the same access is asked for again, not made twice. */
static const char *no_complete_asks_again(void)
{
	setup("89 03", 1);
	v.e.regs.gpr[OKVM_EMUL_RBX] = MMIO;
	if (okvm_emul_insn(&v.e, NULL, 0) != OKVM_EMUL_MMIO)
		return "first call did not ask for userspace";
	if (okvm_emul_insn(&v.e, NULL, 0) != OKVM_EMUL_MMIO || v.e.mmio.gpa != MMIO)
		return "second call without completion did not repeat the request";
	okvm_emul_mmio_complete(&v.e, NULL);
	if (okvm_emul_insn(&v.e, NULL, 0) != OKVM_EMUL_DONE)
		return "did not complete";
	return NULL;
}

/* Each exit of a REP MOVS from MMIO shows the iterations already done. */
static const char *rep_progress(void)
{
	u64 val;
	int i;

	setup("f3 a4", 1);
	v.e.regs.gpr[OKVM_EMUL_RSI] = MMIO;
	v.e.regs.gpr[OKVM_EMUL_RDI] = 0x3000;
	v.e.regs.gpr[OKVM_EMUL_RCX] = 3;
	for (i = 0; i < 3; i++) {
		if (okvm_emul_insn(&v.e, NULL, 0) != OKVM_EMUL_MMIO)
			return "no MMIO exit for an iteration";
		if (v.e.regs.gpr[OKVM_EMUL_RCX] != (u64)(3 - i) || v.e.regs.gpr[OKVM_EMUL_RSI] != MMIO + i ||
		    v.e.regs.rip != CODE || v.e.mmio.gpa != MMIO + i)
			return "progress not committed between iterations";
		val = 0x41 + i;
		okvm_emul_mmio_complete(&v.e, &val);
	}
	if (okvm_emul_insn(&v.e, NULL, 0) != OKVM_EMUL_DONE || v.e.regs.gpr[OKVM_EMUL_RCX] != 0 ||
	    v.e.regs.rip != CODE + 2 || memcmp(v.ram + 0x3000, "ABC", 3))
		return "wrong final state";
	return NULL;
}

/* A RIP moved by userspace (KVM_SET_REGS) drops the pending access. */
static const char *rip_changed(void)
{
	setup("8b 03 90 89 03", 1);
	v.e.regs.gpr[OKVM_EMUL_RBX] = MMIO;
	if (okvm_emul_insn(&v.e, NULL, 0) != OKVM_EMUL_MMIO)
		return "first call did not ask for userspace";
	v.e.regs.rip = CODE + 3;
	if (okvm_emul_insn(&v.e, NULL, 0) != OKVM_EMUL_MMIO || !v.e.mmio.is_write)
		return "the instruction at the new RIP was not the one run";
	return NULL;
}

static const char *cancel(void)
{
	u64 val = 5;

	setup("01 03", 1);
	v.e.regs.gpr[OKVM_EMUL_RBX] = MMIO;
	v.e.regs.gpr[OKVM_EMUL_RAX] = 1;
	if (okvm_emul_insn(&v.e, NULL, 0) != OKVM_EMUL_MMIO)
		return "first call did not ask for userspace";
	okvm_emul_mmio_complete(&v.e, &val);
	okvm_emul_cancel(&v.e);
	/* Started afresh: the read is asked for again instead of using the old value. */
	if (okvm_emul_insn(&v.e, NULL, 0) != OKVM_EMUL_MMIO || v.e.mmio.is_write)
		return "cancel did not forget the completed read";
	return NULL;
}

/* Bytes from the hardware (decode assists) are used instead of fetching. */
static const char *hw_bytes(void)
{
	static const u8 b[] = { 0x89, 0x03 };

	setup("0f 0b", 0);
	v.e.regs.gpr[OKVM_EMUL_RBX] = 0x3000;
	v.e.regs.gpr[OKVM_EMUL_RAX] = 0x11223344;
	if (okvm_emul_insn(&v.e, b, sizeof(b)) != OKVM_EMUL_DONE || v.e.regs.rip != CODE + 2)
		return "given bytes not used";
	if (memcmp(v.ram + 0x3000, "\x44\x33\x22\x11", 4))
		return "wrong store";
	return NULL;
}

static const char *access_helper(void)
{
	u8 buf[4] = { 1, 2, 3, 4 };
	u32 x = 0;

	setup("", 0);
	if (okvm_emul_access(&v.e, OKVM_EMUL_ES, VA_HIGH + 0x10, buf, 4, true) != OKVM_EMUL_DONE ||
	    memcmp(v.ram + 0x3010, buf, 4))
		return "write through paging failed";
	if (okvm_emul_access(&v.e, OKVM_EMUL_DS, VA_HIGH + 0x10, &x, 4, false) != OKVM_EMUL_DONE ||
	    x != 0x04030201)
		return "read through paging failed";
	if (okvm_emul_access(&v.e, OKVM_EMUL_ES, VA_RO, buf, 4, true) != OKVM_EMUL_EXCEPTION ||
	    v.e.exc.vector != OKVM_EMUL_VEC_PF || v.e.exc.error != 3)
		return "write to a read-only page did not fault";
	if (okvm_emul_access(&v.e, OKVM_EMUL_DS, 0x0000800000000000ULL, &x, 4, false) != OKVM_EMUL_EXCEPTION ||
	    v.e.exc.vector != OKVM_EMUL_VEC_GP)
		return "non-canonical address did not fault";
	v.user_mode = 1;
	if (okvm_emul_access(&v.e, OKVM_EMUL_DS, MMIO, &x, 4, false) != OKVM_EMUL_UNHANDLED)
		return "userspace MMIO not refused";
	return NULL;
}

static const char *translate_helper(void)
{
	u64 gpa = 0;

	setup("", 0);
	if (okvm_emul_translate(&v.e, VA_HIGH + 0x1234, false, &gpa) != OKVM_EMUL_DONE || gpa != 0x4234)
		return "wrong translation";
	if (okvm_emul_translate(&v.e, VA_NP, true, &gpa) != OKVM_EMUL_EXCEPTION || v.e.exc.error != 2 ||
	    v.e.exc.cr2 != VA_NP)
		return "not-present page did not fault";
	return NULL;
}

int api_suite(void)
{
	failures = 0;
	result("two_phase_read", two_phase_read());
	result("two_phase_write", two_phase_write());
	result("no_complete_asks_again", no_complete_asks_again());
	result("rep_progress_between_exits", rep_progress());
	result("rip_changed_drops_pending", rip_changed());
	result("cancel", cancel());
	result("hardware_insn_bytes", hw_bytes());
	result("linear_access_helper", access_helper());
	result("translate_helper", translate_helper());
	return failures;
}
