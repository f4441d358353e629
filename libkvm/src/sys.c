// SPDX-License-Identifier: MIT
/* The system handle: device selection, API check, capabilities. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static int real_open(void *ctx, const char *path)
{
	int fd;

	(void)ctx;
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static void real_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

static int real_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	int r;

	(void)ctx;
	r = ioctl(fd, req, arg);
	return r < 0 ? -errno : r;
}

static void *real_map_run(void *ctx, int fd, size_t size, int *err)
{
	void *p;

	(void)ctx;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		*err = errno;
		return NULL;
	}
	return p;
}

static void real_unmap_run(void *ctx, void *p, size_t size)
{
	(void)ctx;
	munmap(p, size);
}

const struct libkvm_ops libkvm__sys_ops = {
	.open = real_open,
	.close = real_close,
	.ioctl = real_ioctl,
	.map_run = real_map_run,
	.unmap_run = real_unmap_run,
};

LIBKVM_API const char *libkvm_version(void)
{
	return LIBKVM_VERSION_STRING;
}

LIBKVM_API int libkvm_sys_new(struct libkvm_sys **sysp)
{
	struct libkvm_sys *sys;

	if (!sysp)
		return -EINVAL;
	*sysp = NULL;
	sys = calloc(1, sizeof(*sys));
	if (!sys)
		return -ENOMEM;
	sys->fd = -1;
	sys->kick_signal = SIGUSR2;
	sys->ops = &libkvm__sys_ops;
	*sysp = sys;
	return 0;
}

void libkvm__sys_set_ops(struct libkvm_sys *sys, const struct libkvm_ops *ops,
			 void *ctx)
{
	sys->ops = ops;
	sys->ops_ctx = ctx;
}

/* Try one path; 0, or -errno with the reason appended to why. */
static int try_open(struct libkvm_sys *sys, const char *path, char *why,
		    size_t whylen)
{
	char sbuf[96];
	size_t used = strlen(why);
	int fd;

	fd = sys->ops->open(sys->ops_ctx, path);
	if (fd < 0) {
		snprintf(why + used, whylen - used, "%sopen %s: %s",
			 used ? "; " : "", path,
			 strerror_r(-fd, sbuf, sizeof(sbuf)));
		return fd;
	}
	sys->fd = fd;
	snprintf(sys->path, sizeof(sys->path), "%s", path);
	return 0;
}

LIBKVM_API int libkvm_sys_open(struct libkvm_sys *sys, const char *path)
{
	static const char *const defaults[] = { "/dev/okvm", "/dev/kvm" };
	char why[LIBKVM_ERR_LEN] = "";
	const char *env;
	int r = -ENOENT;
	unsigned int i;

	if (!sys)
		return -EINVAL;
	if (sys->fd >= 0)
		return libkvm__fail(sys->err, EBUSY, "libkvm_sys_open: already open (%s)",
				    sys->path);
	env = getenv("LIBKVM_DEVICE");
	if (path && !path[0])
		return libkvm__fail(sys->err, EINVAL, "libkvm_sys_open: empty path");
	if (path) {
		r = try_open(sys, path, why, sizeof(why));
	} else if (env && env[0]) {
		r = try_open(sys, env, why, sizeof(why));
	} else {
		for (i = 0; i < 2; i++) {
			r = try_open(sys, defaults[i], why, sizeof(why));
			/* Only a missing device moves on to the next one. */
			if (r != -ENOENT && r != -ENXIO && r != -ENODEV)
				break;
		}
	}
	if (r < 0)
		return libkvm__fail(sys->err, -r, "%s%s", why,
				    path || (env && env[0]) ? "" :
				    " (set LIBKVM_DEVICE or pass a path)");

	r = libkvm__ioctl(sys, sys->fd, OKVM_GET_API_VERSION, NULL);
	if (r < 0) {
		libkvm__fail_ioctl(sys->err, r, "KVM_GET_API_VERSION", "%s", sys->path);
		goto fail;
	}
	sys->api_version = r;
	if (r != OKVM_API_VERSION) {
		r = libkvm__fail(sys->err, EPROTO,
				 "KVM_GET_API_VERSION: %s reports API %d, libkvm needs %d",
				 sys->path, sys->api_version, OKVM_API_VERSION);
		goto fail;
	}
	r = libkvm__ioctl(sys, sys->fd, OKVM_GET_VCPU_MMAP_SIZE, NULL);
	if (r < 0) {
		libkvm__fail_ioctl(sys->err, r, "KVM_GET_VCPU_MMAP_SIZE", "%s", sys->path);
		goto fail;
	}
	if ((size_t)r < sizeof(struct okvm_run)) {
		r = libkvm__fail(sys->err, EPROTO,
				 "KVM_GET_VCPU_MMAP_SIZE: %d is smaller than the run page (%zu)",
				 r, sizeof(struct okvm_run));
		goto fail;
	}
	sys->run_size = (size_t)r;
	return 0;
fail:
	sys->ops->close(sys->ops_ctx, sys->fd);
	sys->fd = -1;
	sys->path[0] = 0;
	return r;
}

LIBKVM_API void libkvm_sys_free(struct libkvm_sys *sys)
{
	if (!sys)
		return;
	if (sys->fd >= 0)
		sys->ops->close(sys->ops_ctx, sys->fd);
	free(sys);
}

LIBKVM_API const char *libkvm_sys_error(const struct libkvm_sys *sys)
{
	return sys ? sys->err : "no system handle";
}

LIBKVM_API const char *libkvm_sys_path(const struct libkvm_sys *sys)
{
	return sys && sys->fd >= 0 ? sys->path : NULL;
}

LIBKVM_API int libkvm_sys_fd(const struct libkvm_sys *sys)
{
	return sys ? sys->fd : -1;
}

static int need_open(struct libkvm_sys *sys, const char *fn)
{
	if (sys->fd < 0)
		return libkvm__fail(sys->err, EBADF, "%s: device not open", fn);
	return 0;
}

LIBKVM_API int libkvm_sys_check_extension(struct libkvm_sys *sys, long cap)
{
	int r;

	if (!sys)
		return -EINVAL;
	r = need_open(sys, "libkvm_sys_check_extension");
	if (r)
		return r;
	r = libkvm__ioctl(sys, sys->fd, OKVM_CHECK_EXTENSION, (void *)cap);
	if (r < 0)
		return libkvm__fail_ioctl(sys->err, r, "KVM_CHECK_EXTENSION", "cap %ld", cap);
	return r;
}

struct feature {
	const char *name;
	const char *cap_name;
	long cap;
	const char *reason;
};

static const struct feature features[LIBKVM_FEAT_COUNT] = {
	{ "user-memory", "KVM_CAP_USER_MEMORY", OKVM_CAP_USER_MEMORY,
	  "libkvm_vm_map/alloc cannot give the guest any memory" },
	{ "readonly-mem", "KVM_CAP_READONLY_MEM", OKVM_CAP_READONLY_MEM,
	  "LIBKVM_MAP_READONLY maps (ROM, writes as MMIO exits) are refused" },
	{ "immediate-exit", "KVM_CAP_IMMEDIATE_EXIT", OKVM_CAP_IMMEDIATE_EXIT,
	  "libkvm_vcpu_kick cannot stop a vcpu reliably, so it is refused" },
	{ "cpuid", "KVM_CAP_EXT_CPUID", OKVM_CAP_EXT_CPUID,
	  "libkvm_sys_get_supported_cpuid and libkvm_vcpu_set_cpuid fail" },
	{ "nmi", "KVM_CAP_USER_NMI", OKVM_CAP_USER_NMI,
	  "libkvm_vcpu_nmi fails" },
	{ "guest-debug", "KVM_CAP_SET_GUEST_DEBUG", OKVM_CAP_SET_GUEST_DEBUG,
	  "libkvm_vcpu_set_guest_debug fails: no single-step or debug exits" },
	{ "tss-addr", "KVM_CAP_SET_TSS_ADDR", OKVM_CAP_SET_TSS_ADDR,
	  "real-mode guests may not run on Intel CPUs without unrestricted guest" },
};

static int feature_index(uint64_t feature)
{
	int i;

	for (i = 0; i < LIBKVM_FEAT_COUNT; i++)
		if (feature == (1ULL << i))
			return i;
	return -1;
}

LIBKVM_API const char *libkvm_feature_name(uint64_t feature)
{
	int i = feature_index(feature);

	return i < 0 ? NULL : features[i].name;
}

LIBKVM_API const char *libkvm_feature_reason(uint64_t feature)
{
	int i = feature_index(feature);

	return i < 0 ? NULL : features[i].reason;
}

LIBKVM_API int libkvm_sys_require(struct libkvm_sys *sys, uint64_t mask,
				  uint64_t *missing)
{
	char msg[LIBKVM_ERR_LEN * 4];
	uint64_t miss = 0;
	size_t used;
	int i, r;

	if (missing)
		*missing = 0;
	if (!sys)
		return -EINVAL;
	if (mask >> LIBKVM_FEAT_COUNT)
		return libkvm__fail(sys->err, EINVAL,
				    "libkvm_sys_require: unknown feature bits 0x%llx",
				    (unsigned long long)(mask >> LIBKVM_FEAT_COUNT << LIBKVM_FEAT_COUNT));
	r = need_open(sys, "libkvm_sys_require");
	if (r)
		return r;
	used = (size_t)snprintf(msg, sizeof(msg), "%s lacks", sys->path);
	for (i = 0; i < LIBKVM_FEAT_COUNT; i++) {
		if (!(mask & (1ULL << i)))
			continue;
		r = libkvm__ioctl(sys, sys->fd, OKVM_CHECK_EXTENSION,
				  (void *)features[i].cap);
		if (r < 0)
			return libkvm__fail_ioctl(sys->err, r, "KVM_CHECK_EXTENSION",
						  "%s", features[i].cap_name);
		if (r > 0)
			continue;
		miss |= 1ULL << i;
		if (used < sizeof(msg))
			used += (size_t)snprintf(msg + used, sizeof(msg) - used,
						 "%s %s (%s: %s)", miss == (1ULL << i) ? "" : ";",
						 features[i].name, features[i].cap_name,
						 features[i].reason);
	}
	if (missing)
		*missing = miss;
	if (!miss)
		return 0;
	return libkvm__fail(sys->err, ENOTSUP, "%s", msg);
}

LIBKVM_API int libkvm_sys_set_kick_signal(struct libkvm_sys *sys, int signo)
{
	if (!sys)
		return -EINVAL;
	if (signo <= 0 || signo >= NSIG || signo == SIGKILL || signo == SIGSTOP)
		return libkvm__fail(sys->err, EINVAL,
				    "libkvm_sys_set_kick_signal: bad signal %d", signo);
	if (sys->vcpus_made)
		return libkvm__fail(sys->err, EBUSY,
				    "libkvm_sys_set_kick_signal: vcpus already exist");
	sys->kick_signal = signo;
	return 0;
}

static void cpuid_from_abi(const struct okvm_cpuid_entry2 *in,
			   struct libkvm_cpuid_entry *out)
{
	memset(out, 0, sizeof(*out));
	out->function = in->function;
	out->index = in->index;
	out->flags = in->flags & OKVM_CPUID_FLAG_SIGNIFICANT_INDEX ?
		     LIBKVM_CPUID_F_SIGNIFICANT_INDEX : 0;
	out->eax = in->eax;
	out->ebx = in->ebx;
	out->ecx = in->ecx;
	out->edx = in->edx;
}

LIBKVM_API int libkvm_sys_get_supported_cpuid(struct libkvm_sys *sys,
					      struct libkvm_cpuid_entry *entries,
					      uint32_t *nent)
{
	struct okvm_cpuid2 *c;
	uint32_t i, room;
	int r;

	if (!sys)
		return -EINVAL;
	if (!nent || (*nent && !entries))
		return libkvm__fail(sys->err, EINVAL,
				    "libkvm_sys_get_supported_cpuid: NULL argument");
	r = need_open(sys, "libkvm_sys_get_supported_cpuid");
	if (r)
		return r;
	room = *nent;
	if (room > 4096)
		room = 4096;
	c = calloc(1, sizeof(*c) + room * sizeof(c->entries[0]));
	if (!c)
		return libkvm__fail(sys->err, ENOMEM, "libkvm_sys_get_supported_cpuid: out of memory");
	c->nent = room;
	r = libkvm__ioctl(sys, sys->fd, OKVM_GET_SUPPORTED_CPUID, c);
	if (r < 0) {
		free(c);
		return libkvm__fail_ioctl(sys->err, r, "KVM_GET_SUPPORTED_CPUID",
					  "room for %u entries", room);
	}
	if (c->nent > room) {
		free(c);
		return libkvm__fail(sys->err, EPROTO,
				    "KVM_GET_SUPPORTED_CPUID: device returned more entries than asked");
	}
	for (i = 0; i < c->nent; i++)
		cpuid_from_abi(&c->entries[i], &entries[i]);
	*nent = c->nent;
	free(c);
	return 0;
}
