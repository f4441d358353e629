// SPDX-License-Identifier: MIT
/*
 * Unit tier: libkvm logic with a fake kernel behind the ops hook.
 * No /dev/kvm needed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "harness.h"
#include "internal.h"

/* ---- the fake kernel ---------------------------------------------------- */

#define FAKE_SYS_FD	100
#define FAKE_VM_FD	101
#define MAXLOG		64

struct fake {
	const char *paths[4];		/* devices that exist */
	int open_err;			/* errno of opening paths[] entries */
	int api;
	int run_size;
	int caps[256];
	unsigned long fail_req;		/* this ioctl fails with fail_errno */
	int fail_errno;
	int next_fd;
	struct okvm_userspace_memory_region regions[MAXLOG];
	int nregions;
	struct okvm_regs regs;
	struct okvm_sregs sregs;
	int msrs_done;			/* -1: all */
	uint64_t dirty[4];
	uint32_t dirty_slot;
	struct okvm_run *run;
	int run_ret[8];			/* KVM_RUN results, in order */
	struct okvm_run run_state[8];	/* page contents per KVM_RUN */
	int nruns;
	int runs_done;
	int closes;
	uint8_t xsave[4096];
	int xsave_sets;
};

static struct fake F;

static int f_open(void *ctx, const char *path)
{
	int i;

	(void)ctx;
	for (i = 0; i < 4 && F.paths[i]; i++)
		if (!strcmp(F.paths[i], path))
			return F.open_err ? -F.open_err : FAKE_SYS_FD;
	return -ENOENT;
}

static void f_close(void *ctx, int fd)
{
	(void)ctx;
	(void)fd;
	F.closes++;
}

static int f_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	(void)ctx;
	(void)fd;
	if (req == F.fail_req)
		return -F.fail_errno;
	switch (req) {
	case OKVM_GET_API_VERSION:
		return F.api;
	case OKVM_GET_VCPU_MMAP_SIZE:
		return F.run_size;
	case OKVM_CHECK_EXTENSION:
		return (long)arg >= 0 && (long)arg < 256 ? F.caps[(long)arg] : 0;
	case OKVM_CREATE_VM:
		return FAKE_VM_FD;
	case OKVM_CREATE_VCPU:
		return F.next_fd++;
	case OKVM_SET_TSS_ADDR:
	case OKVM_SET_IDENTITY_MAP_ADDR:
		return 0;
	case OKVM_SET_USER_MEMORY_REGION:
		if (F.nregions < MAXLOG)
			F.regions[F.nregions++] = *(struct okvm_userspace_memory_region *)arg;
		return 0;
	case OKVM_GET_REGS:
		*(struct okvm_regs *)arg = F.regs;
		return 0;
	case OKVM_SET_REGS:
		F.regs = *(struct okvm_regs *)arg;
		return 0;
	case OKVM_GET_SREGS:
		*(struct okvm_sregs *)arg = F.sregs;
		return 0;
	case OKVM_SET_SREGS:
		F.sregs = *(struct okvm_sregs *)arg;
		return 0;
	case OKVM_GET_MSRS:
	case OKVM_SET_MSRS: {
		struct okvm_msrs *m = arg;
		uint32_t i;

		for (i = 0; i < m->nmsrs; i++)
			if (req == OKVM_GET_MSRS)
				m->entries[i].data = 0x1000 + m->entries[i].index;
		return F.msrs_done < 0 ? (int)m->nmsrs : F.msrs_done;
	}
	case OKVM_GET_XSAVE:
		memcpy(arg, F.xsave, sizeof(F.xsave));
		return 0;
	case OKVM_SET_XSAVE:
		memcpy(F.xsave, arg, sizeof(F.xsave));
		F.xsave_sets++;
		return 0;
	case OKVM_GET_DIRTY_LOG: {
		struct okvm_dirty_log *l = arg;

		F.dirty_slot = l->slot;
		memcpy(l->dirty_bitmap, F.dirty, 8);
		return 0;
	}
	case OKVM_RUN: {
		int i = F.runs_done++;

		if (i >= F.nruns)
			return -EIO;
		if (F.run_ret[i])
			return F.run_ret[i];
		/* Keep the input byte the library owns. */
		F.run_state[i].immediate_exit = F.run->immediate_exit;
		memcpy(F.run, &F.run_state[i], sizeof(*F.run));
		return 0;
	}
	default:
		return 0;
	}
}

static void *f_map_run(void *ctx, int fd, size_t size, int *err)
{
	(void)ctx;
	(void)fd;
	(void)err;
	F.run = calloc(1, size);
	return F.run;
}

static void f_unmap_run(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)size;
	free(p);
	if (p == F.run)
		F.run = NULL;
}

static const struct libkvm_ops fake_ops = {
	f_open, f_close, f_ioctl, f_map_run, f_unmap_run,
};

static void fake_reset(void)
{
	memset(&F, 0, sizeof(F));
	F.paths[0] = "/dev/okvm";
	F.paths[1] = "/dev/kvm";
	F.api = 12;
	F.run_size = 3 * 4096;
	F.next_fd = 200;
	F.msrs_done = -1;
	F.caps[OKVM_CAP_USER_MEMORY] = 1;
	F.caps[OKVM_CAP_READONLY_MEM] = 1;
	F.caps[OKVM_CAP_IMMEDIATE_EXIT] = 1;
	F.caps[OKVM_CAP_EXT_CPUID] = 1;
	F.caps[OKVM_CAP_NR_MEMSLOTS] = 32;
	unsetenv("LIBKVM_DEVICE");
}

static struct libkvm_sys *fake_sys_new(void)
{
	struct libkvm_sys *sys;

	ck_assert_int_eq(libkvm_sys_new(&sys), 0);
	libkvm__sys_set_ops(sys, &fake_ops, NULL);
	return sys;
}

static struct libkvm_sys *fake_sys(void)
{
	struct libkvm_sys *sys = fake_sys_new();

	ck_assert_int_eq(libkvm_sys_open(sys, NULL), 0);
	return sys;
}

static struct libkvm_vm *fake_vm(struct libkvm_sys **sysp)
{
	struct libkvm_vm *vm;

	*sysp = fake_sys();
	ck_assert_int_eq(libkvm_vm_create(*sysp, &vm), 0);
	F.nregions = 0;
	return vm;
}

#define has(s, sub) (strstr((s), (sub)) != NULL)
#define P(n) ((uint64_t)(n) * 4096)
/* Page-aligned host addresses that are never touched. */
#define HVA(n) ((void *)(uintptr_t)(0x7f0000000000ull + P(n)))

/* ---- system handle -------------------------------------------------------- */

START_TEST(open_default_prefers_okvm)
{
	struct libkvm_sys *sys = fake_sys();

	ck_assert_str_eq(libkvm_sys_path(sys), "/dev/okvm");
	ck_assert_int_eq(libkvm_sys_fd(sys), FAKE_SYS_FD);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(open_falls_back_to_kvm)
{
	struct libkvm_sys *sys;

	F.paths[0] = "/dev/kvm";
	F.paths[1] = NULL;
	sys = fake_sys();
	ck_assert_str_eq(libkvm_sys_path(sys), "/dev/kvm");
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(open_env_overrides_default)
{
	struct libkvm_sys *sys;

	setenv("LIBKVM_DEVICE", "/dev/kvm", 1);
	sys = fake_sys();
	ck_assert_str_eq(libkvm_sys_path(sys), "/dev/kvm");
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(open_explicit_path_overrides_env)
{
	struct libkvm_sys *sys = fake_sys_new();

	F.paths[2] = "/tmp/other";
	setenv("LIBKVM_DEVICE", "/dev/kvm", 1);
	ck_assert_int_eq(libkvm_sys_open(sys, "/tmp/other"), 0);
	ck_assert_str_eq(libkvm_sys_path(sys), "/tmp/other");
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(open_env_missing_does_not_fall_back)
{
	struct libkvm_sys *sys = fake_sys_new();

	setenv("LIBKVM_DEVICE", "/dev/nothere", 1);
	ck_assert_int_eq(libkvm_sys_open(sys, NULL), -ENOENT);
	ck_assert(has(libkvm_sys_error(sys), "open /dev/nothere"));
	ck_assert_ptr_null(libkvm_sys_path(sys));
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(open_nothing_names_every_path)
{
	struct libkvm_sys *sys = fake_sys_new();
	const char *m;

	F.paths[0] = F.paths[1] = NULL;
	ck_assert_int_eq(libkvm_sys_open(sys, NULL), -ENOENT);
	m = libkvm_sys_error(sys);
	ck_assert_msg(has(m, "/dev/okvm") && has(m, "/dev/kvm") && has(m, "LIBKVM_DEVICE"),
		      "message: %s", m);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(open_permission_error_stops)
{
	struct libkvm_sys *sys = fake_sys_new();

	F.open_err = EACCES;
	ck_assert_int_eq(libkvm_sys_open(sys, NULL), -EACCES);
	ck_assert(has(libkvm_sys_error(sys), "open /dev/okvm: Permission denied"));
	ck_assert(!has(libkvm_sys_error(sys), "/dev/kvm:"));
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(open_api_version_mismatch)
{
	struct libkvm_sys *sys = fake_sys_new();

	F.api = 11;
	ck_assert_int_eq(libkvm_sys_open(sys, NULL), -EPROTO);
	ck_assert(has(libkvm_sys_error(sys), "KVM_GET_API_VERSION"));
	ck_assert(has(libkvm_sys_error(sys), "API 11"));
	ck_assert_int_eq(libkvm_sys_fd(sys), -1);
	ck_assert_int_eq(F.closes, 1);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(open_small_run_page_refused)
{
	struct libkvm_sys *sys = fake_sys_new();

	F.run_size = 64;
	ck_assert_int_eq(libkvm_sys_open(sys, NULL), -EPROTO);
	ck_assert(has(libkvm_sys_error(sys), "KVM_GET_VCPU_MMAP_SIZE"));
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(open_twice_is_busy)
{
	struct libkvm_sys *sys = fake_sys();

	ck_assert_int_eq(libkvm_sys_open(sys, NULL), -EBUSY);
	ck_assert_str_eq(libkvm_sys_path(sys), "/dev/okvm");
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(calls_before_open_fail)
{
	struct libkvm_sys *sys = fake_sys_new();
	struct libkvm_vm *vm = (void *)1;

	ck_assert_int_eq(libkvm_vm_create(sys, &vm), -EBADF);
	ck_assert_ptr_null(vm);
	ck_assert_int_eq(libkvm_sys_check_extension(sys, 3), -EBADF);
	ck_assert(has(libkvm_sys_error(sys), "not open"));
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(null_handles_are_einval)
{
	struct libkvm_exit ex;

	ck_assert_int_eq(libkvm_sys_new(NULL), -EINVAL);
	ck_assert_int_eq(libkvm_sys_open(NULL, NULL), -EINVAL);
	ck_assert_int_eq(libkvm_vm_create(NULL, NULL), -EINVAL);
	ck_assert_int_eq(libkvm_vm_map(NULL, 0, NULL, 4096, 0), -EINVAL);
	ck_assert_int_eq(libkvm_vcpu_create(NULL, 0, NULL), -EINVAL);
	ck_assert_int_eq(libkvm_vcpu_run(NULL, &ex), -EINVAL);
	ck_assert_int_eq(libkvm_vcpu_kick(NULL), -EINVAL);
	ck_assert_ptr_nonnull(libkvm_sys_error(NULL));
	ck_assert_ptr_nonnull(libkvm_vm_error(NULL));
	ck_assert_ptr_nonnull(libkvm_vcpu_error(NULL));
	libkvm_sys_free(NULL);
	libkvm_vm_destroy(NULL);
	libkvm_vcpu_destroy(NULL);
}
END_TEST

START_TEST(check_extension_error_names_ioctl)
{
	struct libkvm_sys *sys = fake_sys();

	F.fail_req = OKVM_CHECK_EXTENSION;
	F.fail_errno = EINVAL;
	ck_assert_int_eq(libkvm_sys_check_extension(sys, 999), -EINVAL);
	ck_assert_str_eq(libkvm_sys_error(sys), "KVM_CHECK_EXTENSION (cap 999): Invalid argument");
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(require_all_present)
{
	struct libkvm_sys *sys = fake_sys();
	uint64_t miss = 99;

	ck_assert_int_eq(libkvm_sys_require(sys, LIBKVM_FEAT_CORE | LIBKVM_FEAT_CPUID, &miss), 0);
	ck_assert_uint_eq(miss, 0);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(require_says_what_and_why)
{
	struct libkvm_sys *sys = fake_sys();
	uint64_t miss = 0;
	const char *m;

	F.caps[OKVM_CAP_IMMEDIATE_EXIT] = 0;
	F.caps[OKVM_CAP_USER_NMI] = 0;
	ck_assert_int_eq(libkvm_sys_require(sys, LIBKVM_FEAT_CORE | LIBKVM_FEAT_NMI, &miss),
			 -ENOTSUP);
	ck_assert_uint_eq(miss, LIBKVM_FEAT_IMMEDIATE_EXIT | LIBKVM_FEAT_NMI);
	m = libkvm_sys_error(sys);
	ck_assert_msg(has(m, "immediate-exit") && has(m, "KVM_CAP_IMMEDIATE_EXIT") &&
		      has(m, "libkvm_vcpu_kick") && has(m, "KVM_CAP_USER_NMI") &&
		      !has(m, "user-memory"), "message: %s", m);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(require_unknown_bits)
{
	struct libkvm_sys *sys = fake_sys();

	ck_assert_int_eq(libkvm_sys_require(sys, 1ULL << 40, NULL), -EINVAL);
	ck_assert(has(libkvm_sys_error(sys), "unknown feature"));
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(feature_names_complete)
{
	int i;

	for (i = 0; i < LIBKVM_FEAT_COUNT; i++) {
		ck_assert_ptr_nonnull(libkvm_feature_name(1ULL << i));
		ck_assert_ptr_nonnull(libkvm_feature_reason(1ULL << i));
	}
	ck_assert_ptr_null(libkvm_feature_name(1ULL << LIBKVM_FEAT_COUNT));
	ck_assert_ptr_null(libkvm_feature_name(3));
	ck_assert_str_eq(libkvm_feature_name(LIBKVM_FEAT_IMMEDIATE_EXIT), "immediate-exit");
}
END_TEST

START_TEST(kick_signal_rules)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm = fake_vm(&sys);
	struct libkvm_vcpu *vcpu;

	ck_assert_int_eq(libkvm_sys_set_kick_signal(sys, 0), -EINVAL);
	ck_assert_int_eq(libkvm_sys_set_kick_signal(sys, SIGKILL), -EINVAL);
	ck_assert_int_eq(libkvm_sys_set_kick_signal(sys, SIGRTMIN + 3), 0);
	ck_assert_int_eq(libkvm_vcpu_create(vm, 0, &vcpu), 0);
	ck_assert_int_eq(libkvm_sys_set_kick_signal(sys, SIGUSR1), -EBUSY);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(version_string)
{
	ck_assert_str_eq(libkvm_version(), "1.0.0");
}
END_TEST

/* ---- slots and memory ------------------------------------------------------ */

START_TEST(slots_table_sorted_and_ids_reused)
{
	struct libkvm_slots s;
	struct libkvm_slot a = { .id = 0, .gpa = P(10), .size = P(2) };
	struct libkvm_slot b = { .id = 1, .gpa = P(0), .size = P(2) };
	uint32_t id;

	libkvm__slots_init(&s, 3);
	ck_assert_int_eq(libkvm__slots_add(&s, &a), 0);
	ck_assert_int_eq(libkvm__slots_add(&s, &b), 0);
	ck_assert_uint_eq(s.v[0].gpa, 0);
	ck_assert_uint_eq(s.v[1].gpa, P(10));
	ck_assert_int_eq(libkvm__slots_free_id(&s, &id), 0);
	ck_assert_uint_eq(id, 2);
	libkvm__slots_remove(&s, 1);
	ck_assert_int_eq(libkvm__slots_free_id(&s, &id), 0);
	ck_assert_uint_eq(id, 0);
	ck_assert_int_eq(libkvm__slots_find(&s, P(1) + 5), 0);
	ck_assert_int_eq(libkvm__slots_find(&s, P(2)), -1);
	a.gpa = P(1);
	ck_assert_int_eq(libkvm__slots_add(&s, &a), -EEXIST);
	libkvm__slots_fini(&s);
}
END_TEST

START_TEST(map_argument_checks)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm = fake_vm(&sys);

	ck_assert_int_eq(libkvm_vm_map(vm, 0x800, HVA(0), P(1), 0), -EINVAL);
	ck_assert(has(libkvm_vm_error(vm), "aligned"));
	ck_assert_int_eq(libkvm_vm_map(vm, 0, (char *)HVA(0) + 8, P(1), 0), -EINVAL);
	ck_assert_int_eq(libkvm_vm_map(vm, 0, HVA(0), 0, 0), -EINVAL);
	ck_assert_int_eq(libkvm_vm_map(vm, 0, HVA(0), 100, 0), -EINVAL);
	ck_assert_int_eq(libkvm_vm_map(vm, ~0ull - P(1) + 1, HVA(0), P(2), 0), -EINVAL);
	ck_assert_int_eq(libkvm_vm_map(vm, 0, HVA(0), P(1), 0x80), -EINVAL);
	ck_assert(has(libkvm_vm_error(vm), "unknown flags"));
	ck_assert_int_eq(F.nregions, 0);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(map_issues_region_with_flags)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm = fake_vm(&sys);
	struct libkvm_map_info mi;

	ck_assert_int_eq(libkvm_vm_map(vm, P(16), HVA(0), P(4), 0), 0);
	ck_assert_int_eq(libkvm_vm_map(vm, P(0), HVA(8), P(4),
				       LIBKVM_MAP_READONLY | LIBKVM_MAP_DIRTY_LOG), 0);
	ck_assert_int_eq(F.nregions, 2);
	ck_assert_uint_eq(F.regions[0].slot, 0);
	ck_assert_uint_eq(F.regions[0].flags, 0);
	ck_assert_uint_eq(F.regions[0].guest_phys_addr, P(16));
	ck_assert_uint_eq(F.regions[0].memory_size, P(4));
	ck_assert_uint_eq(F.regions[0].userspace_addr, (uintptr_t)HVA(0));
	ck_assert_uint_eq(F.regions[1].slot, 1);
	ck_assert_uint_eq(F.regions[1].flags, OKVM_MEM_READONLY | OKVM_MEM_LOG_DIRTY_PAGES);
	ck_assert_int_eq(libkvm_vm_map_info(vm, P(2), &mi), 0);
	ck_assert_uint_eq(mi.gpa, 0);
	ck_assert_uint_eq(mi.size, P(4));
	ck_assert_uint_eq(mi.slot, 1);
	ck_assert_uint_eq(mi.flags, LIBKVM_MAP_READONLY | LIBKVM_MAP_DIRTY_LOG);
	ck_assert_int_eq(libkvm_vm_map_info(vm, P(5), &mi), -ENOENT);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(map_overlap_refused)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm = fake_vm(&sys);

	ck_assert_int_eq(libkvm_vm_map(vm, P(4), HVA(0), P(4), 0), 0);
	ck_assert_int_eq(libkvm_vm_map(vm, P(7), HVA(8), P(4), 0), -EEXIST);
	ck_assert_msg(has(libkvm_vm_error(vm), "overlaps the map at 0x4000+0x4000"),
		      "%s", libkvm_vm_error(vm));
	ck_assert_int_eq(libkvm_vm_map(vm, P(0), HVA(8), P(16), 0), -EEXIST);
	/* Adjacent on both sides is fine. */
	ck_assert_int_eq(libkvm_vm_map(vm, P(0), HVA(8), P(4), 0), 0);
	ck_assert_int_eq(libkvm_vm_map(vm, P(8), HVA(16), P(4), 0), 0);
	ck_assert_int_eq(F.nregions, 3);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(map_readonly_needs_cap)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm = fake_vm(&sys);

	F.caps[OKVM_CAP_READONLY_MEM] = 0;
	ck_assert_int_eq(libkvm_vm_map(vm, 0, HVA(0), P(1), LIBKVM_MAP_READONLY), -ENOTSUP);
	ck_assert(has(libkvm_vm_error(vm), "KVM_CAP_READONLY_MEM"));
	ck_assert_int_eq(libkvm_vm_map(vm, 0, HVA(0), P(1), 0), 0);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(map_kernel_failure_rolls_back)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm = fake_vm(&sys);
	struct libkvm_map_info mi;

	F.fail_req = OKVM_SET_USER_MEMORY_REGION;
	F.fail_errno = EINVAL;
	ck_assert_int_eq(libkvm_vm_map(vm, P(3), HVA(0), P(1), 0), -EINVAL);
	ck_assert_str_eq(libkvm_vm_error(vm),
			 "KVM_SET_USER_MEMORY_REGION (slot 0, gpa 0x3000, size 0x1000): "
			 "Invalid argument");
	ck_assert_int_eq(libkvm_vm_map_info(vm, P(3), &mi), -ENOENT);
	F.fail_req = 0;
	ck_assert_int_eq(libkvm_vm_map(vm, P(3), HVA(0), P(1), 0), 0);
	ck_assert_int_eq(libkvm_vm_map_info(vm, P(3), &mi), 0);
	ck_assert_uint_eq(mi.slot, 0);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(map_slots_exhausted)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm;

	F.caps[OKVM_CAP_NR_MEMSLOTS] = 2;
	vm = fake_vm(&sys);
	ck_assert_int_eq(libkvm_vm_map(vm, P(0), HVA(0), P(1), 0), 0);
	ck_assert_int_eq(libkvm_vm_map(vm, P(1), HVA(1), P(1), 0), 0);
	ck_assert_int_eq(libkvm_vm_map(vm, P(2), HVA(2), P(1), 0), -ENOSPC);
	ck_assert(has(libkvm_vm_error(vm), "all 2 memory slots"));
	ck_assert_int_eq(libkvm_vm_unmap(vm, P(0), P(1)), 0);
	ck_assert_int_eq(libkvm_vm_map(vm, P(2), HVA(2), P(1), 0), 0);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(unmap_whole_map)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm = fake_vm(&sys);
	void *h;

	ck_assert_int_eq(libkvm_vm_map(vm, P(4), HVA(0), P(4), 0), 0);
	ck_assert_int_eq(libkvm_vm_unmap(vm, P(4), P(4)), 0);
	ck_assert_int_eq(F.nregions, 2);
	ck_assert_uint_eq(F.regions[1].slot, 0);
	ck_assert_uint_eq(F.regions[1].memory_size, 0);
	ck_assert_int_eq(libkvm_vm_gpa_to_hva(vm, P(4), 1, &h), -EFAULT);
	ck_assert_int_eq(libkvm_vm_unmap(vm, P(4), P(4)), -ENOENT);
	ck_assert(has(libkvm_vm_error(vm), "nothing is mapped"));
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(unmap_splits_a_map)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm = fake_vm(&sys);
	struct libkvm_map_info mi;
	void *h;

	ck_assert_int_eq(libkvm_vm_map(vm, P(0), HVA(0), P(16), LIBKVM_MAP_DIRTY_LOG), 0);
	ck_assert_int_eq(libkvm_vm_unmap(vm, P(4), P(4)), 0);
	/* delete slot 0, head [0,4) back in slot 0, tail [8,16) in slot 1 */
	ck_assert_int_eq(F.nregions, 4);
	ck_assert_uint_eq(F.regions[1].memory_size, 0);
	ck_assert_uint_eq(F.regions[2].slot, 0);
	ck_assert_uint_eq(F.regions[2].memory_size, P(4));
	ck_assert_uint_eq(F.regions[3].slot, 1);
	ck_assert_uint_eq(F.regions[3].guest_phys_addr, P(8));
	ck_assert_uint_eq(F.regions[3].memory_size, P(8));
	ck_assert_uint_eq(F.regions[3].userspace_addr, (uintptr_t)HVA(8));
	ck_assert_uint_eq(F.regions[3].flags, OKVM_MEM_LOG_DIRTY_PAGES);
	ck_assert_int_eq(libkvm_vm_map_info(vm, P(9), &mi), 0);
	ck_assert_uint_eq(mi.gpa, P(8));
	ck_assert_ptr_eq(mi.hva, HVA(8));
	ck_assert_int_eq(libkvm_vm_gpa_to_hva(vm, P(5), 1, &h), -EFAULT);
	ck_assert_int_eq(libkvm_vm_gpa_to_hva(vm, P(3) + 7, 16, &h), 0);
	ck_assert_ptr_eq(h, (char *)HVA(3) + 7);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(unmap_across_two_maps)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm = fake_vm(&sys);
	struct libkvm_map_info mi;

	ck_assert_int_eq(libkvm_vm_map(vm, P(0), HVA(0), P(4), 0), 0);
	ck_assert_int_eq(libkvm_vm_map(vm, P(4), HVA(100), P(4), 0), 0);
	ck_assert_int_eq(libkvm_vm_unmap(vm, P(2), P(4)), 0);
	ck_assert_int_eq(libkvm_vm_map_info(vm, P(1), &mi), 0);
	ck_assert_uint_eq(mi.size, P(2));
	ck_assert_int_eq(libkvm_vm_map_info(vm, P(6), &mi), 0);
	ck_assert_uint_eq(mi.gpa, P(6));
	ck_assert_uint_eq(mi.size, P(2));
	ck_assert_ptr_eq(mi.hva, HVA(102));
	ck_assert_int_eq(libkvm_vm_map_info(vm, P(2), &mi), -ENOENT);
	ck_assert_int_eq(libkvm_vm_map_info(vm, P(5), &mi), -ENOENT);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(gpa_to_hva_bounds)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm = fake_vm(&sys);
	void *h = (void *)1;

	ck_assert_int_eq(libkvm_vm_map(vm, P(4), HVA(0), P(2), 0), 0);
	ck_assert_int_eq(libkvm_vm_gpa_to_hva(vm, P(4), P(2), &h), 0);
	ck_assert_ptr_eq(h, HVA(0));
	ck_assert_int_eq(libkvm_vm_gpa_to_hva(vm, P(5), P(1) + 1, &h), -EFAULT);
	ck_assert_ptr_null(h);
	ck_assert(has(libkvm_vm_error(vm), "not inside one map"));
	ck_assert_int_eq(libkvm_vm_gpa_to_hva(vm, P(3), 1, &h), -EFAULT);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(read_write_span_adjacent_maps)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm = fake_vm(&sys);
	uint8_t *a = aligned_alloc(4096, P(1)), *b = aligned_alloc(4096, P(1));
	char buf[16];

	ck_assert_int_eq(libkvm_vm_map(vm, P(1), a, P(1), 0), 0);
	ck_assert_int_eq(libkvm_vm_map(vm, P(2), b, P(1), 0), 0);
	ck_assert_int_eq(libkvm_vm_write(vm, P(2) - 4, "abcdefgh", 8), 0);
	ck_assert(!memcmp(a + 4092, "abcd", 4));
	ck_assert(!memcmp(b, "efgh", 4));
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(libkvm_vm_read(vm, P(2) - 2, buf, 4), 0);
	ck_assert_str_eq(buf, "cdef");
	ck_assert_int_eq(libkvm_vm_read(vm, P(3) - 2, buf, 4), -EFAULT);
	ck_assert(has(libkvm_vm_error(vm), "0x3000 is not mapped"));
	ck_assert_int_eq(libkvm_vm_write(vm, P(0), "x", 1), -EFAULT);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
	free(a);
	free(b);
}
END_TEST

START_TEST(alloc_is_owned_and_survives_split)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm = fake_vm(&sys);
	uint8_t *h;
	char c = 0;

	ck_assert_int_eq(libkvm_vm_alloc(vm, P(0), P(8), 0, (void **)&h), 0);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(h[P(7)], 0);
	ck_assert_int_eq(libkvm_vm_write(vm, P(7), "z", 1), 0);
	ck_assert_int_eq(libkvm_vm_unmap(vm, P(2), P(2)), 0);
	ck_assert_int_eq(libkvm_vm_read(vm, P(7), &c, 1), 0);
	ck_assert_int_eq(c, 'z');
	ck_assert_int_eq(libkvm_vm_write(vm, P(1), "y", 1), 0);
	ck_assert_int_eq(libkvm_vm_alloc(vm, P(0), 100, 0, NULL), -EINVAL);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(dirty_log_fetch)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm = fake_vm(&sys);
	uint8_t bm[2] = { 0xff, 0xff };

	ck_assert_int_eq(libkvm_vm_map(vm, P(0), HVA(0), P(4), 0), 0);
	ck_assert_int_eq(libkvm_vm_map(vm, P(16), HVA(16), P(12), LIBKVM_MAP_DIRTY_LOG), 0);
	F.dirty[0] = 0x0a05;
	ck_assert_int_eq(libkvm_vm_get_dirty_log(vm, P(0), bm, 2), -EINVAL);
	ck_assert(has(libkvm_vm_error(vm), "LIBKVM_MAP_DIRTY_LOG"));
	ck_assert_int_eq(libkvm_vm_get_dirty_log(vm, P(20), bm, 1), -ERANGE);
	ck_assert(has(libkvm_vm_error(vm), "needs 2 bytes"));
	ck_assert_int_eq(libkvm_vm_get_dirty_log(vm, P(20), bm, 2), 0);
	ck_assert_uint_eq(F.dirty_slot, 1);
	ck_assert_uint_eq(bm[0], 0x05);
	ck_assert_uint_eq(bm[1], 0x0a);
	F.fail_req = OKVM_GET_DIRTY_LOG;
	F.fail_errno = ENOENT;
	ck_assert_int_eq(libkvm_vm_get_dirty_log(vm, P(20), bm, 2), -ENOENT);
	ck_assert(has(libkvm_vm_error(vm), "KVM_GET_DIRTY_LOG (slot 1"));
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

/* ---- exit decoding --------------------------------------------------------- */

static struct okvm_run *run_page(void)
{
	static union {
		struct okvm_run run;
		uint8_t bytes[8192];
	} page;

	memset(&page, 0, sizeof(page));
	return &page.run;
}

START_TEST(decode_io)
{
	struct okvm_run *run = run_page();
	struct libkvm_exit ex;
	char err[LIBKVM_ERR_LEN];

	run->exit_reason = OKVM_EXIT_IO;
	run->io.direction = OKVM_EXIT_IO_OUT;
	run->io.size = 2;
	run->io.port = 0x3f8;
	run->io.count = 3;
	run->io.data_offset = 4096;
	run->if_flag = 1;
	ck_assert_int_eq(libkvm__exit_decode(run, 8192, &ex, err), 0);
	ck_assert_uint_eq(ex.kind, LIBKVM_EXIT_IO);
	ck_assert_uint_eq(ex.raw_reason, OKVM_EXIT_IO);
	ck_assert_uint_eq(ex.u.io.port, 0x3f8);
	ck_assert_uint_eq(ex.u.io.size, 2);
	ck_assert_uint_eq(ex.u.io.count, 3);
	ck_assert_uint_eq(ex.u.io.is_write, 1);
	ck_assert_ptr_eq(ex.u.io.data, (uint8_t *)run + 4096);
	ck_assert_uint_eq(ex.flags, LIBKVM_EXIT_F_IF);
	run->io.direction = OKVM_EXIT_IO_IN;
	run->ready_for_interrupt_injection = 1;
	ck_assert_int_eq(libkvm__exit_decode(run, 8192, &ex, err), 0);
	ck_assert_uint_eq(ex.u.io.is_write, 0);
	ck_assert_uint_eq(ex.flags, LIBKVM_EXIT_F_IF | LIBKVM_EXIT_F_IRQ_READY);
}
END_TEST

START_TEST(decode_io_rejects_bad_data)
{
	struct okvm_run *run = run_page();
	struct libkvm_exit ex;
	char err[LIBKVM_ERR_LEN];

	run->exit_reason = OKVM_EXIT_IO;
	run->io.size = 4;
	run->io.count = 2;
	run->io.data_offset = 8192 - 4;
	ck_assert_int_eq(libkvm__exit_decode(run, 8192, &ex, err), -EPROTO);
	ck_assert(has(err, "outside the 8192-byte run page"));
	run->io.data_offset = ~0ull - 2;
	ck_assert_int_eq(libkvm__exit_decode(run, 8192, &ex, err), -EPROTO);
	run->io.data_offset = 4096;
	run->io.size = 3;
	ck_assert_int_eq(libkvm__exit_decode(run, 8192, &ex, err), -EPROTO);
	ck_assert(has(err, "size 3"));
	run->io.size = 1;
	run->io.count = 0;
	ck_assert_int_eq(libkvm__exit_decode(run, 8192, &ex, err), -EPROTO);
}
END_TEST

START_TEST(decode_mmio)
{
	struct okvm_run *run = run_page();
	struct libkvm_exit ex;
	char err[LIBKVM_ERR_LEN];

	run->exit_reason = OKVM_EXIT_MMIO;
	run->mmio.phys_addr = 0xfee00030;
	run->mmio.len = 4;
	run->mmio.is_write = 1;
	ck_assert_int_eq(libkvm__exit_decode(run, 8192, &ex, err), 0);
	ck_assert_uint_eq(ex.kind, LIBKVM_EXIT_MMIO);
	ck_assert_uint_eq(ex.u.mmio.gpa, 0xfee00030);
	ck_assert_uint_eq(ex.u.mmio.len, 4);
	ck_assert_uint_eq(ex.u.mmio.is_write, 1);
	ck_assert_ptr_eq(ex.u.mmio.data, run->mmio.data);
	run->mmio.len = 9;
	ck_assert_int_eq(libkvm__exit_decode(run, 8192, &ex, err), -EPROTO);
	ck_assert(has(err, "length 9"));
}
END_TEST

START_TEST(decode_every_kind)
{
	static const struct { uint32_t raw, kind; } map[] = {
		{ OKVM_EXIT_HLT, LIBKVM_EXIT_HLT },
		{ OKVM_EXIT_SHUTDOWN, LIBKVM_EXIT_SHUTDOWN },
		{ OKVM_EXIT_FAIL_ENTRY, LIBKVM_EXIT_FAIL_ENTRY },
		{ OKVM_EXIT_INTERNAL_ERROR, LIBKVM_EXIT_INTERNAL_ERROR },
		{ OKVM_EXIT_SYSTEM_EVENT, LIBKVM_EXIT_SYSTEM_EVENT },
		{ OKVM_EXIT_IRQ_WINDOW_OPEN, LIBKVM_EXIT_IRQ_WINDOW },
		{ OKVM_EXIT_INTR, LIBKVM_EXIT_INTR },
		{ OKVM_EXIT_DEBUG, LIBKVM_EXIT_DEBUG },
		{ OKVM_EXIT_UNKNOWN, LIBKVM_EXIT_UNKNOWN },
		{ OKVM_EXIT_X86_RDMSR, LIBKVM_EXIT_UNKNOWN },
		{ OKVM_EXIT_HYPERCALL, LIBKVM_EXIT_UNKNOWN },
		{ 9999, LIBKVM_EXIT_UNKNOWN },
	};
	struct okvm_run *run = run_page();
	struct libkvm_exit ex;
	char err[LIBKVM_ERR_LEN];
	unsigned int i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		run->exit_reason = map[i].raw;
		ck_assert_int_eq(libkvm__exit_decode(run, 8192, &ex, err), 0);
		ck_assert_msg(ex.kind == map[i].kind, "raw %u gave kind %u", map[i].raw, ex.kind);
		ck_assert_uint_eq(ex.raw_reason, map[i].raw);
	}
}
END_TEST

START_TEST(decode_payloads)
{
	struct okvm_run *run = run_page();
	struct libkvm_exit ex;
	char err[LIBKVM_ERR_LEN];

	run->exit_reason = OKVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = 0x80000021;
	run->fail_entry.cpu = 3;
	libkvm__exit_decode(run, 8192, &ex, err);
	ck_assert_uint_eq(ex.u.fail_entry.hardware_reason, 0x80000021);
	ck_assert_uint_eq(ex.u.fail_entry.cpu, 3);

	run = run_page();
	run->exit_reason = OKVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = 1;
	run->internal.ndata = 40;	/* a lie: clamp, never overread */
	run->internal.data[15] = 0x77;
	libkvm__exit_decode(run, 8192, &ex, err);
	ck_assert_uint_eq(ex.u.internal_error.suberror, 1);
	ck_assert_uint_eq(ex.u.internal_error.ndata, 16);
	ck_assert_uint_eq(ex.u.internal_error.data[15], 0x77);

	run = run_page();
	run->exit_reason = OKVM_EXIT_SYSTEM_EVENT;
	run->system_event.type = OKVM_SYSTEM_EVENT_RESET;
	run->system_event.ndata = 1;
	run->system_event.data[0] = 5;
	libkvm__exit_decode(run, 8192, &ex, err);
	ck_assert_uint_eq(ex.u.system_event.type, 2);
	ck_assert_uint_eq(ex.u.system_event.ndata, 1);
	ck_assert_uint_eq(ex.u.system_event.data[0], 5);

	run = run_page();
	run->exit_reason = OKVM_EXIT_DEBUG;
	run->debug.arch.exception = 1;
	run->debug.arch.pc = 0x1234;
	run->debug.arch.dr6 = 0x4ff0;
	libkvm__exit_decode(run, 8192, &ex, err);
	ck_assert_uint_eq(ex.u.debug.exception, 1);
	ck_assert_uint_eq(ex.u.debug.pc, 0x1234);
	ck_assert_uint_eq(ex.u.debug.dr6, 0x4ff0);

	run = run_page();
	run->exit_reason = OKVM_EXIT_UNKNOWN;
	run->hw.hardware_exit_reason = 0x7b;
	libkvm__exit_decode(run, 8192, &ex, err);
	ck_assert_uint_eq(ex.u.unknown.hardware_reason, 0x7b);
}
END_TEST

START_TEST(exit_kind_names)
{
	ck_assert_str_eq(libkvm_exit_kind_name(LIBKVM_EXIT_IO), "io");
	ck_assert_str_eq(libkvm_exit_kind_name(LIBKVM_EXIT_SYSTEM_EVENT), "system_event");
	ck_assert_str_eq(libkvm_exit_kind_name(LIBKVM_EXIT_UNKNOWN), "unknown");
	ck_assert_str_eq(libkvm_exit_kind_name(LIBKVM_EXIT_KIND_COUNT), "?");
}
END_TEST

START_TEST(exit_struct_has_room)
{
	/* The union's room must stay the largest member: it fixes the size. */
	struct libkvm_exit ex;

	ck_assert_uint_eq(sizeof(ex.u), sizeof(ex.u.room));
	ck_assert_uint_eq(sizeof(struct libkvm_exit), 32 + 256);
}
END_TEST

/* ---- vcpu with the fake kernel -------------------------------------------- */

static struct libkvm_vcpu *fake_vcpu(struct libkvm_sys **sysp, struct libkvm_vm **vmp)
{
	struct libkvm_vcpu *vcpu;

	*vmp = fake_vm(sysp);
	ck_assert_int_eq(libkvm_vcpu_create(*vmp, 0, &vcpu), 0);
	ck_assert_ptr_nonnull(F.run);
	return vcpu;
}

START_TEST(vcpu_create_failure_message_in_vm)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm = fake_vm(&sys);
	struct libkvm_vcpu *vcpu = (void *)1;

	F.fail_req = OKVM_CREATE_VCPU;
	F.fail_errno = EEXIST;
	ck_assert_int_eq(libkvm_vcpu_create(vm, 5, &vcpu), -EEXIST);
	ck_assert_ptr_null(vcpu);
	ck_assert_str_eq(libkvm_vm_error(vm), "KVM_CREATE_VCPU (id 5): File exists");
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(run_error_names_ioctl)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm;
	struct libkvm_vcpu *vcpu = fake_vcpu(&sys, &vm);
	struct libkvm_exit ex;

	F.nruns = 1;
	F.run_ret[0] = -EFAULT;
	ck_assert_int_eq(libkvm_vcpu_run(vcpu, &ex), -EFAULT);
	ck_assert_str_eq(libkvm_vcpu_error(vcpu), "KVM_RUN (vcpu 0): Bad address");
	ck_assert_int_eq(libkvm_vcpu_run(vcpu, NULL), -EINVAL);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(run_pending_kick_is_reported_once)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm;
	struct libkvm_vcpu *vcpu = fake_vcpu(&sys, &vm);
	struct libkvm_exit ex;

	F.nruns = 2;
	F.run_ret[0] = -EINTR;
	F.run_ret[1] = -EINTR;
	ck_assert_int_eq(libkvm_vcpu_kick(vcpu), 0);
	ck_assert_uint_eq(F.run->immediate_exit, 1);
	ck_assert_int_eq(libkvm_vcpu_run(vcpu, &ex), 0);
	ck_assert_uint_eq(ex.kind, LIBKVM_EXIT_INTR);
	ck_assert_uint_eq(ex.flags, LIBKVM_EXIT_F_KICKED);
	ck_assert_uint_eq(F.run->immediate_exit, 0);
	/* A later EINTR without a kick is a plain signal. */
	ck_assert_int_eq(libkvm_vcpu_run(vcpu, &ex), 0);
	ck_assert_uint_eq(ex.kind, LIBKVM_EXIT_INTR);
	ck_assert_uint_eq(ex.flags, 0);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(kick_needs_immediate_exit)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm;
	struct libkvm_vcpu *vcpu;

	F.caps[OKVM_CAP_IMMEDIATE_EXIT] = 0;
	vcpu = fake_vcpu(&sys, &vm);
	ck_assert_int_eq(libkvm_vcpu_kick(vcpu), -ENOTSUP);
	ck_assert(has(libkvm_vcpu_error(vcpu), "KVM_CAP_IMMEDIATE_EXIT"));
	ck_assert_uint_eq(F.run->immediate_exit, 0);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(run_decodes_through_run_page)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm;
	struct libkvm_vcpu *vcpu = fake_vcpu(&sys, &vm);
	struct libkvm_exit ex;

	F.nruns = 1;
	F.run_state[0].exit_reason = OKVM_EXIT_HLT;
	ck_assert_int_eq(libkvm_vcpu_run(vcpu, &ex), 0);
	ck_assert_uint_eq(ex.kind, LIBKVM_EXIT_HLT);
	ck_assert_int_eq(libkvm_vcpu_request_irq_window(vcpu, 1), 0);
	ck_assert_uint_eq(F.run->request_interrupt_window, 1);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(regs_round_trip)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm;
	struct libkvm_vcpu *vcpu = fake_vcpu(&sys, &vm);
	struct libkvm_regs r, back;
	uint64_t *w = (uint64_t *)&r;
	unsigned int i;

	for (i = 0; i < sizeof(r) / 8; i++)
		w[i] = 0x1111111111111111ull * (i + 1);
	ck_assert_int_eq(libkvm_vcpu_set_regs(vcpu, &r), 0);
	ck_assert_uint_eq(F.regs.r13, r.r13);
	ck_assert_uint_eq(F.regs.rflags, r.rflags);
	ck_assert_int_eq(libkvm_vcpu_get_regs(vcpu, &back), 0);
	ck_assert(!memcmp(&r, &back, sizeof(r)));
	F.fail_req = OKVM_GET_REGS;
	F.fail_errno = EIO;
	ck_assert_int_eq(libkvm_vcpu_get_regs(vcpu, &back), -EIO);
	ck_assert_str_eq(libkvm_vcpu_error(vcpu), "KVM_GET_REGS: Input/output error");
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(sregs_conversion)
{
	struct libkvm_sregs s, back;
	struct okvm_sregs k;
	uint8_t *b = (uint8_t *)&s;
	unsigned int i;

	for (i = 0; i < sizeof(s); i++)
		b[i] = (uint8_t)(i * 7 + 1);
	/* Padding and reserved fields do not travel. */
	s.cs.reserved = s.ds.reserved = s.es.reserved = s.fs.reserved = 0;
	s.gs.reserved = s.ss.reserved = s.tr.reserved = s.ldt.reserved = 0;
	memset(s.gdt.reserved, 0, sizeof(s.gdt.reserved));
	memset(s.idt.reserved, 0, sizeof(s.idt.reserved));
	memset(s.reserved, 0, sizeof(s.reserved));
	libkvm__sregs_to_abi(&s, &k);
	for (i = 0; i < sizeof(k.interrupt_bitmap) / 8; i++)
		ck_assert_uint_eq(k.interrupt_bitmap[i], 0);
	ck_assert_uint_eq(k.tr.base, s.tr.base);
	ck_assert_uint_eq(k.ldt.unusable, s.ldt.unusable);
	ck_assert_uint_eq(k.efer, s.efer);
	libkvm__sregs_from_abi(&k, &back);
	ck_assert(!memcmp(&s, &back, sizeof(s)));
}
END_TEST

START_TEST(msrs_partial_names_the_msr)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm;
	struct libkvm_vcpu *vcpu = fake_vcpu(&sys, &vm);
	struct libkvm_msr m[2] = { { .index = 0x10 }, { .index = 0xc0000099 } };
	uint64_t v;

	ck_assert_int_eq(libkvm_vcpu_get_msrs(vcpu, m, 2), 0);
	ck_assert_uint_eq(m[1].value, 0x1000 + 0xc0000099ull);
	ck_assert_int_eq(libkvm_vcpu_get_msr(vcpu, 0x174, &v), 0);
	ck_assert_uint_eq(v, 0x1174);
	F.msrs_done = 1;
	ck_assert_int_eq(libkvm_vcpu_set_msrs(vcpu, m, 2), -EINVAL);
	ck_assert_str_eq(libkvm_vcpu_error(vcpu),
			 "KVM_SET_MSRS: device refused MSR 0xc0000099 (1 of 2 done)");
	ck_assert_int_eq(libkvm_vcpu_get_msrs(vcpu, m, 1000), -E2BIG);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(injection_and_debug_arguments)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm;
	struct libkvm_vcpu *vcpu = fake_vcpu(&sys, &vm);

	ck_assert_int_eq(libkvm_vcpu_interrupt(vcpu, 256), -EINVAL);
	ck_assert(has(libkvm_vcpu_error(vcpu), "KVM_INTERRUPT"));
	ck_assert_int_eq(libkvm_vcpu_interrupt(vcpu, 32), 0);
	ck_assert_int_eq(libkvm_vcpu_set_guest_debug(vcpu, LIBKVM_DEBUG_SINGLESTEP), -EINVAL);
	ck_assert_int_eq(libkvm_vcpu_set_guest_debug(vcpu, 0x100), -EINVAL);
	ck_assert_int_eq(libkvm_vcpu_set_guest_debug(vcpu, LIBKVM_DEBUG_ENABLE |
						     LIBKVM_DEBUG_SINGLESTEP), 0);
	F.fail_req = OKVM_NMI;
	F.fail_errno = ENOTTY;
	ck_assert_int_eq(libkvm_vcpu_nmi(vcpu), -ENOTTY);
	ck_assert(has(libkvm_vcpu_error(vcpu), "KVM_NMI"));
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST


START_TEST(fpu_goes_through_xsave)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm;
	struct libkvm_vcpu *vcpu;
	struct libkvm_fpu fpu, back;
	uint64_t bv;
	uint32_t mx;

	F.caps[OKVM_CAP_XSAVE] = 1;
	vcpu = fake_vcpu(&sys, &vm);
	memset(F.xsave, 0, sizeof(F.xsave));
	F.xsave[512 + 1] = 0x80;		/* an AVX-512-ish bit stays */
	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = 0x37f;
	fpu.mxcsr = 0x1f80;
	fpu.xmm[15][15] = 0xee;
	fpu.fpr[7][9] = 0x3f;
	ck_assert_int_eq(libkvm_vcpu_set_fpu(vcpu, &fpu), 0);
	ck_assert_int_eq(F.xsave_sets, 1);
	memcpy(&bv, F.xsave + 512, 8);
	ck_assert_uint_eq(bv, 0x8003);		/* x87 and SSE now present */
	memcpy(&mx, F.xsave + 24, 4);
	ck_assert_uint_eq(mx, 0x1f80);
	ck_assert_uint_eq(F.xsave[160 + 15 * 16 + 15], 0xee);
	ck_assert_uint_eq(F.xsave[32 + 7 * 16 + 9], 0x3f);
	ck_assert_int_eq(libkvm_vcpu_get_fpu(vcpu, &back), 0);
	ck_assert(!memcmp(&back, &fpu, sizeof(fpu)));
	F.fail_req = OKVM_GET_XSAVE;
	F.fail_errno = EINVAL;
	ck_assert_int_eq(libkvm_vcpu_set_fpu(vcpu, &fpu), -EINVAL);
	ck_assert_str_eq(libkvm_vcpu_error(vcpu), "KVM_GET_XSAVE: Invalid argument");
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

struct loop_log {
	int io_calls;
	uint8_t bytes[4];
	int stop_with;
};

static int on_io(void *opaque, struct libkvm_vcpu *vcpu, uint16_t port,
		 int is_write, void *data, uint32_t size)
{
	struct loop_log *l = opaque;

	(void)vcpu;
	ck_assert_uint_eq(port, 0x3f8);
	ck_assert_int_eq(is_write, 1);
	ck_assert_uint_eq(size, 1);
	l->bytes[l->io_calls++ & 3] = *(uint8_t *)data;
	return 0;
}

static int on_hlt(void *opaque, struct libkvm_vcpu *vcpu)
{
	(void)vcpu;
	return ((struct loop_log *)opaque)->stop_with;
}

START_TEST(loop_dispatches_and_stops)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm;
	struct libkvm_vcpu *vcpu = fake_vcpu(&sys, &vm);
	struct libkvm_handlers h = { .size = sizeof(h), .io = on_io, .hlt = on_hlt };
	struct loop_log log = { .stop_with = 7 };
	struct libkvm_exit ex;
	uint8_t *page = (uint8_t *)F.run;

	F.nruns = 3;
	F.run_state[0].exit_reason = OKVM_EXIT_IO;
	F.run_state[0].io.direction = OKVM_EXIT_IO_OUT;
	F.run_state[0].io.size = 1;
	F.run_state[0].io.count = 2;
	F.run_state[0].io.port = 0x3f8;
	F.run_state[0].io.data_offset = 4096;
	page[4096] = 'o';
	page[4097] = 'k';
	F.run_state[1].exit_reason = OKVM_EXIT_HLT;
	ck_assert_int_eq(libkvm_vcpu_loop(vcpu, &h, &log, &ex), 7);
	ck_assert_int_eq(log.io_calls, 2);
	ck_assert(!memcmp(log.bytes, "ok", 2));
	ck_assert_uint_eq(ex.kind, LIBKVM_EXIT_HLT);
	/* No handler for this exit: the loop hands it back. */
	F.run_state[2].exit_reason = OKVM_EXIT_SHUTDOWN;
	ck_assert_int_eq(libkvm_vcpu_loop(vcpu, &h, &log, &ex), 0);
	ck_assert_uint_eq(ex.kind, LIBKVM_EXIT_SHUTDOWN);
	h.size = 2;
	ck_assert_int_eq(libkvm_vcpu_loop(vcpu, &h, &log, &ex), -EINVAL);
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

/* ---- set-up helpers ----------------------------------------------------------- */

START_TEST(gdt_entry_encoding)
{
	ck_assert_uint_eq(libkvm__gdt_entry(0, 0xfffff, 0x9b, 0xa), 0x00af9b000000ffffull);
	ck_assert_uint_eq(libkvm__gdt_entry(0, 0xfffff, 0x93, 0xc), 0x00cf93000000ffffull);
	ck_assert_uint_eq(libkvm__gdt_entry(0x12345678, 0x67, 0x8b, 0),
			  0x12008b3456780067ull);
}
END_TEST

static struct libkvm_setup base_setup(uint32_t mode)
{
	struct libkvm_setup s;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.mode = mode;
	s.entry = 0x100000;
	s.stack = 0x80000;
	s.tables = 0x10000;
	return s;
}

static uint8_t tables[LIBKVM_SETUP_TABLES_SIZE];

START_TEST(setup_long_mode_state)
{
	struct libkvm_setup s = base_setup(LIBKVM_MODE_LONG64);
	struct libkvm_regs r;
	struct libkvm_sregs sr;
	char err[LIBKVM_ERR_LEN];
	uint64_t e;

	s.map_size = 3ull << 30;
	ck_assert_int_eq(libkvm__setup_state(&s, &r, &sr, tables, err), 0);
	ck_assert_uint_eq(r.rip, 0x100000);
	ck_assert_uint_eq(r.rsp, 0x80000);
	ck_assert_uint_eq(r.rflags, 2);
	ck_assert_uint_eq(sr.cr0 & 0x80000001, 0x80000001);
	ck_assert_uint_eq(sr.cr4 & 0x20, 0x20);
	ck_assert_uint_eq(sr.efer, 0x500);
	ck_assert_uint_eq(sr.cr3, 0x11000);
	ck_assert_uint_eq(sr.cs.l, 1);
	ck_assert_uint_eq(sr.cs.db, 0);
	ck_assert_uint_eq(sr.cs.selector, LIBKVM_SEL_CODE64);
	ck_assert_uint_eq(sr.gdt.base, 0x10000);
	ck_assert_uint_eq(sr.tr.type, 0xb);
	memcpy(&e, tables + 0x1000, 8);
	ck_assert_uint_eq(e, 0x12000 | 3);
	memcpy(&e, tables + 0x2000 + 2 * 8, 8);
	ck_assert_uint_eq(e, 0x15000 | 3);
	memcpy(&e, tables + 0x2000 + 3 * 8, 8);
	ck_assert_uint_eq(e, 0);		/* 3 GiB asked: no 4th PD */
	memcpy(&e, tables + 0x3000 + 513 * 8, 8);
	ck_assert_uint_eq(e, (513ull << 21) | 0x83);
	memcpy(&e, tables + LIBKVM_SEL_CODE64, 8);
	ck_assert_uint_eq(e, 0x00af9b000000ffffull);
}
END_TEST

START_TEST(setup_prot32_state)
{
	struct libkvm_setup s = base_setup(LIBKVM_MODE_PROT32);
	struct libkvm_regs r;
	struct libkvm_sregs sr;
	char err[LIBKVM_ERR_LEN];

	ck_assert_int_eq(libkvm__setup_state(&s, &r, &sr, tables, err), 0);
	ck_assert_uint_eq(sr.cr0 & 0x80000001, 1);
	ck_assert_uint_eq(sr.efer, 0);
	ck_assert_uint_eq(sr.cs.db, 1);
	ck_assert_uint_eq(sr.cs.l, 0);
	ck_assert_uint_eq(sr.cs.selector, LIBKVM_SEL_CODE32);
	ck_assert_uint_eq(sr.ss.selector, LIBKVM_SEL_DATA);
	ck_assert_uint_eq(sr.ss.limit, 0xffffffff);
}
END_TEST

START_TEST(setup_real_mode_state)
{
	struct libkvm_setup s = base_setup(LIBKVM_MODE_REAL);
	struct libkvm_regs r;
	struct libkvm_sregs sr;
	char err[LIBKVM_ERR_LEN];

	s.entry = 0x12345;
	s.stack = 0x20000;
	ck_assert_int_eq(libkvm__setup_state(&s, &r, &sr, tables, err), 0);
	ck_assert_uint_eq(sr.cs.base, 0x10000);
	ck_assert_uint_eq(sr.cs.selector, 0x1000);
	ck_assert_uint_eq(r.rip, 0x2345);
	ck_assert_uint_eq(sr.ss.base, 0x10000);
	ck_assert_uint_eq(r.rsp, 0);		/* top of the 64 KiB segment */
	ck_assert_uint_eq(sr.cr0 & 1, 0);
	ck_assert_uint_eq(sr.idt.limit, 0x3ff);
	s.stack = 0x7000;
	ck_assert_int_eq(libkvm__setup_state(&s, &r, &sr, tables, err), 0);
	ck_assert_uint_eq(sr.ss.base, 0);
	ck_assert_uint_eq(r.rsp, 0x7000);
}
END_TEST

START_TEST(setup_rejects_bad_input)
{
	struct libkvm_setup s;
	struct libkvm_regs r;
	struct libkvm_sregs sr;
	char err[LIBKVM_ERR_LEN];
	struct {
		struct libkvm_setup s;
		uint64_t extra;
	} big;

	s = base_setup(LIBKVM_MODE_REAL);
	ck_assert_int_eq(libkvm__setup_state(&s, &r, &sr, tables, err), -EINVAL);
	ck_assert(has(err, "below 1 MiB"));
	s = base_setup(9);
	ck_assert_int_eq(libkvm__setup_state(&s, &r, &sr, tables, err), -EINVAL);
	ck_assert(has(err, "unknown mode"));
	s = base_setup(LIBKVM_MODE_LONG64);
	s.tables = 0x10800;
	ck_assert_int_eq(libkvm__setup_state(&s, &r, &sr, tables, err), -EINVAL);
	s = base_setup(LIBKVM_MODE_LONG64);
	s.map_size = 5ull << 30;
	ck_assert_int_eq(libkvm__setup_state(&s, &r, &sr, tables, err), -EINVAL);
	s = base_setup(LIBKVM_MODE_LONG64);
	s.reserved[1] = 1;
	ck_assert_int_eq(libkvm__setup_state(&s, &r, &sr, tables, err), -EINVAL);
	s.size = 0;
	ck_assert_int_eq(libkvm__setup_state(&s, &r, &sr, tables, err), -EINVAL);
	ck_assert_int_eq(libkvm__setup_state(NULL, &r, &sr, tables, err), -EINVAL);
	/* A newer caller's longer struct works while the new part is zero. */
	memset(&big, 0, sizeof(big));
	big.s = base_setup(LIBKVM_MODE_LONG64);
	big.s.size = sizeof(big);
	ck_assert_int_eq(libkvm__setup_state(&big.s, &r, &sr, tables, err), 0);
	big.extra = 1;
	ck_assert_int_eq(libkvm__setup_state(&big.s, &r, &sr, tables, err), -EINVAL);
	ck_assert(has(err, "unknown fields"));
}
END_TEST

static Suite *unit_suite(void)
{
	Suite *s = suite_create("libkvm-unit");
	TCase *t;

	t = tcase_create("sys");
	tcase_add_checked_fixture(t, fake_reset, NULL);
	tcase_add_test(t, open_default_prefers_okvm);
	tcase_add_test(t, open_falls_back_to_kvm);
	tcase_add_test(t, open_env_overrides_default);
	tcase_add_test(t, open_explicit_path_overrides_env);
	tcase_add_test(t, open_env_missing_does_not_fall_back);
	tcase_add_test(t, open_nothing_names_every_path);
	tcase_add_test(t, open_permission_error_stops);
	tcase_add_test(t, open_api_version_mismatch);
	tcase_add_test(t, open_small_run_page_refused);
	tcase_add_test(t, open_twice_is_busy);
	tcase_add_test(t, calls_before_open_fail);
	tcase_add_test(t, null_handles_are_einval);
	tcase_add_test(t, check_extension_error_names_ioctl);
	tcase_add_test(t, require_all_present);
	tcase_add_test(t, require_says_what_and_why);
	tcase_add_test(t, require_unknown_bits);
	tcase_add_test(t, feature_names_complete);
	tcase_add_test(t, kick_signal_rules);
	tcase_add_test(t, version_string);
	suite_add_tcase(s, t);

	t = tcase_create("memory");
	tcase_add_checked_fixture(t, fake_reset, NULL);
	tcase_add_test(t, slots_table_sorted_and_ids_reused);
	tcase_add_test(t, map_argument_checks);
	tcase_add_test(t, map_issues_region_with_flags);
	tcase_add_test(t, map_overlap_refused);
	tcase_add_test(t, map_readonly_needs_cap);
	tcase_add_test(t, map_kernel_failure_rolls_back);
	tcase_add_test(t, map_slots_exhausted);
	tcase_add_test(t, unmap_whole_map);
	tcase_add_test(t, unmap_splits_a_map);
	tcase_add_test(t, unmap_across_two_maps);
	tcase_add_test(t, gpa_to_hva_bounds);
	tcase_add_test(t, read_write_span_adjacent_maps);
	tcase_add_test(t, alloc_is_owned_and_survives_split);
	tcase_add_test(t, dirty_log_fetch);
	suite_add_tcase(s, t);

	t = tcase_create("exit");
	tcase_add_test(t, decode_io);
	tcase_add_test(t, decode_io_rejects_bad_data);
	tcase_add_test(t, decode_mmio);
	tcase_add_test(t, decode_every_kind);
	tcase_add_test(t, decode_payloads);
	tcase_add_test(t, exit_kind_names);
	tcase_add_test(t, exit_struct_has_room);
	suite_add_tcase(s, t);

	t = tcase_create("vcpu");
	tcase_add_checked_fixture(t, fake_reset, NULL);
	tcase_add_test(t, vcpu_create_failure_message_in_vm);
	tcase_add_test(t, run_error_names_ioctl);
	tcase_add_test(t, run_pending_kick_is_reported_once);
	tcase_add_test(t, kick_needs_immediate_exit);
	tcase_add_test(t, run_decodes_through_run_page);
	tcase_add_test(t, regs_round_trip);
	tcase_add_test(t, sregs_conversion);
	tcase_add_test(t, msrs_partial_names_the_msr);
	tcase_add_test(t, fpu_goes_through_xsave);
	tcase_add_test(t, injection_and_debug_arguments);
	tcase_add_test(t, loop_dispatches_and_stops);
	suite_add_tcase(s, t);

	t = tcase_create("setup");
	tcase_add_test(t, gdt_entry_encoding);
	tcase_add_test(t, setup_long_mode_state);
	tcase_add_test(t, setup_prot32_state);
	tcase_add_test(t, setup_real_mode_state);
	tcase_add_test(t, setup_rejects_bad_input);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return harness_run(unit_suite(), "libkvm-unit") ? 1 : 0;
}
