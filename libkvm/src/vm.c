// SPDX-License-Identifier: MIT
/* The VM handle and guest memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

/* Where Intel real mode wants its scratch pages (3 pages below 4G - 16M). */
#define IDENTITY_MAP_GPA	0xfeffc000ull
#define TSS_GPA			0xfeffd000ull
#define DEFAULT_MEMSLOTS	32

LIBKVM_API int libkvm_vm_create(struct libkvm_sys *sys, struct libkvm_vm **vmp)
{
	struct libkvm_vm *vm;
	int r, nslots;

	if (!sys)
		return -EINVAL;
	if (!vmp)
		return libkvm__fail(sys->err, EINVAL, "libkvm_vm_create: NULL vmp");
	*vmp = NULL;
	if (sys->fd < 0)
		return libkvm__fail(sys->err, EBADF, "libkvm_vm_create: device not open");
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return libkvm__fail(sys->err, ENOMEM, "libkvm_vm_create: out of memory");
	vm->sys = sys;
	pthread_mutex_init(&vm->lock, NULL);
	r = libkvm__ioctl(sys, sys->fd, OKVM_CREATE_VM, NULL);
	if (r < 0) {
		libkvm__fail_ioctl(sys->err, r, "KVM_CREATE_VM", "%s", sys->path);
		goto fail;
	}
	vm->fd = r;

	nslots = libkvm__ioctl(sys, vm->fd, OKVM_CHECK_EXTENSION,
			       (void *)(long)OKVM_CAP_NR_MEMSLOTS);
	if (nslots <= 0)
		nslots = DEFAULT_MEMSLOTS;
	libkvm__slots_init(&vm->slots, (uint32_t)nslots);

	if (libkvm__ioctl(sys, sys->fd, OKVM_CHECK_EXTENSION,
			  (void *)(long)OKVM_CAP_SET_TSS_ADDR) > 0) {
		r = libkvm__ioctl(sys, vm->fd, OKVM_SET_TSS_ADDR,
				  (void *)(unsigned long)TSS_GPA);
		if (r < 0) {
			libkvm__fail_ioctl(sys->err, r, "KVM_SET_TSS_ADDR", "0x%llx",
					   TSS_GPA);
			goto fail_fd;
		}
	}
	if (libkvm__ioctl(sys, sys->fd, OKVM_CHECK_EXTENSION,
			  (void *)(long)OKVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) {
		uint64_t addr = IDENTITY_MAP_GPA;

		r = libkvm__ioctl(sys, vm->fd, OKVM_SET_IDENTITY_MAP_ADDR, &addr);
		if (r < 0) {
			libkvm__fail_ioctl(sys->err, r, "KVM_SET_IDENTITY_MAP_ADDR",
					   "0x%llx", IDENTITY_MAP_GPA);
			goto fail_fd;
		}
	}
	*vmp = vm;
	return 0;
fail_fd:
	sys->ops->close(sys->ops_ctx, vm->fd);
	libkvm__slots_fini(&vm->slots);
fail:
	pthread_mutex_destroy(&vm->lock);
	free(vm);
	return r;
}

LIBKVM_API void libkvm_vm_destroy(struct libkvm_vm *vm)
{
	uint32_t i;

	if (!vm)
		return;
	while (vm->vcpus)
		libkvm_vcpu_destroy(vm->vcpus);
	vm->sys->ops->close(vm->sys->ops_ctx, vm->fd);
	/* The kernel dropped the slots with the fd; now the memory can go. */
	for (i = 0; i < vm->slots.n; i++)
		if (vm->slots.v[i].owned)
			munmap(vm->slots.v[i].hva, vm->slots.v[i].size);
	libkvm__slots_fini(&vm->slots);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}

LIBKVM_API const char *libkvm_vm_error(const struct libkvm_vm *vm)
{
	return vm ? vm->err : "no VM handle";
}

LIBKVM_API int libkvm_vm_fd(const struct libkvm_vm *vm)
{
	return vm ? vm->fd : -1;
}

LIBKVM_API struct libkvm_sys *libkvm_vm_sys(const struct libkvm_vm *vm)
{
	return vm ? vm->sys : NULL;
}

static int set_region(struct libkvm_vm *vm, uint32_t id, uint32_t flags,
		      uint64_t gpa, uint64_t size, void *hva)
{
	struct okvm_userspace_memory_region r;
	int ret;

	memset(&r, 0, sizeof(r));
	r.slot = id;
	r.flags = (flags & LIBKVM_MAP_READONLY ? OKVM_MEM_READONLY : 0) |
		  (flags & LIBKVM_MAP_DIRTY_LOG ? OKVM_MEM_LOG_DIRTY_PAGES : 0);
	r.guest_phys_addr = gpa;
	r.memory_size = size;
	r.userspace_addr = (uint64_t)(uintptr_t)hva;
	ret = libkvm__ioctl(vm->sys, vm->fd, OKVM_SET_USER_MEMORY_REGION, &r);
	if (ret < 0)
		return libkvm__fail_ioctl(vm->err, ret, "KVM_SET_USER_MEMORY_REGION",
					  "slot %u, gpa 0x%llx, size 0x%llx%s", id,
					  (unsigned long long)gpa,
					  (unsigned long long)size,
					  size ? "" : ", delete");
	return 0;
}

/* Add a map; the caller holds vm->lock. */
static int map_locked(struct libkvm_vm *vm, uint64_t gpa, void *hva,
		      uint64_t size, uint32_t flags, int owned)
{
	struct libkvm_slot slot;
	int idx, r;

	if (flags & ~(LIBKVM_MAP_READONLY | LIBKVM_MAP_DIRTY_LOG))
		return libkvm__fail(vm->err, EINVAL, "libkvm_vm_map: unknown flags 0x%x",
				    flags);
	if (libkvm__map_args_ok(gpa, hva, size))
		return libkvm__fail(vm->err, EINVAL,
				    "libkvm_vm_map: gpa 0x%llx, hva %p, size 0x%llx must be "
				    "non-empty, 4 KiB aligned and not wrap",
				    (unsigned long long)gpa, hva, (unsigned long long)size);
	idx = libkvm__slots_overlap(&vm->slots, gpa, size);
	if (idx >= 0)
		return libkvm__fail(vm->err, EEXIST,
				    "libkvm_vm_map: 0x%llx+0x%llx overlaps the map at 0x%llx+0x%llx",
				    (unsigned long long)gpa, (unsigned long long)size,
				    (unsigned long long)vm->slots.v[idx].gpa,
				    (unsigned long long)vm->slots.v[idx].size);
	if (flags & LIBKVM_MAP_READONLY) {
		r = libkvm__ioctl(vm->sys, vm->fd, OKVM_CHECK_EXTENSION,
				  (void *)(long)OKVM_CAP_READONLY_MEM);
		if (r <= 0)
			return libkvm__fail(vm->err, ENOTSUP,
					    "libkvm_vm_map: LIBKVM_MAP_READONLY needs KVM_CAP_READONLY_MEM, "
					    "which %s lacks", vm->sys->path);
	}
	memset(&slot, 0, sizeof(slot));
	if (libkvm__slots_free_id(&vm->slots, &slot.id))
		return libkvm__fail(vm->err, ENOSPC,
				    "libkvm_vm_map: all %u memory slots are in use",
				    vm->slots.max_ids);
	slot.flags = flags;
	slot.gpa = gpa;
	slot.size = size;
	slot.hva = hva;
	slot.owned = owned;
	/* Reserve the table entry first so a kernel success is never lost. */
	r = libkvm__slots_add(&vm->slots, &slot);
	if (r)
		return libkvm__fail(vm->err, -r, "libkvm_vm_map: out of memory");
	r = set_region(vm, slot.id, flags, gpa, size, hva);
	if (r)
		libkvm__slots_remove(&vm->slots, libkvm__slots_find(&vm->slots, gpa));
	return r;
}

LIBKVM_API int libkvm_vm_map(struct libkvm_vm *vm, uint64_t gpa, void *hva,
			     uint64_t size, uint32_t flags)
{
	int r;

	if (!vm)
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	r = map_locked(vm, gpa, hva, size, flags, 0);
	pthread_mutex_unlock(&vm->lock);
	return r;
}

LIBKVM_API int libkvm_vm_alloc(struct libkvm_vm *vm, uint64_t gpa, uint64_t size,
			       uint32_t flags, void **hvap)
{
	void *p;
	int r;

	if (!vm)
		return -EINVAL;
	if (hvap)
		*hvap = NULL;
	if (!size || size & (LIBKVM_PAGE - 1))
		return libkvm__fail(vm->err, EINVAL,
				    "libkvm_vm_alloc: size 0x%llx must be a non-zero multiple of 4 KiB",
				    (unsigned long long)size);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return libkvm__fail(vm->err, errno,
				    "libkvm_vm_alloc: mmap of 0x%llx bytes failed",
				    (unsigned long long)size);
	pthread_mutex_lock(&vm->lock);
	r = map_locked(vm, gpa, p, size, flags, 1);
	pthread_mutex_unlock(&vm->lock);
	if (r) {
		munmap(p, size);
		return r;
	}
	if (hvap)
		*hvap = p;
	return 0;
}

/* Re-add the part [gpa, gpa+size) of a removed slot e. */
static int readd_piece(struct libkvm_vm *vm, const struct libkvm_slot *e,
		       uint64_t gpa, uint64_t size)
{
	struct libkvm_slot piece = *e;
	int r;

	if (libkvm__slots_free_id(&vm->slots, &piece.id))
		return libkvm__fail(vm->err, ENOSPC,
				    "libkvm_vm_unmap: no free memory slot for the split");
	piece.gpa = gpa;
	piece.size = size;
	piece.hva = (uint8_t *)e->hva + (gpa - e->gpa);
	r = libkvm__slots_add(&vm->slots, &piece);
	if (r)
		return libkvm__fail(vm->err, -r, "libkvm_vm_unmap: out of memory");
	r = set_region(vm, piece.id, piece.flags, piece.gpa, piece.size, piece.hva);
	if (r)
		libkvm__slots_remove(&vm->slots, libkvm__slots_find(&vm->slots, gpa));
	return r;
}

LIBKVM_API int libkvm_vm_unmap(struct libkvm_vm *vm, uint64_t gpa, uint64_t size)
{
	uint64_t end = gpa + size;
	int idx, r = 0, found = 0;

	if (!vm)
		return -EINVAL;
	if (libkvm__map_args_ok(gpa, NULL, size))
		return libkvm__fail(vm->err, EINVAL,
				    "libkvm_vm_unmap: gpa 0x%llx, size 0x%llx must be non-empty, "
				    "4 KiB aligned and not wrap",
				    (unsigned long long)gpa, (unsigned long long)size);
	pthread_mutex_lock(&vm->lock);
	while ((idx = libkvm__slots_overlap(&vm->slots, gpa, size)) >= 0) {
		struct libkvm_slot e = vm->slots.v[idx];
		uint64_t e_end = e.gpa + e.size;
		uint64_t cut_lo = gpa > e.gpa ? gpa : e.gpa;
		uint64_t cut_hi = end < e_end ? end : e_end;

		found = 1;
		r = set_region(vm, e.id, e.flags, e.gpa, 0, e.hva);
		if (r)
			break;
		libkvm__slots_remove(&vm->slots, idx);
		if (e.owned)
			munmap((uint8_t *)e.hva + (cut_lo - e.gpa), cut_hi - cut_lo);
		if (cut_lo > e.gpa) {
			r = readd_piece(vm, &e, e.gpa, cut_lo - e.gpa);
			if (r && e.owned)
				munmap(e.hva, cut_lo - e.gpa);
		}
		if (cut_hi < e_end) {
			int r2 = readd_piece(vm, &e, cut_hi, e_end - cut_hi);

			if (r2 && e.owned)
				munmap((uint8_t *)e.hva + (cut_hi - e.gpa), e_end - cut_hi);
			if (!r)
				r = r2;
		}
		if (r)
			break;
	}
	if (!found && !r)
		r = libkvm__fail(vm->err, ENOENT,
				 "libkvm_vm_unmap: nothing is mapped in 0x%llx+0x%llx",
				 (unsigned long long)gpa, (unsigned long long)size);
	pthread_mutex_unlock(&vm->lock);
	return r;
}

LIBKVM_API int libkvm_vm_map_info(struct libkvm_vm *vm, uint64_t gpa,
				  struct libkvm_map_info *info)
{
	int idx, r = 0;

	if (!vm)
		return -EINVAL;
	if (!info)
		return libkvm__fail(vm->err, EINVAL, "libkvm_vm_map_info: NULL info");
	pthread_mutex_lock(&vm->lock);
	idx = libkvm__slots_find(&vm->slots, gpa);
	if (idx < 0) {
		r = libkvm__fail(vm->err, ENOENT, "libkvm_vm_map_info: 0x%llx is not mapped",
				 (unsigned long long)gpa);
	} else {
		const struct libkvm_slot *e = &vm->slots.v[idx];

		memset(info, 0, sizeof(*info));
		info->gpa = e->gpa;
		info->size = e->size;
		info->hva = e->hva;
		info->flags = e->flags;
		info->slot = e->id;
	}
	pthread_mutex_unlock(&vm->lock);
	return r;
}

LIBKVM_API int libkvm_vm_gpa_to_hva(struct libkvm_vm *vm, uint64_t gpa,
				    uint64_t len, void **hvap)
{
	int idx, r = 0;

	if (!vm)
		return -EINVAL;
	if (!hvap)
		return libkvm__fail(vm->err, EINVAL, "libkvm_vm_gpa_to_hva: NULL hvap");
	*hvap = NULL;
	pthread_mutex_lock(&vm->lock);
	idx = libkvm__slots_find(&vm->slots, gpa);
	if (idx < 0 || gpa + len < gpa ||
	    gpa + len > vm->slots.v[idx].gpa + vm->slots.v[idx].size)
		r = libkvm__fail(vm->err, EFAULT,
				 "libkvm_vm_gpa_to_hva: 0x%llx+0x%llx is not inside one map",
				 (unsigned long long)gpa, (unsigned long long)len);
	else
		*hvap = (uint8_t *)vm->slots.v[idx].hva + (gpa - vm->slots.v[idx].gpa);
	pthread_mutex_unlock(&vm->lock);
	return r;
}

static int copy_guest(struct libkvm_vm *vm, uint64_t gpa, void *buf,
		      size_t len, int write)
{
	uint8_t *p = buf;
	int r = 0;

	if (!vm)
		return -EINVAL;
	if (len && !buf)
		return libkvm__fail(vm->err, EINVAL, "libkvm_vm_%s: NULL buffer",
				    write ? "write" : "read");
	pthread_mutex_lock(&vm->lock);
	while (len) {
		int idx = libkvm__slots_find(&vm->slots, gpa);
		const struct libkvm_slot *e;
		uint64_t n;
		uint8_t *h;

		if (idx < 0) {
			r = libkvm__fail(vm->err, EFAULT, "libkvm_vm_%s: 0x%llx is not mapped",
					 write ? "write" : "read", (unsigned long long)gpa);
			break;
		}
		e = &vm->slots.v[idx];
		n = e->gpa + e->size - gpa;
		if (n > len)
			n = len;
		h = (uint8_t *)e->hva + (gpa - e->gpa);
		if (write)
			memcpy(h, p, n);
		else
			memcpy(p, h, n);
		p += n;
		gpa += n;
		len -= n;
	}
	pthread_mutex_unlock(&vm->lock);
	return r;
}

LIBKVM_API int libkvm_vm_read(struct libkvm_vm *vm, uint64_t gpa, void *buf,
			      size_t len)
{
	return copy_guest(vm, gpa, buf, len, 0);
}

LIBKVM_API int libkvm_vm_write(struct libkvm_vm *vm, uint64_t gpa,
			       const void *buf, size_t len)
{
	return copy_guest(vm, gpa, (void *)buf, len, 1);
}

LIBKVM_API int libkvm_vm_get_dirty_log(struct libkvm_vm *vm, uint64_t gpa,
				       void *bitmap, size_t bitmap_bytes)
{
	struct okvm_dirty_log log;
	struct libkvm_slot e;
	uint64_t pages, *words;
	size_t need;
	int idx, r;

	if (!vm)
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	idx = libkvm__slots_find(&vm->slots, gpa);
	if (idx >= 0)
		e = vm->slots.v[idx];
	pthread_mutex_unlock(&vm->lock);
	if (idx < 0)
		return libkvm__fail(vm->err, ENOENT,
				    "libkvm_vm_get_dirty_log: 0x%llx is not mapped",
				    (unsigned long long)gpa);
	if (!(e.flags & LIBKVM_MAP_DIRTY_LOG))
		return libkvm__fail(vm->err, EINVAL,
				    "libkvm_vm_get_dirty_log: the map at 0x%llx was made without "
				    "LIBKVM_MAP_DIRTY_LOG", (unsigned long long)e.gpa);
	pages = e.size / LIBKVM_PAGE;
	need = (size_t)((pages + 7) / 8);
	if (!bitmap || bitmap_bytes < need)
		return libkvm__fail(vm->err, ERANGE,
				    "libkvm_vm_get_dirty_log: bitmap needs %zu bytes, got %zu",
				    need, bitmap ? bitmap_bytes : 0);
	/* The kernel writes whole 64-bit words. */
	words = calloc((size_t)((pages + 63) / 64), 8);
	if (!words)
		return libkvm__fail(vm->err, ENOMEM, "libkvm_vm_get_dirty_log: out of memory");
	memset(&log, 0, sizeof(log));
	log.slot = e.id;
	log.dirty_bitmap = words;
	r = libkvm__ioctl(vm->sys, vm->fd, OKVM_GET_DIRTY_LOG, &log);
	if (r < 0)
		r = libkvm__fail_ioctl(vm->err, r, "KVM_GET_DIRTY_LOG", "slot %u, gpa 0x%llx",
				       e.id, (unsigned long long)e.gpa);
	else
		memcpy(bitmap, words, need);
	free(words);
	return r < 0 ? r : 0;
}
