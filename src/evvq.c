// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "evvq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t hash_key(uint64_t vq, uint64_t first_ns)
{
	uint64_t h = vq * 0x9e3779b97f4a7c15ull ^ first_ns * 0xc2b2ae3d27d4eb4full;

	return (size_t)(h ^ (h >> 29));
}

static size_t probe(const struct evvq_set *s, uint64_t vq, uint64_t first_ns)
{
	size_t i = hash_key(vq, first_ns) & (s->nslot - 1);

	while (s->slot[i]) {
		const struct evvq *e = s->v[s->slot[i] - 1];

		if (e->vq == vq && e->first_ns == first_ns)
			break;
		i = (i + 1) & (s->nslot - 1);
	}
	return i;
}

struct evvq *evvq_find(const struct evvq_set *s, uint64_t vq, uint64_t first_ns)
{
	size_t i;

	if (!s->nslot)
		return NULL;
	i = probe(s, vq, first_ns);
	return s->slot[i] ? s->v[s->slot[i] - 1] : NULL;
}

static int grow(struct evvq_set *s)
{
	size_t nslot = s->nslot ? s->nslot * 2 : 64;
	uint32_t *slot = calloc(nslot, sizeof(*slot));
	struct evvq_set t = *s;

	if (!slot)
		return -1;
	t.slot = slot;
	t.nslot = nslot;
	for (size_t k = 0; k < s->n; k++)
		slot[probe(&t, s->v[k]->vq, s->v[k]->first_ns)] = (uint32_t)(k + 1);
	free(s->slot);
	s->slot = slot;
	s->nslot = nslot;
	return 0;
}

struct evvq *evvq_get(struct evvq_set *s, uint64_t vq, uint64_t first_ns)
{
	struct evvq *e = evvq_find(s, vq, first_ns);

	if (e)
		return e;
	if (s->n >= UINT32_MAX - 1)
		return NULL;
	if ((s->n + 1) * 2 >= s->nslot && grow(s))
		return NULL;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct evvq **v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->vq = vq;
	e->first_ns = first_ns;
	e->rec_id = -1;
	snprintf(e->id.dev, sizeof(e->id.dev), "?");
	snprintf(e->id.dir, sizeof(e->id.dir), "?");
	s->v[s->n++] = e;
	s->slot[probe(s, vq, first_ns)] = (uint32_t)s->n;
	return e;
}

void evvq_free(struct evvq_set *s, void (*fini)(struct evvq *))
{
	for (size_t k = 0; k < s->n; k++) {
		if (fini)
			fini(s->v[k]);
		free(s->v[k]);
	}
	free(s->v);
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

uint64_t evvq_gap(struct evvq *v, uint64_t seq)
{
	uint64_t gap = v->seen ? seq - v->next_seq : seq;

	if (v->seen && seq < v->next_seq)
		gap = 0;	/* out of order: never expected, but no huge number */
	v->seen = true;
	v->next_seq = seq + 1;
	return gap;
}
