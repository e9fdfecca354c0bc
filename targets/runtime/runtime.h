/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The runtime every kernel build shares: the table-page pool, the event log,
 * the CPU features of the run and the findings it can judge on its own.
 * The shim's macros and the adapters call it; it knows the architecture's
 * descriptor format but no kernel header.
 */
#ifndef S2FUZZ_RUNTIME_H
#define S2FUZZ_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../target.h"
#include "hooks.h"

enum s2rt_event_kind {
	S2RT_EV_STORE,		/* a.pa of the table page, index; b old, c new */
	S2RT_EV_CMPXCHG_FAIL,	/* cmpxchg lost: b expected, c found */
	S2RT_EV_TLBI_VMID,	/* VMALLS12E1IS */
	S2RT_EV_TLBI_IPA,	/* a ipa, level (hint) */
	S2RT_EV_TLBI_IPA_NSH,	/* a ipa, level: local only */
	S2RT_EV_TLBI_RANGE,	/* a start, b pages */
	S2RT_EV_CALLER_FLUSH,	/* the VMID flush KVM's caller issues */
	S2RT_EV_DCACHE,		/* a pa, b size */
	S2RT_EV_ICACHE,		/* a pa, b size */
	S2RT_EV_GET,		/* a page pa, b new count */
	S2RT_EV_PUT,		/* a page pa, b new count */
	S2RT_EV_ALLOC,		/* a page pa, b pages */
	S2RT_EV_ALLOC_FAIL,	/* an allocation the kernel asked for failed */
	S2RT_EV_FREE,		/* a page pa, b pages */
	S2RT_EV_FREE_UNLINKED,	/* a table pa, level */
	S2RT_EV_WARN,		/* file, a line */
};

struct s2rt_event {
	uint8_t kind;
	int8_t level;		/* level of the entry / TLBI hint; -128 none */
	uint32_t index;
	uint64_t a, b, c;
	uint64_t ipa;		/* stores: first IPA the entry translates */
	const char *file;	/* WARN: where */
};

#define S2RT_NO_LEVEL (-128)

/* Findings the runtime can judge without a model. */
enum s2rt_check {
	S2RT_CHECK_WARN,
	S2RT_CHECK_REFCOUNT,
	S2RT_CHECK_LEAK,
	S2RT_CHECK_DOUBLE_FREE,
	S2RT_CHECK_USE_AFTER_FREE,
	S2RT_CHECK_POOL,
	S2RT_CHECK_COUNT
};

struct s2rt_finding {
	enum s2rt_check check;
	int level;
	char field[24];		/* what went wrong, for the signature */
	char msg[200];
};

/* --- the run: one per kernel instance ----------------------------------- */

struct s2rt_ctx;

struct s2rt_ctx *s2rt_ctx_create(unsigned int features);
void s2rt_ctx_free(struct s2rt_ctx *ctx);
/* Everything below acts on the current context. */
void s2rt_ctx_enter(struct s2rt_ctx *ctx);

/* The root: the concatenated PGD pages and where translation starts. */
void s2rt_set_root(void *pgd, int start_level, unsigned int ia_bits);
void s2rt_walk(s2_entry_fn fn, void *arg);
/* Only the entries whose IPA range meets [start, end), and their tables. */
void s2rt_walk_range(uint64_t start, uint64_t end, s2_entry_fn fn, void *arg);

/* --- table pages --------------------------------------------------------- */

void *s2rt_page_alloc(void);
void *s2rt_pages_exact_alloc(size_t size);
void s2rt_pages_exact_free(void *addr, size_t size);
void s2rt_page_get(void *addr);
void s2rt_page_put(void *addr);
int s2rt_page_count(void *addr);
void *s2rt_phys_to_virt(uint64_t pa);
uint64_t s2rt_virt_to_phys(void *va);
void s2rt_note_free_unlinked(void *table, int level);
/* The memcache ran dry (allocation failure is part of the input). */
void s2rt_note_alloc_fail(void);
/* A live table page where it sits, and its page_count(). */
struct s2rt_table {
	int level;
	uint64_t ipa;
	int count;
};

/*
 * The live table pages linked into the tree, in (level, IPA) order; returns
 * how many there are (at most max are written).
 */
size_t s2rt_tables(struct s2rt_table *out, size_t max);

/* Is pa a table page of the pool (live or freed)? */
bool s2rt_pa_is_table(uint64_t pa);

/* --- judging ------------------------------------------------------------- */

const struct s2rt_event *s2rt_events(size_t *nr);
void s2rt_events_clear(void);
void s2rt_event_print(const struct s2rt_event *ev, FILE *out);

/* Refcount invariant over every live table page, at an op boundary. */
void s2rt_check_refcounts(void);
/* After destroy: every page returned exactly once. */
void s2rt_check_leaks(void);
const struct s2rt_finding *s2rt_findings(size_t *nr);
void s2rt_finding(enum s2rt_check check, const char *field, int level,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const char *s2rt_check_name(enum s2rt_check check);

#endif /* S2FUZZ_RUNTIME_H */
