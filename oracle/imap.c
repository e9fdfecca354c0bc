// SPDX-License-Identifier: GPL-2.0-only
/*
 * The interval map as a sorted array: sequences touch few intervals, so a
 * binary search and a memmove beat a tree on both speed and clarity.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/seq.h"
#include "imap.h"

void s2o_imap_init(struct s2o_imap *m)
{
	*m = (struct s2o_imap){ 0 };
}

void s2o_imap_free(struct s2o_imap *m)
{
	free(m->iv);
	s2o_imap_init(m);
}

void s2o_imap_clear(struct s2o_imap *m)
{
	m->nr = 0;
	m->hint = 0;
}

static void reserve(struct s2o_imap *m, size_t nr)
{
	struct s2o_ival *iv;
	size_t cap;

	if (nr <= m->cap)
		return;
	cap = m->cap ? m->cap : 16;
	while (cap < nr)
		cap *= 2;
	iv = realloc(m->iv, cap * sizeof(*iv));
	if (!iv)
		abort();
	m->iv = iv;
	m->cap = cap;
}

void s2o_imap_copy(struct s2o_imap *dst, const struct s2o_imap *src)
{
	reserve(dst, src->nr);
	if (src->nr)
		memcpy(dst->iv, src->iv, src->nr * sizeof(*src->iv));
	dst->nr = src->nr;
}

/* Is i the first interval ending after addr? */
static bool is_first_after(const struct s2o_imap *m, size_t i, uint64_t addr)
{
	return i <= m->nr && (i == m->nr || m->iv[i].end > addr) &&
	       (i == 0 || m->iv[i - 1].end <= addr);
}

/* First interval whose end is above addr: the one holding it, or the next. */
static size_t find(const struct s2o_imap *m, uint64_t addr)
{
	/*
	 * Edits and lookups mostly come in ascending order, leaf after leaf
	 * (walks of several maps side by side use cursors instead): the last
	 * answer, or the one after it, is usually right.  The hint
	 * is a cache, not part of the map's value, hence the cast.
	 */
	size_t *hint = (size_t *)&m->hint;
	size_t lo = 0, hi = m->nr;

	if (is_first_after(m, *hint, addr))
		return *hint;
	if (is_first_after(m, *hint + 1, addr))
		return ++*hint;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->iv[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	*hint = lo;
	return lo;
}

static struct s2o_val val_at(const struct s2o_ival *iv, uint64_t addr)
{
	struct s2o_val v = iv->v;

	if (v.kind == S2O_MAPPED)
		v.pa += addr - iv->start;
	return v;
}

/* The interval iv from addr on: its pa moves along. */
static struct s2o_ival clip_start(struct s2o_ival iv, uint64_t addr)
{
	if (iv.start < addr) {
		iv.v = val_at(&iv, addr);
		iv.start = addr;
	}
	return iv;
}

/*
 * Does v at start carry on iv, leaf for leaf: the same leaves' level and
 * attributes, the PA running on?  Then one interval holds both.
 */
static bool continues(const struct s2o_ival *iv, uint64_t start,
		      const struct s2o_val *v)
{
	return iv->end == start && iv->v.kind == v->kind &&
	       iv->v.level == v->level && iv->v.prot == v->prot &&
	       iv->v.owner == v->owner && iv->v.young == v->young &&
	       (v->kind != S2O_MAPPED ||
		iv->v.pa + (start - iv->start) == v->pa);
}

/*
 * Makes room for nr intervals where m holds [start, end): the parts of the
 * intervals it overlaps that lie outside it survive, before and after the
 * room.  At most one move of m's tail, and none when as many intervals go
 * as come (an op mostly rewrites leaves one for one): the cost follows the
 * intervals of the range, not those of the whole map.  Returns the index of
 * the room's first slot; the caller fills all nr.
 */
static size_t make_room(struct s2o_imap *m, uint64_t start, uint64_t end,
			size_t nr)
{
	size_t first = find(m, start), last = first, add;
	struct s2o_ival head, tail;
	bool has_head, has_tail;

	while (last < m->nr && m->iv[last].start < end)
		last++;
	/* [first, last) overlap the range. */
	has_head = first < last && m->iv[first].start < start;
	has_tail = first < last && m->iv[last - 1].end > end;
	if (has_head) {
		head = m->iv[first];
		head.end = start;
	}
	if (has_tail)
		tail = clip_start(m->iv[last - 1], end);
	add = has_head + nr + has_tail;
	reserve(m, m->nr - (last - first) + add);
	if (first + add != last)
		memmove(&m->iv[first + add], &m->iv[last],
			(m->nr - last) * sizeof(*m->iv));
	m->nr = m->nr - (last - first) + add;
	if (has_head)
		m->iv[first++] = head;
	if (has_tail)
		m->iv[first + nr] = tail;
	return first;
}

void s2o_imap_set(struct s2o_imap *m, uint64_t start, uint64_t end,
		  const struct s2o_val *v)
{
	bool mapped = v->kind != S2O_UNMAPPED;
	size_t at;

	if (start >= end)
		return;
	/* Past the last interval, as a walk refilling a range goes. */
	if (mapped && (!m->nr || m->iv[m->nr - 1].end <= start)) {
		if (m->nr && continues(&m->iv[m->nr - 1], start, v)) {
			m->iv[m->nr - 1].end = end;
			return;
		}
		reserve(m, m->nr + 1);
		m->iv[m->nr++] = (struct s2o_ival){ start, end, *v };
		return;
	}
	at = make_room(m, start, end, mapped);
	if (mapped)
		m->iv[at] = (struct s2o_ival){ start, end, *v };
}

/* Replaces [start, end) of dst by what src holds there. */
void s2o_imap_splice(struct s2o_imap *dst, uint64_t start, uint64_t end,
		     const struct s2o_imap *src)
{
	size_t first = find(src, start), last = first, at;

	if (start >= end)
		return;
	while (last < src->nr && src->iv[last].start < end)
		last++;
	at = make_room(dst, start, end, last - first);
	for (size_t i = first; i < last; i++) {
		struct s2o_ival iv = clip_start(src->iv[i], start);

		if (iv.end > end)
			iv.end = end;
		dst->iv[at++] = iv;
	}
}

struct s2o_val s2o_imap_get(const struct s2o_imap *m, uint64_t addr,
			    uint64_t *start, uint64_t *end)
{
	size_t i = find(m, addr);

	if (i < m->nr && m->iv[i].start <= addr) {
		*start = m->iv[i].start;
		*end = m->iv[i].end;
		return val_at(&m->iv[i], addr);
	}
	*start = i ? m->iv[i - 1].end : 0;
	*end = i < m->nr ? m->iv[i].start : UINT64_MAX;
	return (struct s2o_val){ .kind = S2O_UNMAPPED, .level = -1 };
}

void s2o_imap_cursor_at(struct s2o_imap_cursor *c, const struct s2o_imap *m,
			uint64_t addr)
{
	c->m = m;
	c->i = find(m, addr);
}

struct s2o_val s2o_imap_cursor_piece(struct s2o_imap_cursor *c, uint64_t addr,
				     uint64_t *end)
{
	const struct s2o_imap *m = c->m;

	while (c->i < m->nr && m->iv[c->i].end <= addr)
		c->i++;
	if (c->i < m->nr && m->iv[c->i].start <= addr) {
		if (m->iv[c->i].end < *end)
			*end = m->iv[c->i].end;
		return val_at(&m->iv[c->i], addr);
	}
	if (c->i < m->nr && m->iv[c->i].start < *end)
		*end = m->iv[c->i].start;
	return (struct s2o_val){ .kind = S2O_UNMAPPED, .level = -1 };
}

void s2o_imap_each(const struct s2o_imap *m, uint64_t start, uint64_t end,
		   s2o_imap_fn fn, void *arg)
{
	const struct s2o_val gap = { .kind = S2O_UNMAPPED, .level = -1 };
	uint64_t addr = start;
	/* One search, then a step per piece: a range of pages is linear. */
	size_t i = find(m, start);

	while (addr < end) {
		struct s2o_val v = gap;
		uint64_t e;

		if (i < m->nr && m->iv[i].start <= addr) {
			v = val_at(&m->iv[i], addr);
			e = m->iv[i++].end;
		} else {
			e = i < m->nr ? m->iv[i].start : UINT64_MAX;
		}
		if (e > end)
			e = end;
		fn(addr, e, &v, arg);
		addr = e;
	}
}

bool s2o_val_same(const struct s2o_val *a, const struct s2o_val *b,
		  bool levels, const char **field)
{
	if (a->kind != b->kind)
		*field = "kind";
	else if (a->kind == S2O_MAPPED && a->pa != b->pa)
		*field = "pa";
	else if (a->kind == S2O_MAPPED && a->prot != b->prot)
		*field = (a->prot ^ b->prot) == S2_PROT_DEVICE ? "memtype" :
								  "prot";
	else if (a->kind == S2O_OWNER && a->owner != b->owner)
		*field = "owner";
	else if (levels && a->kind != S2O_UNMAPPED && a->level != b->level)
		*field = "level";
	else
		return true;
	return false;
}

const char *s2o_val_describe(const struct s2o_val *v, bool young, bool level,
			     char *buf, size_t len)
{
	char prot[8];

	switch (v->kind) {
	case S2O_MAPPED:
		s2_prot_format(v->prot, prot);
		snprintf(buf, len, "map 0x%" PRIx64 " %s%s", v->pa, prot,
			 !young ? "" : v->young == 1 ? " young" : " old");
		if (level)
			snprintf(buf + strlen(buf), len - strlen(buf), " (L%d)",
				 v->level);
		break;
	case S2O_OWNER:
		snprintf(buf, len, "owner %u", v->owner);
		break;
	default:
		snprintf(buf, len, "unmapped");
		break;
	}
	return buf;
}
