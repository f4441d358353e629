/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The only place where okvm deals with kernel API differences between 6.1 and 7.2.
 * Main code is written against the newest API; this header supplies it on older kernels.
 * Every block tests a feature probed by the build (compat/probes/), never a version number,
 * and names the kernel change it tracks.
 */
#ifndef OKVM_COMPAT_H
#define OKVM_COMPAT_H

#endif
