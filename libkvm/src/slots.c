// SPDX-License-Identifier: MIT
/* Memory slot bookkeeping: a gpa-sorted table, no kernel calls. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void libkvm__slots_init(struct libkvm_slots *s, uint32_t max_ids)
{
	memset(s, 0, sizeof(*s));
	s->max_ids = max_ids;
}

void libkvm__slots_fini(struct libkvm_slots *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int libkvm__map_args_ok(uint64_t gpa, const void *hva, uint64_t size)
{
	if (!size || (gpa | size | (uintptr_t)hva) & (LIBKVM_PAGE - 1))
		return -EINVAL;
	if (gpa + size < gpa)
		return -EINVAL;
	return 0;
}

int libkvm__slots_overlap(const struct libkvm_slots *s, uint64_t gpa,
			  uint64_t size)
{
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		const struct libkvm_slot *e = &s->v[i];

		if (gpa < e->gpa + e->size && e->gpa < gpa + size)
			return (int)i;
	}
	return -1;
}

int libkvm__slots_find(const struct libkvm_slots *s, uint64_t gpa)
{
	return libkvm__slots_overlap(s, gpa, 1);
}

int libkvm__slots_free_id(const struct libkvm_slots *s, uint32_t *id)
{
	uint32_t cand, i;

	/* n is small (a VM has a handful of maps): a quadratic scan is fine. */
	for (cand = 0; cand < s->max_ids; cand++) {
		for (i = 0; i < s->n; i++)
			if (s->v[i].id == cand)
				break;
		if (i == s->n) {
			*id = cand;
			return 0;
		}
	}
	return -ENOSPC;
}

int libkvm__slots_add(struct libkvm_slots *s, const struct libkvm_slot *slot)
{
	struct libkvm_slot *v;
	uint32_t i, pos;

	if (libkvm__slots_overlap(s, slot->gpa, slot->size) >= 0)
		return -EEXIST;
	if (slot->id >= s->max_ids)
		return -ENOSPC;
	for (i = 0; i < s->n; i++)
		if (s->v[i].id == slot->id)
			return -EEXIST;
	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 8;

		v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	for (pos = 0; pos < s->n && s->v[pos].gpa < slot->gpa; pos++)
		;
	memmove(&s->v[pos + 1], &s->v[pos], (s->n - pos) * sizeof(*s->v));
	s->v[pos] = *slot;
	s->n++;
	return 0;
}

void libkvm__slots_remove(struct libkvm_slots *s, int idx)
{
	if (idx < 0 || (uint32_t)idx >= s->n)
		return;
	memmove(&s->v[idx], &s->v[idx + 1], (s->n - idx - 1) * sizeof(*s->v));
	s->n--;
}
