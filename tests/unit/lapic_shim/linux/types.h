/* SPDX-License-Identifier: GPL-2.0-only */
/* The system's UAPI types (__u8, ... for okvm/kvm.h) plus the kernel's short names. */
#include_next <linux/types.h>
#include "../lapic_shim.h"
