/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The backend contract: one const table of operations per vendor (NVMM style).
 * Generic code validates input and owns object lifetime; a backend only touches hardware.
 */
#ifndef OKVM_HV_H
#define OKVM_HV_H

#include <linux/types.h>

struct okvm_hv_ops {
	const char *name;
	/* Check the CPU; fill @feat with a short feature list. -ENODEV (with a message) if unusable. */
	int (*probe)(char *feat, size_t len);
	/* Module-wide set-up after a successful probe, and its undo. */
	int (*init)(void);
	void (*exit)(void);
};

extern const struct okvm_hv_ops svm_hv_ops;
extern const struct okvm_hv_ops vmx_hv_ops;

/* The backend chosen at load time. */
extern const struct okvm_hv_ops *okvm_hv;

#endif
