// SPDX-License-Identifier: GPL-2.0
/* sample.c - the growable lists of a sample. */
#include <stdlib.h>
#include <string.h>

#include "sample.h"

int array_grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *q;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap < *cap || ncap > (size_t)-1 / size)
		return -1;
	q = realloc(*p, ncap * size);
	if (!q)
		return -1;
	*p = q;
	*cap = ncap;
	return 0;
}

struct port_row *port_list_add(struct port_list *l)
{
	void *p = l->row;
	struct port_row *r;

	if (array_grow(&p, &l->cap, l->n, sizeof(*l->row)))
		return NULL;
	l->row = p;
	r = &l->row[l->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

struct netns_row *netns_list_add(struct netns_list *l)
{
	void *p = l->row;
	struct netns_row *r;

	if (array_grow(&p, &l->cap, l->n, sizeof(*l->row)))
		return NULL;
	l->row = p;
	r = &l->row[l->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

void port_list_filter(struct port_list *l, const struct port_filter *f)
{
	size_t out = 0;

	if (!f || !f->active)
		return;
	for (size_t i = 0; i < l->n; i++) {
		if (port_filter_has(f, l->row[i].port))
			l->row[out++] = l->row[i];
	}
	l->n = out;
}

void sample_free(struct sample *s)
{
	free(s->ports.row);
	free(s->netns.row);
	memset(s, 0, sizeof(*s));
}
