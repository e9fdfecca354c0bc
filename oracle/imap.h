/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An interval map over the IPA space: what each range translates to.  Its
 * cost grows with the number of intervals an operation touches, never with
 * the bytes they cover: a 1G block costs what a 4K page costs.
 */
#ifndef S2FUZZ_IMAP_H
#define S2FUZZ_IMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum s2o_kind {
	S2O_UNMAPPED,	/* never stored: the gaps between intervals */
	S2O_MAPPED,	/* a valid leaf: pa, prot (S2_PROT_*), level */
	S2O_OWNER,	/* an owner annotation (invalid entry): owner */
};

struct s2o_val {
	uint8_t kind;		/* enum s2o_kind */
	uint8_t prot;		/* S2_PROT_R/W/X/DEVICE of a mapping */
	uint8_t owner;		/* owner ID of an annotation */
	int8_t level;		/* level of the leaf it came from, or -1 */
	uint8_t young;		/* access flag: 0, 1, or S2O_YOUNG_ANY */
	uint64_t pa;		/* PA at the interval's first IPA */
};

/* In an expectation: the access flag may be either. */
#define S2O_YOUNG_ANY 2

struct s2o_ival {
	uint64_t start, end;	/* [start, end), page aligned */
	struct s2o_val v;
};

/* Sorted, non-overlapping; no interval holds S2O_UNMAPPED. */
struct s2o_imap {
	struct s2o_ival *iv;
	size_t nr, cap;
	size_t hint;		/* the last lookup's answer: checks walk forward */
};

typedef void (*s2o_imap_fn)(uint64_t start, uint64_t end,
			    const struct s2o_val *v, void *arg);

void s2o_imap_init(struct s2o_imap *m);
void s2o_imap_free(struct s2o_imap *m);
void s2o_imap_clear(struct s2o_imap *m);
void s2o_imap_copy(struct s2o_imap *dst, const struct s2o_imap *src);

/*
 * Sets [start, end) to v, splitting the intervals it overlaps (a piece of a
 * mapping keeps its PA: pa + offset).  S2O_UNMAPPED removes.  Set past the
 * last interval, as walks fill a map, v joins it if it carries it on (same
 * level and attributes, the PA running on): an interval holds any number of
 * leaves of its level, which s2o_leaf_span() finds from an address.
 */
void s2o_imap_set(struct s2o_imap *m, uint64_t start, uint64_t end,
		  const struct s2o_val *v);

/* dst holds what src holds over [start, end); elsewhere it is unchanged. */
void s2o_imap_splice(struct s2o_imap *dst, uint64_t start, uint64_t end,
		     const struct s2o_imap *src);

/*
 * The value at addr (its pa adjusted to addr) and the extent of the
 * interval, or of the gap, holding it.
 */
struct s2o_val s2o_imap_get(const struct s2o_imap *m, uint64_t addr,
			    uint64_t *start, uint64_t *end);
/*
 * Looks up ascending addresses of one map, as checks walking several maps
 * side by side do: each lookup moves on from the last instead of searching.
 */
struct s2o_imap_cursor {
	const struct s2o_imap *m;
	size_t i;		/* the first interval ending above the last addr */
};

/* A cursor at addr: lookups from there on. */
void s2o_imap_cursor_at(struct s2o_imap_cursor *c, const struct s2o_imap *m,
			uint64_t addr);
/*
 * The value at addr, at or above the cursor's last, and *end lowered to
 * where it may change: walking several maps side by side, piece by piece.
 */
struct s2o_val s2o_imap_cursor_piece(struct s2o_imap_cursor *c, uint64_t addr,
				     uint64_t *end);

/*
 * Calls fn on each piece of [start, end) in order, gaps included (as
 * S2O_UNMAPPED), each piece clipped to the range with its pa adjusted.
 */
void s2o_imap_each(const struct s2o_imap *m, uint64_t start, uint64_t end,
		   s2o_imap_fn fn, void *arg);

/*
 * Do two values translate an address the same way (each pa being its PA
 * there)?  The access flag is not part of a translation and is ignored;
 * levels are compared only when asked.  *field names the first difference:
 * "kind", "pa", "prot" (or "memtype" when only the device attribute
 * differs), "owner" or "level".
 */
bool s2o_val_same(const struct s2o_val *a, const struct s2o_val *b,
		  bool levels, const char **field);

/* "map 0x80000000 rw", with " young"/" old" and " (L2)" when asked. */
const char *s2o_val_describe(const struct s2o_val *v, bool young, bool level,
			     char *buf, size_t len);

#endif /* S2FUZZ_IMAP_H */
