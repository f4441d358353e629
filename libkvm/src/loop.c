// SPDX-License-Identifier: MIT
/* The optional dispatch loop over libkvm_vcpu_run(). */
#include <errno.h>

#include "internal.h"

LIBKVM_API int libkvm_vcpu_loop(struct libkvm_vcpu *vcpu,
				const struct libkvm_handlers *h, void *opaque,
				struct libkvm_exit *exit)
{
	struct libkvm_handlers hs = { 0 };
	uint32_t i;
	int r;

	if (!vcpu)
		return -EINVAL;
	if (!exit || !h)
		return libkvm__fail(vcpu->err, EINVAL, "libkvm_vcpu_loop: NULL argument");
	if (h->size < 8)
		return libkvm__fail(vcpu->err, EINVAL,
				    "libkvm_vcpu_loop: handlers.size must be sizeof(struct libkvm_handlers)");
	/* An older, shorter table leaves the newer handlers NULL. */
	__builtin_memcpy(&hs, h, h->size < sizeof(hs) ? h->size : sizeof(hs));

	for (;;) {
		r = libkvm_vcpu_run(vcpu, exit);
		if (r)
			return r;
		switch (exit->kind) {
		case LIBKVM_EXIT_IO:
			if (!hs.io)
				return 0;
			for (i = 0, r = 0; i < exit->u.io.count && !r; i++)
				r = hs.io(opaque, vcpu, exit->u.io.port, exit->u.io.is_write,
					  (uint8_t *)exit->u.io.data + i * exit->u.io.size,
					  exit->u.io.size);
			break;
		case LIBKVM_EXIT_MMIO:
			if (!hs.mmio)
				return 0;
			r = hs.mmio(opaque, vcpu, exit->u.mmio.gpa, exit->u.mmio.is_write,
				    exit->u.mmio.data, exit->u.mmio.len);
			break;
		case LIBKVM_EXIT_HLT:
			if (!hs.hlt)
				return 0;
			r = hs.hlt(opaque, vcpu);
			break;
		default:
			return 0;
		}
		if (r)
			return r;
	}
}
