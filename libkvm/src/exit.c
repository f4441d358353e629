// SPDX-License-Identifier: MIT
/* Turning the kvm_run page into a struct libkvm_exit. */
#include <errno.h>
#include <string.h>

#include "internal.h"

static const char *const kind_names[LIBKVM_EXIT_KIND_COUNT] = {
	[LIBKVM_EXIT_UNKNOWN] = "unknown",
	[LIBKVM_EXIT_IO] = "io",
	[LIBKVM_EXIT_MMIO] = "mmio",
	[LIBKVM_EXIT_HLT] = "hlt",
	[LIBKVM_EXIT_SHUTDOWN] = "shutdown",
	[LIBKVM_EXIT_FAIL_ENTRY] = "fail_entry",
	[LIBKVM_EXIT_INTERNAL_ERROR] = "internal_error",
	[LIBKVM_EXIT_SYSTEM_EVENT] = "system_event",
	[LIBKVM_EXIT_IRQ_WINDOW] = "irq_window",
	[LIBKVM_EXIT_INTR] = "intr",
	[LIBKVM_EXIT_DEBUG] = "debug",
};

LIBKVM_API const char *libkvm_exit_kind_name(uint32_t kind)
{
	return kind < LIBKVM_EXIT_KIND_COUNT ? kind_names[kind] : "?";
}

int libkvm__exit_decode(struct okvm_run *run, size_t run_size,
			struct libkvm_exit *exit, char *err)
{
	uint32_t n;

	memset(exit, 0, sizeof(*exit));
	exit->raw_reason = run->exit_reason;
	if (run->if_flag)
		exit->flags |= LIBKVM_EXIT_F_IF;
	if (run->ready_for_interrupt_injection)
		exit->flags |= LIBKVM_EXIT_F_IRQ_READY;

	switch (run->exit_reason) {
	case OKVM_EXIT_IO: {
		uint64_t bytes = (uint64_t)run->io.size * run->io.count;

		/* Never hand out a pointer outside the run page. */
		if (run->io.size != 1 && run->io.size != 2 && run->io.size != 4)
			return libkvm__fail(err, EPROTO,
					    "KVM_RUN: io exit with size %u", run->io.size);
		if (!run->io.count || run->io.data_offset > run_size ||
		    bytes > run_size - run->io.data_offset)
			return libkvm__fail(err, EPROTO,
					    "KVM_RUN: io exit data (offset 0x%llx, %u x %u bytes) "
					    "outside the %zu-byte run page",
					    (unsigned long long)run->io.data_offset,
					    run->io.count, run->io.size, run_size);
		exit->kind = LIBKVM_EXIT_IO;
		exit->u.io.port = run->io.port;
		exit->u.io.size = run->io.size;
		exit->u.io.is_write = run->io.direction == OKVM_EXIT_IO_OUT;
		exit->u.io.count = run->io.count;
		exit->u.io.data = (uint8_t *)run + run->io.data_offset;
		return 0;
	}
	case OKVM_EXIT_MMIO:
		if (run->mmio.len > sizeof(run->mmio.data) || !run->mmio.len)
			return libkvm__fail(err, EPROTO, "KVM_RUN: mmio exit with length %u",
					    run->mmio.len);
		exit->kind = LIBKVM_EXIT_MMIO;
		exit->u.mmio.gpa = run->mmio.phys_addr;
		exit->u.mmio.len = run->mmio.len;
		exit->u.mmio.is_write = !!run->mmio.is_write;
		exit->u.mmio.data = run->mmio.data;
		return 0;
	case OKVM_EXIT_HLT:
		exit->kind = LIBKVM_EXIT_HLT;
		return 0;
	case OKVM_EXIT_SHUTDOWN:
		exit->kind = LIBKVM_EXIT_SHUTDOWN;
		return 0;
	case OKVM_EXIT_FAIL_ENTRY:
		exit->kind = LIBKVM_EXIT_FAIL_ENTRY;
		exit->u.fail_entry.hardware_reason =
			run->fail_entry.hardware_entry_failure_reason;
		exit->u.fail_entry.cpu = run->fail_entry.cpu;
		return 0;
	case OKVM_EXIT_INTERNAL_ERROR:
		exit->kind = LIBKVM_EXIT_INTERNAL_ERROR;
		exit->u.internal_error.suberror = run->internal.suberror;
		n = run->internal.ndata;
		if (n > 16)
			n = 16;
		exit->u.internal_error.ndata = n;
		memcpy(exit->u.internal_error.data, run->internal.data, n * 8);
		return 0;
	case OKVM_EXIT_SYSTEM_EVENT:
		exit->kind = LIBKVM_EXIT_SYSTEM_EVENT;
		exit->u.system_event.type = run->system_event.type;
		n = run->system_event.ndata;
		if (n > 16)
			n = 16;
		exit->u.system_event.ndata = n;
		memcpy(exit->u.system_event.data, run->system_event.data, n * 8);
		return 0;
	case OKVM_EXIT_IRQ_WINDOW_OPEN:
		exit->kind = LIBKVM_EXIT_IRQ_WINDOW;
		return 0;
	case OKVM_EXIT_INTR:
		exit->kind = LIBKVM_EXIT_INTR;
		return 0;
	case OKVM_EXIT_DEBUG:
		exit->kind = LIBKVM_EXIT_DEBUG;
		exit->u.debug.exception = run->debug.arch.exception;
		exit->u.debug.pc = run->debug.arch.pc;
		exit->u.debug.dr6 = run->debug.arch.dr6;
		exit->u.debug.dr7 = run->debug.arch.dr7;
		return 0;
	default:
		exit->kind = LIBKVM_EXIT_UNKNOWN;
		exit->u.unknown.hardware_reason = run->hw.hardware_exit_reason;
		return 0;
	}
}
