// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux 6.13 added hrtimer_setup(), which sets the callback together with the
 * clock and mode; hrtimer_init() was removed in 6.15.
 */
#include <linux/hrtimer.h>

static enum hrtimer_restart okvm_probe_fn(struct hrtimer *t)
{
	return HRTIMER_NORESTART;
}

void okvm_probe(struct hrtimer *t);
void okvm_probe(struct hrtimer *t)
{
	hrtimer_setup(t, okvm_probe_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
}
