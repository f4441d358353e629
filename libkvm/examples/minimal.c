// SPDX-License-Identifier: MIT
/*
 * The smallest libkvm VMM: one vcpu in 64-bit long mode runs
 *     mov $42, %eax ; out %al, $0x10 ; hlt
 * and the host prints what arrived on port 0x10.
 *
 *   cc minimal.c $(pkg-config --cflags --libs libkvm) -o minimal
 */
#include <stdio.h>
#include <string.h>

#include <libkvm/libkvm.h>

static const unsigned char code[] = {
	0xb8, 0x2a, 0x00, 0x00, 0x00,	/* mov $42, %eax */
	0xe6, 0x10,			/* out %al, $0x10 */
	0xf4,				/* hlt */
};

static int fail(const char *what, const char *msg)
{
	fprintf(stderr, "minimal: %s: %s\n", what, msg);
	return 1;
}

int main(void)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm;
	struct libkvm_vcpu *vcpu;
	struct libkvm_setup setup;
	struct libkvm_exit ex;
	int rc = 1;

	if (libkvm_sys_new(&sys))
		return fail("libkvm_sys_new", "out of memory");
	if (libkvm_sys_open(sys, NULL) || libkvm_sys_require(sys, LIBKVM_FEAT_CORE, NULL) ||
	    libkvm_vm_create(sys, &vm)) {
		rc = fail("device", libkvm_sys_error(sys));
		goto out_sys;
	}
	/* 4 MiB of RAM at 0: page tables at 0x1000, code at 1 MiB. */
	if (libkvm_vm_alloc(vm, 0, 4 << 20, 0, NULL) ||
	    libkvm_vm_write(vm, 0x100000, code, sizeof(code)) ||
	    libkvm_vcpu_create(vm, 0, &vcpu)) {
		rc = fail("vm", libkvm_vm_error(vm));
		goto out_vm;
	}
	memset(&setup, 0, sizeof(setup));
	setup.size = sizeof(setup);
	setup.mode = LIBKVM_MODE_LONG64;
	setup.entry = 0x100000;
	setup.stack = 0x200000;
	setup.tables = 0x1000;
	if (libkvm_vcpu_setup(vcpu, &setup) || libkvm_vcpu_run(vcpu, &ex)) {
		rc = fail("vcpu", libkvm_vcpu_error(vcpu));
		goto out_vm;
	}
	if (ex.kind != LIBKVM_EXIT_IO || ex.u.io.port != 0x10) {
		rc = fail("exit", libkvm_exit_kind_name(ex.kind));
		goto out_vm;
	}
	printf("minimal: the long-mode guest wrote %u to port 0x%x on %s\n",
	       *(unsigned char *)ex.u.io.data, ex.u.io.port, libkvm_sys_path(sys));
	rc = 0;
out_vm:
	libkvm_vm_destroy(vm);
out_sys:
	libkvm_sys_free(sys);
	return rc;
}
