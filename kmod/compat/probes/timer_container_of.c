// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux 6.16 ("treewide, timers: Rename from_timer() to
 * timer_container_of()"): from_timer() is gone.
 */
#include <linux/timer.h>

struct okvm_probe_obj {
	int x;
	struct timer_list t;
};

void okvm_probe(struct timer_list *t);
void okvm_probe(struct timer_list *t)
{
	struct okvm_probe_obj *o = timer_container_of(o, t, t);

	o->x++;
}
