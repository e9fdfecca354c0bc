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
	S2RT_EV_WARN,		/* a line, b the file's (const char *) */
};

struct s2rt_event {
	uint8_t kind;
	int8_t level;		/* level of the entry / TLBI hint; -128 none */
	uint8_t thread;		/* the vCPU thread that did it; 0: sequential */
	uint32_t index;
	uint64_t a, b, c;
	uint64_t ipa;		/* stores: first IPA the entry translates */
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
/*
 * Records get_page()/put_page() in the event log (off in a new context):
 * only a reader of the log wants them, no check does.  On generated
 * sequences they were nearly half the events every checker skipped.
 */
void s2rt_log_refcounts(bool on);

/* The root: the concatenated PGD pages and where translation starts. */
void s2rt_set_root(void *pgd, int start_level, unsigned int ia_bits);
void s2rt_walk(s2_entry_fn fn, void *arg);
/* Only the entries whose IPA range meets [start, end), and their tables. */
void s2rt_walk_range(uint64_t start, uint64_t end, s2_entry_fn fn, void *arg);
/*
 * The same, but consecutive entries of a page that carry on the first (each
 * a valid leaf of the next block of PA with the same attributes, or the
 * same invalid value) come as one, with their number: a range mapped page
 * by page is a few calls, not one a page.
 */
void s2rt_walk_runs(uint64_t start, uint64_t end, s2_entry_fn fn, void *arg);

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

/* What a hardware walk of ipa finds in the live table, now. */
struct s2rt_translation {
	bool valid;		/* a valid leaf: pte, level */
	bool freed;		/* the walk read a freed table page */
	int level;		/* of the leaf, or where the walk stopped */
	uint64_t pte;
	uint64_t table_pa;	/* the page the walk stopped in */
};

void s2rt_translate(uint64_t ipa, struct s2rt_translation *t);

/* Is pa a table page of the pool (live or freed)? */
bool s2rt_pa_is_table(uint64_t pa);

/* --- thread schedules (sched.c, rcu.c) ------------------------------------ */

#define S2RT_MAX_THREADS 3
/* Per-thread state: slot 0 is the sequential path, 1.. the vCPU threads. */
#define S2RT_THREAD_SLOTS (S2RT_MAX_THREADS + 1)
#define S2RT_PCT_MAX_DEPTH 16
/* PCT's change points fall among this many first yield points. */
#define S2RT_PCT_STEPS 2048

enum s2rt_sched_mode { S2RT_SCHED_NONE, S2RT_SCHED_BYTES, S2RT_SCHED_PCT };

/* Where a kernel's run is in its schedule: it goes on across sections. */
struct s2rt_schedule {
	enum s2rt_sched_mode mode;
	const uint8_t *bytes;
	size_t nr_bytes, pos;
	unsigned int budget;	/* bytes: yield points left to the thread */
	unsigned int depth;	/* PCT */
	unsigned int prio[S2RT_THREAD_SLOTS];
	uint32_t change[S2RT_PCT_MAX_DEPTH];
	uint32_t steps;
};

void s2rt_schedule_init(struct s2rt_schedule *s, enum s2rt_sched_mode mode,
			const uint8_t *bytes, size_t nr, uint64_t seed,
			unsigned int depth);

typedef void (*s2rt_thread_fn)(unsigned int thread, void *arg);
/*
 * Runs fn(1..nr, arg) on nr threads, one at a time as s picks them, or all
 * at once (free_run, for ThreadSanitizer); returns when all are done, or -1
 * if a thread could not be created (those that could have run).
 */
int s2rt_threads_run(unsigned int nr, bool free_run, s2rt_thread_fn fn,
		     void *arg, struct s2rt_schedule *s);
/* 0 outside a section, else the vCPU thread running. */
unsigned int s2rt_thread_self(void);
/* The simulated kvm->mmu_lock: write for exclusive ops, read for shared. */
void s2rt_mmu_lock(bool write);
void s2rt_mmu_unlock(bool write);

/*
 * Free-running threads share the runtime's state: its entry points run
 * one at a time (none calls another; nothing is taken when the scheduler
 * runs one thread at a time anyway).
 * S2RT_SERIALIZED() holds it to the end of the enclosing block.
 */
int s2rt_serialize(void);
void s2rt_serialize_end(int *token);
#define S2RT_SERIALIZED()                                                   \
	int s2rt_serialized_ __attribute__((cleanup(s2rt_serialize_end),   \
					    unused)) = s2rt_serialize()

/* Called at every yield point (a simulated MMU), or NULL. */
typedef void (*s2rt_probe_fn)(void *arg);
void s2rt_set_probe(s2rt_probe_fn fn, void *arg);

/*
 * RCU: a free deferred with the token s2rt_rcu_defer() gives may happen
 * once s2rt_rcu_expired(token): no read side that began before it is left.
 */
uint64_t s2rt_rcu_defer(void);
bool s2rt_rcu_expired(uint64_t token);

/* --- judging ------------------------------------------------------------- */

const struct s2rt_event *s2rt_events(size_t *nr);
void s2rt_events_clear(void);
void s2rt_event_print(const struct s2rt_event *ev, FILE *out);

/*
 * Refcount invariant, at an op boundary, over the live table pages whose
 * count or entries changed since the last call.
 */
void s2rt_check_refcounts(void);
/* After destroy: every page returned exactly once. */
void s2rt_check_leaks(void);
const struct s2rt_finding *s2rt_findings(size_t *nr);
void s2rt_finding(enum s2rt_check check, const char *field, int level,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const char *s2rt_check_name(enum s2rt_check check);

#endif /* S2FUZZ_RUNTIME_H */
