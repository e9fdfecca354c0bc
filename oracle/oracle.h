/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The oracle: what each op on a kernel must have done, judged from the
 * runtime's event log and the live table.  Checkers see an op through
 * struct s2o_opinfo and speak through s2o_report(); none includes a kernel
 * header.
 */
#ifndef S2FUZZ_ORACLE_H
#define S2FUZZ_ORACLE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../fuzz/seq.h"
#include "../targets/runtime/runtime.h"
#include "imap.h"

/* What a checker knows of one op that ran on one kernel. */
struct s2o_opinfo {
	const struct s2_op *op;		/* NULL for destroy */
	unsigned int index;		/* 0-based op index */
	int rc;				/* the op's return code */
	unsigned int features;		/* S2_FEAT_* of the run */
	unsigned int ipa_bits;
	const char *api;		/* "walk-args" or "visit-ctx" */
	bool memcache_limited;		/* a memcache directive set this op's */
	bool section;			/* a concurrent section ran, of which
					 * op is the first op */
	const struct s2rt_event *events;	/* everything the op did */
	size_t nr_events;
	const uint64_t *touched;	/* s2o_touched() of the events */
	size_t nr_touched;
	const struct s2o_imap *before;	/* logical mapping before the op */
	const struct s2o_imap *after;	/* and after it */
	const struct s2rt_table *tables;	/* strict runs: the live table */
	size_t nr_tables;			/* pages after the op */
};

/* The permissions, without the memory type (S2_PROT_DEVICE). */
#define S2O_PROT_RWX (S2_PROT_R | S2_PROT_W | S2_PROT_X)

#define S2O_MAX_FINDINGS 16

struct s2o_finding {
	char check[16];		/* "model", "bbm", "tlbi", "cmo", "free", … */
	char op[12];		/* op word, or "destroy" */
	int level;		/* level concerned, or -1 */
	char field[24];		/* first differing field */
	char msg[400];		/* the verdict: expected vs actual */
};

struct s2o_report {
	const struct s2o_opinfo *info;
	struct s2o_finding findings[S2O_MAX_FINDINGS];
	unsigned int nr;
};

/* An empty report: its 7 KB of findings are counted, not cleared. */
static inline void s2o_report_init(struct s2o_report *r,
				   const struct s2o_opinfo *info)
{
	r->info = info;
	r->nr = 0;
}

/*
 * Would s2o_report() keep this finding?  Not past S2O_MAX_FINDINGS, nor
 * when the report has one of the same signature (a WARN or a known
 * finding once per entry is one finding): a checker can skip the wording.
 */
bool s2o_report_wants(const struct s2o_report *r, const char *check,
		      int level, const char *field);

void s2o_report(struct s2o_report *r, const char *check, int level,
		const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* A return code as the kernel spells it: "-EAGAIN", or the number. */
const char *s2o_rc_name(int rc, char *buf, size_t len);

/* "check-op-Llevel-field": the key findings are deduplicated by. */
void s2o_signature(const struct s2o_finding *f, char *buf, size_t len);

/* --- the logical mapping of the current kernel's live table --------------- */

void s2o_view_build(struct s2o_imap *m, unsigned int ipa_bits);
/* Walks again what the op's stores touched (s2o_touched() ranges). */
void s2o_view_update(struct s2o_imap *m, const uint64_t *touched, size_t nr);

/* IPA ranges [r[2i], r[2i + 1]); nr = 0 empties a list, keeping its room. */
struct s2o_ranges {
	uint64_t *r;
	size_t nr, cap;
};

/* Adds [start, end) as a range of its own, the last. */
void s2o_ranges_push(struct s2o_ranges *rl, uint64_t start, uint64_t end);

/*
 * Adds [start, end), into the last range if it starts inside that one: a
 * walk's stores come in ascending order, leaf after leaf, so the list
 * mostly stays sorted and short.  Inline: it runs once a store.
 */
static inline void s2o_ranges_add(struct s2o_ranges *rl, uint64_t start,
				  uint64_t end)
{
	uint64_t *last = rl->nr ? &rl->r[2 * rl->nr - 2] : NULL;

	if (last && start >= last[0] && start <= last[1]) {
		if (end > last[1])
			last[1] = end;
		return;
	}
	s2o_ranges_push(rl, start, end);
}
/* Sorts the ranges, and merges those that overlap or meet. */
void s2o_ranges_merge(struct s2o_ranges *rl);
/* *out: the union of na ranges at a and nb at b, each list sorted. */
void s2o_ranges_union(struct s2o_ranges *out, const uint64_t *a, size_t na,
		      const uint64_t *b, size_t nb);
/* Those ranges, sorted and merged, in *out (emptied first). */
void s2o_touched(const struct s2rt_event *ev, size_t nr,
		 struct s2o_ranges *out);

/* --- the checkers -------------------------------------------------------- */

/* The reference model: the logical mapping and return code each op must
 * leave, given the mapping before it. */
void s2o_model_check(const struct s2o_opinfo *info, struct s2o_report *r);
/* The IPA range an op asks to change (a fault: the granule KVM maps). */
void s2o_op_range(const struct s2_op *op, uint64_t *start, uint64_t *end);

/* Break-before-make and TLBI coverage: a state machine per entry, and
 * table pages freed only once unreachable and flushed. */
struct s2o_bbm;
struct s2o_bbm *s2o_bbm_create(void);
/* As created, keeping its memory: one checker serves run after run. */
void s2o_bbm_reset(struct s2o_bbm *bbm);
void s2o_bbm_free(struct s2o_bbm *bbm);
void s2o_bbm_check(struct s2o_bbm *bbm, const struct s2o_opinfo *info,
		   struct s2o_report *r);

/* Cache maintenance before guest memory becomes visible. */
void s2o_cmo_check(const struct s2o_opinfo *info, struct s2o_report *r);

/* One op of a concurrent section, as it ran. */
struct s2o_thread_op {
	const struct s2_op *op;
	unsigned int thread;	/* 1..S2_MAX_THREADS */
	int rc;			/* what it returned */
	bool alloc_failed;	/* its memcache ran dry */
	unsigned int finished;	/* 1 for the first op to end, ...; 0: unknown */
};

/*
 * A concurrent section ran on one kernel: info->before is the logical mapping
 * before it, info->after after it, info->touched/nr_touched the ranges its
 * stores touched (info->op is the section's first op, info->rc unused).
 * Reports a finding (check "linear"; for a mapping no serialization
 * explains, the op and field the model would name, for return codes "rc")
 * unless some
 * serialization of ops that keeps each thread's order, each op applied by
 * the model to the mapping the ones before it left, allows every op's rc and
 * leaves exactly the after mapping.
 */
void s2o_linearizability_check(const struct s2o_opinfo *info,
			       const struct s2o_thread_op *ops, unsigned int nr,
			       struct s2o_report *r);

/*
 * The simulated MMU (a probe at the runtime's yield points): armed with the
 * mapping before an op or a section and its ops, it translates IPAs of
 * their ranges, one a point (every: all of them, to count fault windows).
 */
struct s2o_mmu;
struct s2o_fault_window {
	uint64_t walks;		/* translations of IPAs mapped before and after */
	uint64_t faults;	/* of which faulted */
};
struct s2o_mmu *s2o_mmu_create(void);
void s2o_mmu_free(struct s2o_mmu *mmu);
void s2o_mmu_arm(struct s2o_mmu *mmu, const struct s2o_imap *before,
		 const struct s2_op *const *ops, unsigned int nr, bool every);
void s2o_mmu_probe(void *mmu);
/* Reports what the walks found; fw: the faults a vCPU need not have taken. */
void s2o_mmu_finish(struct s2o_mmu *mmu, const struct s2o_imap *after,
		    struct s2o_report *r, struct s2o_fault_window *fw);

/* --- the differential ---------------------------------------------------- */

struct s2o_diff;
/* strict: a kernel against itself patched, where any difference counts. */
struct s2o_diff *s2o_diff_create(bool strict);
/*
 * As created, keeping its memory: one differential serves run after run
 * (fuzz/run.c keeps them for the thread's life).
 */
void s2o_diff_reset(struct s2o_diff *d, bool strict);
/*
 * The same op ran on two kernels (names[0], names[1]).  Findings go to r;
 * divergences (intended differences between versions) go to div.  With
 * excused set (the model already reported one of the two on this op), the
 * differences are remembered but not reported again.
 */
void s2o_diff_check(struct s2o_diff *d, const struct s2o_opinfo *a,
		    const struct s2o_opinfo *b, const char *names[2],
		    bool excused, struct s2o_report *r,
		    struct s2o_report *div);

/* A finding listed in known-differences.def for this API: its reason. */
const char *s2o_known_finding(const char *signature, const char *api);

/*
 * qsort, unless the array is sorted already: an op's events mostly come
 * in IPA order (the kernel walks that way), and qsort's merge sort is not
 * linear on sorted input.
 */
static inline void s2o_sort(void *base, size_t nr, size_t size,
			    int (*cmp)(const void *, const void *))
{
	const char *p = base;

	for (size_t i = 1; i < nr; i++)
		if (cmp(p + (i - 1) * size, p + i * size) > 0) {
			qsort(base, nr, size, cmp);
			return;
		}
}

#endif /* S2FUZZ_ORACLE_H */
