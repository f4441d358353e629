/* SPDX-License-Identifier: GPL-2.0-only */
/* Generic okvm objects and the functions the generic files share. */
#ifndef OKVM_OKVM_H
#define OKVM_OKVM_H

#include <linux/fs.h>
#include "compat/compat.h"

#if __has_include(<okvm/kvm.h>)
#include <okvm/kvm.h>
#else
/* Temporary until include/uapi/okvm/kvm.h lands: KVMIO is 0xAE, GET_API_VERSION is _IO(KVMIO, 0). */
#define OKVM_API_VERSION	12
#define OKVM_GET_API_VERSION	_IO(0xAE, 0x00)
#endif

extern const struct file_operations okvm_dev_fops;

#endif
