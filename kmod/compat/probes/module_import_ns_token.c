// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux 6.13 ("module: Convert symbol namespace to string literal"):
 * MODULE_IMPORT_NS() takes a string. Before, it stringified a bare token, so
 * this (old form) compiles only on kernels without the change.
 */
#include <linux/module.h>

MODULE_IMPORT_NS(OKVM_PROBE_NS);
