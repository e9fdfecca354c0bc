// SPDX-License-Identifier: GPL-2.0-only
/*
 * The AFL++ custom mutator library (AFL_CUSTOM_MUTATOR_LIBRARY): the entry
 * points of AFL++'s docs/custom_mutators.md, over s2_mutate() and
 * s2_crossover().  No AFL++ header is needed: its state stays opaque.
 */
#include <stdlib.h>
#include <string.h>

#include "mutate.h"

struct s2_afl {
	uint8_t *buf;		/* AFL++ reads it until the next call */
	size_t size;
	unsigned int seed;	/* advanced per call: AFL++ gives one seed */
};

void *afl_custom_init(void *afl, unsigned int seed)
{
	struct s2_afl *m = calloc(1, sizeof(*m));

	(void)afl;
	if (m)
		m->seed = seed;
	return m;
}

static uint8_t *out_buf_grow(struct s2_afl *m, size_t size)
{
	uint8_t *buf;

	if (size <= m->size)
		return m->buf;
	buf = realloc(m->buf, size);
	if (!buf)
		return NULL;
	m->buf = buf;
	m->size = size;
	return buf;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size,
		       uint8_t **out_buf, uint8_t *add_buf,
		       size_t add_buf_size, size_t max_size)
{
	struct s2_afl *m = data;
	unsigned int seed = m->seed++;
	uint8_t *out = out_buf_grow(m, max_size ? max_size : 1);
	size_t n;

	*out_buf = out;
	/* 0 tells AFL++ the mutation failed. */
	if (!out)
		return 0;
	/* Splice about 1 call in 4, when AFL++ offers a second input. */
	if (add_buf && !(seed % 4)) {
		n = s2_crossover(buf, buf_size, add_buf, add_buf_size, out,
				 max_size, seed);
		if (n)
			return n;
	}
	n = buf_size < max_size ? buf_size : max_size;
	memcpy(out, buf, n);
	return s2_mutate(out, n, max_size, seed);
}

void afl_custom_deinit(void *data)
{
	struct s2_afl *m = data;

	free(m->buf);
	free(m);
}
