// SPDX-License-Identifier: MIT
/* Error messages kept per handle. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

int libkvm__fail(char *buf, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, LIBKVM_ERR_LEN, fmt, ap);
	va_end(ap);
	return -err;
}

int libkvm__fail_ioctl(char *buf, int ret, const char *name,
		       const char *ctx_fmt, ...)
{
	char ctx[160] = "";
	char sbuf[96];
	const char *s;
	int err = ret < 0 ? -ret : EIO;
	va_list ap;

	if (ctx_fmt) {
		va_start(ap, ctx_fmt);
		vsnprintf(ctx, sizeof(ctx), ctx_fmt, ap);
		va_end(ap);
	}
	/* GNU strerror_r: thread-safe, returns the string to use. */
	s = strerror_r(err, sbuf, sizeof(sbuf));
	snprintf(buf, LIBKVM_ERR_LEN, "%s%s%s%s: %s", name, ctx[0] ? " (" : "",
		 ctx, ctx[0] ? ")" : "", s);
	return -err;
}
