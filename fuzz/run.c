// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../oracle/desc.h"
#include "../oracle/oracle.h"
#include "run.h"
#include "tree.h"

#define S2_MAX_KERNELS 8
#define S2_EVENTS_SHOWN 48

_Static_assert(S2_MAX_THREADS == S2RT_MAX_THREADS,
	       "the op language and the scheduler count threads alike");
_Static_assert(S2_SCHED_MAX_DEPTH == S2RT_PCT_MAX_DEPTH,
	       "a PCT depth the op language takes, the scheduler takes");

/*
 * A ThreadSanitizer build runs sections' threads free, at once, for it to
 * judge: no schedule, and no check of the order of events.
 */
#ifdef S2FUZZ_TSAN
static const bool free_run = true;
#else
static const bool free_run;
#endif

/* The ops of a concurrent section [first, end) and their threads. */
struct section {
	unsigned int first, end;
	unsigned int nr;
	unsigned int threads;		/* a bit per thread with ops */
	const struct s2_op *ops[S2_SECTION_MAX_OPS];
	unsigned int thread[S2_SECTION_MAX_OPS];
};

/* One kernel's side of a run. */
struct kernel_run {
	const struct s2_named_target *k;
	struct s2rt_ctx *ctx;
	struct s2_vm *vm;
	struct s2o_bbm *bbm;
	struct s2o_mmu *mmu;		/* made by the first op to arm one: mmu_of() */
	struct s2rt_schedule sched;
	const struct section *section;	/* the one running, or NULL */
	struct s2o_thread_op section_ops[S2_SECTION_MAX_OPS];
	struct s2o_imap before, after;
	size_t runtime_seen;	/* runtime findings already reported */
	struct s2rt_table *tables;	/* strict runs: live table pages */
	size_t cap_tables;
	struct s2o_ranges touched;	/* the op's touched ranges */
	struct s2o_opinfo info;
	struct s2o_report report;
};

struct run {
	const struct s2_seq *seq;
	const struct s2_run_opts *opts;
	struct s2_run_result *res;
	struct kernel_run kr[S2_MAX_KERNELS];
	unsigned int nr;
};

int s2_dispatch(const struct s2_target *t, struct s2_vm *vm,
		const struct s2_op *op)
{
	switch (op->kind) {
	case S2_OP_MAP:
		return t->map(vm, op->ipa, op->size, op->pa, op->prot);
	case S2_OP_UNMAP:
		return t->unmap(vm, op->ipa, op->size);
	case S2_OP_WRPROTECT:
		return t->wrprotect(vm, op->ipa, op->size);
	case S2_OP_FAULT:
		return t->fault(vm, op->ipa, S2_MEMSLOT_PA(op->ipa), op->prot,
				op->page);
	case S2_OP_RELAX:
		return t->relax(vm, op->ipa, op->prot);
	case S2_OP_MKOLD:
		return t->mkold(vm, op->ipa, op->size);
	case S2_OP_MKYOUNG:
		return t->mkyoung(vm, op->ipa);
	case S2_OP_SPLIT:
		return t->split(vm, op->ipa, op->size);
	case S2_OP_OWNER:
		return t->set_owner(vm, op->ipa, op->size, op->count);
	case S2_OP_FLUSH:
		return t->flush(vm, op->ipa, op->size);
	case S2_OP_MEMCACHE:
		t->set_memcache(vm, op->count);
		return 0;
	case S2_OP_THREAD:
		return 0;
	}
	abort();
}

/* The op as its text line; NULL is the destroy at the end. */
static const char *op_text(const struct s2_seq *seq, const struct s2_op *op,
			   char *buf, size_t len)
{
	return op ? s2_op_text(seq, op, buf, len) : "destroy";
}

/* What an opinfo stands for: an op, or a section from its first op. */
static const char *info_text(const struct run *run,
			     const struct s2o_opinfo *info, char *buf,
			     size_t len)
{
	char first[96];

	if (!info->section)
		return op_text(run->seq, info->op, buf, len);
	snprintf(buf, len, "section from %s",
		 s2_op_text(run->seq, info->op, first, sizeof(first)));
	return buf;
}

static void print_events(const struct s2o_opinfo *info, size_t max, FILE *out)
{
	size_t nr = info->nr_events < max ? info->nr_events : max;

	for (size_t i = 0; i < nr; i++) {
		fputs("  ", out);
		s2rt_event_print(&info->events[i], out);
	}
	if (nr < info->nr_events)
		fprintf(out, "    ... %zu more events\n", info->nr_events - nr);
}

/* The runtime's own findings of this op join the oracle's. */
static void collect_runtime(struct kernel_run *kr)
{
	const struct s2rt_finding *f;
	size_t nr;

	f = s2rt_findings(&nr);
	for (; kr->runtime_seen < nr; kr->runtime_seen++) {
		const struct s2rt_finding *rf = &f[kr->runtime_seen];

		s2o_report(&kr->report, s2rt_check_name(rf->check), rf->level,
			   rf->field, "%s", rf->msg);
	}
}

/* Prints a kernel's findings of one op, and counts them. */
static void report(struct run *run, const char *name, const char *api,
		   const struct s2o_report *r, const struct s2o_opinfo *info)
{
	FILE *out = run->opts->out;
	char sig[64], text[128];
	bool failed = false;

	for (unsigned int i = 0; i < r->nr; i++) {
		const struct s2o_finding *f = &r->findings[i];
		const char *known;

		s2o_signature(f, sig, sizeof(sig));
		known = s2o_known_finding(sig, api);
		if (known) {
			if (!run->res->known++)
				snprintf(run->res->first_known,
					 sizeof(run->res->first_known), "%s",
					 sig);
		} else {
			if (!run->res->findings++)
				snprintf(run->res->first,
					 sizeof(run->res->first), "%s", sig);
			failed = true;
		}
		if (!out)
			continue;
		fprintf(out, "%s %s %s op %u `%s`\n  %s\n",
			known ? "KNOWN" : "FINDING", sig, name,
			info->index + 1, info_text(run, info, text,
						   sizeof(text)), f->msg);
		if (known)
			fprintf(out, "  known: %s\n", known);
	}
	if (failed && out) {
		fprintf(out, "  events of op %u on %s:\n", info->index + 1,
			name);
		print_events(info, S2_EVENTS_SHOWN, out);
	}
}

static void trace_op(struct run *run, struct kernel_run *kr)
{
	FILE *trace = run->opts->trace;
	char text[128], buf[16];

	if (!trace)
		return;
	fprintf(trace, "%s op %u: %s\n", kr->k->name, kr->info.index + 1,
		info_text(run, &kr->info, text, sizeof(text)));
	print_events(&kr->info, SIZE_MAX, trace);
	if (kr->section) {
		for (unsigned int i = 0; i < kr->section->nr; i++)
			fprintf(trace, "  => t%u %s: %s\n",
				kr->section_ops[i].thread,
				op_text(run->seq, kr->section_ops[i].op, text,
					sizeof(text)),
				s2o_rc_name(kr->section_ops[i].rc, buf,
					    sizeof(buf)));
	} else if (kr->info.op) {
		fprintf(trace, "  => %s\n", s2o_rc_name(kr->info.rc, buf, sizeof(buf)));
	}
}

/* The strict differential compares the table pages themselves. */
static void list_tables(struct kernel_run *kr)
{
	size_t nr;

	while ((nr = s2rt_tables(kr->tables, kr->cap_tables)) > kr->cap_tables) {
		kr->cap_tables = 2 * nr;
		kr->tables = realloc(kr->tables,
				     kr->cap_tables * sizeof(*kr->tables));
		if (!kr->tables)
			abort();
	}
	kr->info.tables = kr->tables;
	kr->info.nr_tables = nr;
}

/*
 * What each kernel's checks and each differential allocate, kept on the
 * thread for the next run: runs come one after another, and under ASan
 * every allocation took a stack trace, and fresh memory a page fault.
 */
struct spare {
	struct s2o_bbm *bbm;
	struct s2o_mmu *mmu;	/* NULL until an op armed one */
	struct s2o_imap before, after;
	struct s2o_ranges touched;
	struct s2o_diff *diff;	/* against the first kernel */
};

static _Thread_local struct spare spares[S2_MAX_KERNELS];

static void take_spares(struct kernel_run *kr, size_t i)
{
	kr->bbm = spares[i].bbm ? spares[i].bbm : s2o_bbm_create();
	if (!kr->bbm)
		abort();
	kr->mmu = spares[i].mmu;
	kr->before = spares[i].before;
	kr->after = spares[i].after;
	kr->touched = spares[i].touched;
	spares[i] = (struct spare){ .diff = spares[i].diff };
}

static void park_spares(struct kernel_run *kr, size_t i)
{
	s2o_bbm_reset(kr->bbm);
	spares[i].bbm = kr->bbm;
	spares[i].mmu = kr->mmu;
	s2o_imap_clear(&kr->before);
	s2o_imap_clear(&kr->after);
	kr->touched.nr = 0;
	spares[i].before = kr->before;
	spares[i].after = kr->after;
	spares[i].touched = kr->touched;
}

static struct s2o_diff *take_diff(size_t i, bool strict)
{
	struct s2o_diff *d = spares[i].diff;

	spares[i].diff = NULL;
	if (!d)
		return s2o_diff_create(strict);
	s2o_diff_reset(d, strict);
	return d;
}

/* The kernel's simulated MMU, made when an op first arms one. */
static struct s2o_mmu *mmu_of(struct kernel_run *kr)
{
	if (!kr->mmu && !(kr->mmu = s2o_mmu_create()))
		abort();
	return kr->mmu;
}

/*
 * What the simulated MMU saw during the op: its findings, and with
 * --fault-window a FAULT-WINDOW line.
 */
static void finish_mmu(struct run *run, struct kernel_run *kr)
{
	struct s2o_fault_window fw;
	char text[128];

	s2o_mmu_finish(kr->mmu, &kr->after, &kr->report, &fw);
	if (!run->opts->fault_window || !run->opts->out || !fw.walks)
		return;
	fprintf(run->opts->out,
		"FAULT-WINDOW %s op %u `%s`: %" PRIu64 " of %" PRIu64
		" translations faulted at IPAs mapped before and after\n",
		kr->k->name, kr->info.index + 1,
		info_text(run, &kr->info, text, sizeof(text)), fw.faults,
		fw.walks);
}

/* Is the op at index the one a memcache directive is for? */
static bool follows_memcache(const struct s2_seq *seq, unsigned int index)
{
	while (index-- > 0)
		if (seq->ops[index].kind != S2_OP_THREAD)
			return seq->ops[index].kind == S2_OP_MEMCACHE;
	return false;
}

static void start_op(struct run *run, struct kernel_run *kr,
		     const struct s2_op *op, unsigned int index)
{
	const struct s2_seq *seq = run->seq;

	s2rt_ctx_enter(kr->ctx);
	kr->info = (struct s2o_opinfo){
		.op = op,
		.index = index,
		.features = seq->features,
		.ipa_bits = seq->ipa_bits,
		.api = kr->k->target->api,
		.memcache_limited = op && follows_memcache(seq, index),
		.before = &kr->before,
		.after = &kr->after,
	};
}

/* What the op's events say: the ranges it touched, the mapping after. */
static void take_events(struct run *run, struct kernel_run *kr)
{
	size_t nr;

	kr->info.events = s2rt_events(&nr);
	kr->info.nr_events = nr;
	s2o_touched(kr->info.events, nr, &kr->touched);
	kr->info.touched = kr->touched.r;
	kr->info.nr_touched = kr->touched.nr;
	if (!kr->info.op)
		return;
	if (run->opts->strict)
		list_tables(kr);
	/* after equals before outside what the op touched (finish_op()). */
	s2o_view_update(&kr->after, kr->info.touched, kr->info.nr_touched);
}

/* Runs op (NULL: destroy) on one kernel and judges it alone. */
static void run_one(struct run *run, struct kernel_run *kr,
		    const struct s2_op *op, unsigned int index)
{
	start_op(run, kr, op, index);
	if (op) {
		if (run->opts->fault_window) {
			s2o_mmu_arm(mmu_of(kr), &kr->before, &op, 1, true);
			s2rt_set_probe(s2o_mmu_probe, kr->mmu);
		}
		kr->info.rc = s2_dispatch(kr->k->target, kr->vm, op);
		s2rt_set_probe(NULL, NULL);
		s2rt_check_refcounts();
	} else {
		kr->k->target->destroy(kr->vm);
		kr->vm = NULL;
		s2rt_check_leaks();
	}
	take_events(run, kr);
	s2o_report_init(&kr->report, &kr->info);
	if (op) {
		s2o_model_check(&kr->info, &kr->report);
		s2o_cmo_check(&kr->info, &kr->report);
		if (run->opts->fault_window)
			finish_mmu(run, kr);
	}
	s2o_bbm_check(kr->bbm, &kr->info, &kr->report);
	collect_runtime(kr);
	trace_op(run, kr);
}

/* --- concurrent sections ------------------------------------------------- */

struct section_exec {
	const struct s2_target *t;
	struct kernel_run *kr;
	unsigned int finished;	/* ops that have ended */
};

/* One vCPU thread: its ops of the section, in order. */
static void section_thread(unsigned int thread, void *arg)
{
	struct section_exec *x = arg;
	const struct section *sec = x->kr->section;

	for (unsigned int i = 0; i < sec->nr; i++) {
		struct s2o_thread_op *t = &x->kr->section_ops[i];

		if (sec->thread[i] != thread)
			continue;
		t->rc = s2_dispatch(x->t, x->kr->vm, sec->ops[i]);
		/* One thread runs at a time, unless free (then unused). */
		t->finished = ++x->finished;
	}
}

/* A memcache that ran dry on a thread: its ops are not serialized. */
static void note_alloc_failures(struct kernel_run *kr)
{
	for (size_t i = 0; i < kr->info.nr_events; i++) {
		const struct s2rt_event *ev = &kr->info.events[i];

		if (ev->kind != S2RT_EV_ALLOC_FAIL)
			continue;
		for (unsigned int j = 0; j < kr->section->nr; j++)
			if (kr->section_ops[j].thread == ev->thread)
				kr->section_ops[j].alloc_failed = true;
	}
}

/*
 * Serializations are judged for sections of what vCPUs do in parallel:
 * faults, permission relaxing, access flags.  The model follows mappings,
 * not leaf sizes, and the outcome of a map, unmap or split on another
 * thread depends on the sizes of the leaves before it (a map into a block
 * drops the rest of it), which intermediate states made by the model do
 * not know: sections with them would be judged wrong.  Their other checks
 * (break-before-make, refcounts, the MMU, freed pages, WARNs) still hold.
 */
static bool vcpu_ops_only(const struct section *sec)
{
	unsigned int device = 0, faults = 0;

	for (unsigned int i = 0; i < sec->nr; i++)
		switch (sec->ops[i]->kind) {
		case S2_OP_FAULT:
			faults++;
			device += !!(sec->ops[i]->prot & S2_PROT_DEVICE);
			continue;
		case S2_OP_RELAX:
		case S2_OP_MKYOUNG:
		case S2_OP_MEMCACHE:
			continue;
		default:
			return false;
		}
	/*
	 * In KVM the memslot decides the memory type: vCPUs never fault the
	 * same memory as device and as normal memory at once, and the model
	 * need not say what a relax racing such a fault leaves.
	 */
	return !device || device == faults;
}

/*
 * Runs a section on one kernel and judges it as one step: each op's rc
 * and the mapping after against the serializations of its ops (above), the
 * simulated MMU's walks in between, and break-before-make and refcounts
 * over all its events.  Cache maintenance is judged on sequential ops
 * only: its check finds the store that installed a leaf as the last one
 * to it, which in a section may be another thread's permission change.
 * Free-running threads leave an event log in no order that matters: only
 * the runtime's own findings and the refcounts are judged then.
 */
static void run_section(struct run *run, struct kernel_run *kr,
			const struct section *sec)
{
	struct section_exec x = { .t = kr->k->target, .kr = kr };

	start_op(run, kr, sec->ops[0], sec->first);
	kr->info.section = true;
	kr->section = sec;
	for (unsigned int i = 0; i < sec->nr; i++)
		kr->section_ops[i] = (struct s2o_thread_op){
			.op = sec->ops[i], .thread = sec->thread[i],
		};
	if (!free_run) {
		s2o_mmu_arm(mmu_of(kr), &kr->before, sec->ops, sec->nr,
			    run->opts->fault_window);
		s2rt_set_probe(s2o_mmu_probe, kr->mmu);
	}
	/* Threads 1.. up to the highest with ops: any between have none. */
	if (s2rt_threads_run(31 - __builtin_clz(sec->threads), free_run,
			     section_thread, &x, &kr->sched))
		abort();
	s2rt_set_probe(NULL, NULL);
	s2rt_check_refcounts();
	take_events(run, kr);
	s2o_report_init(&kr->report, &kr->info);
	if (!free_run) {
		note_alloc_failures(kr);
		if (vcpu_ops_only(sec))
			s2o_linearizability_check(&kr->info, kr->section_ops,
						  sec->nr, &kr->report);
		finish_mmu(run, kr);
		s2o_bbm_check(kr->bbm, &kr->info, &kr->report);
	}
	collect_runtime(kr);
	trace_op(run, kr);
	kr->section = NULL;
}

/*
 * The section starting at ops[first] on thread *thread: ops up to a
 * "thread 0", the end, or S2_SECTION_MAX_OPS of them.  *thread is the
 * thread the next op is on.
 */
static void section_at(const struct s2_seq *seq, unsigned int first,
		       unsigned int *thread, struct section *sec)
{
	unsigned int i;

	sec->first = first;
	sec->nr = 0;
	sec->threads = 0;
	for (i = first; i < seq->nr_ops && sec->nr < S2_SECTION_MAX_OPS; i++) {
		const struct s2_op *op = &seq->ops[i];

		if (op->kind == S2_OP_THREAD) {
			if (!op->count)
				break;
			*thread = op->count;
			continue;
		}
		sec->ops[sec->nr] = op;
		sec->thread[sec->nr++] = *thread;
		sec->threads |= 1u << *thread;
	}
	sec->end = i;
}

/* The next op's before is this op's after: copy only what changed. */
static void finish_op(struct kernel_run *kr)
{
	const uint64_t *ranges = kr->info.touched;

	for (size_t i = 0; i < kr->info.nr_touched; i++)
		s2o_imap_splice(&kr->before, ranges[2 * i], ranges[2 * i + 1],
				&kr->after);
	s2rt_ctx_enter(kr->ctx);
	s2rt_events_clear();
}

/* Did the model judge this kernel's op wrong already? */
static bool model_found(const struct kernel_run *kr)
{
	for (unsigned int i = 0; i < kr->report.nr; i++)
		if (!strcmp(kr->report.findings[i].check, "model"))
			return true;
	return false;
}

static void differential(struct run *run, struct s2o_diff **diffs)
{
	struct kernel_run *a = &run->kr[0];

	for (unsigned int i = 1; i < run->nr; i++) {
		struct kernel_run *b = &run->kr[i];
		const char *names[2] = { a->k->name, b->k->name };
		struct s2o_report r, div;
		char text[128];

		s2o_report_init(&r, &a->info);
		s2o_report_init(&div, &a->info);
		s2o_diff_check(diffs[i], &a->info, &b->info, names,
			       model_found(a) || model_found(b), &r, &div);
		run->res->divergences += div.nr;
		if (run->opts->divergences && run->opts->out)
			for (unsigned int j = 0; j < div.nr; j++)
				fprintf(run->opts->out,
					"DIVERGENCE %s op %u `%s`: %s\n",
					div.findings[j].field,
					a->info.index + 1,
					op_text(run->seq, a->info.op, text,
						sizeof(text)),
					div.findings[j].msg);
		report(run, b->k->name, b->info.api, &r, &b->info);
	}
}

static void dump_entry(const struct s2_entry *e, void *arg)
{
	FILE *out = arg;
	char size[32], prot[8];

	if (s2_desc_is_table(e->pte, e->level))
		return;
	s2_size_format(s2_level_size(e->level), size);
	if (!s2_desc_valid(e->pte)) {
		if (e->pte & S2_DESC_OWNER_MASK)
			fprintf(out, "owner 0x%" PRIx64 " %s %u # L%d\n",
				e->ipa, size, s2_desc_owner(e->pte), e->level);
		return;
	}
	s2_desc_prot_letters(e->pte, prot);
	fprintf(out, "map 0x%" PRIx64 " %s 0x%" PRIx64 " %s # L%d\n", e->ipa,
		size, s2_desc_pa(e->pte), prot, e->level);
}

/*
 * The tree is only looked at: what the runtime says while it looks (a
 * page_count() of a freed page a stale entry links) is not the op's doing,
 * so it is not reported.
 */
static void print_trees(struct run *run, unsigned int index, const char *when)
{
	for (unsigned int i = 0; i < run->nr; i++) {
		struct kernel_run *kr = &run->kr[i];

		s2rt_ctx_enter(kr->ctx);
		s2_tree_print(run->opts->out, kr->k->name, kr->k->target,
			      kr->vm, index + 1, when);
		s2rt_findings(&kr->runtime_seen);
	}
}

/* Every kernel starts the input's schedule from its first byte. */
static void start_schedule(struct s2rt_schedule *s,
			   const struct s2_schedule *in)
{
	static const enum s2rt_sched_mode modes[] = {
		[S2_SCHED_NONE] = S2RT_SCHED_NONE,
		[S2_SCHED_BYTES] = S2RT_SCHED_BYTES,
		[S2_SCHED_PCT] = S2RT_SCHED_PCT,
	};

	s2rt_schedule_init(s, modes[in->mode], in->bytes, in->nr_bytes,
			   in->seed, in->depth);
}

static int start(struct run *run, const struct s2_named_target *k,
		 struct kernel_run *kr)
{
	struct s2_config cfg = { .ipa_bits = run->seq->ipa_bits };
	char buf[16];
	int rc;

	/* All but the report's findings, which are counted, not cleared. */
	memset(kr, 0, offsetof(struct kernel_run, report));
	s2o_report_init(&kr->report, &kr->info);
	kr->k = k;
	kr->ctx = s2rt_ctx_create(run->seq->features);
	if (!kr->ctx)
		abort();
	s2rt_ctx_enter(kr->ctx);
	/* A trace, or a finding's listing, shows gets and puts. */
	s2rt_log_refcounts(run->opts->out || run->opts->trace);
	kr->vm = k->target->init(&cfg, &rc);
	if (!kr->vm) {
		if (run->opts->out)
			fprintf(run->opts->out, "FINDING init %s: %s\n",
				k->name, s2o_rc_name(rc, buf, sizeof(buf)));
		if (!run->res->findings++)
			snprintf(run->res->first, sizeof(run->res->first),
				 "init-failed");
		s2rt_ctx_free(kr->ctx);
		return -1;
	}
	s2rt_events_clear();
	take_spares(kr, kr - run->kr);
	start_schedule(&kr->sched, &run->seq->sched);
	s2o_view_build(&kr->before, run->seq->ipa_bits);
	s2o_imap_copy(&kr->after, &kr->before);
	return 0;
}

static void stop(struct run *run, struct kernel_run *kr)
{
	s2rt_ctx_enter(kr->ctx);
	if (kr->vm)
		kr->k->target->destroy(kr->vm);
	free(kr->tables);
	park_spares(kr, kr - run->kr);
	s2rt_ctx_free(kr->ctx);
}

/* One op (or the destroy, past the last), or a section, on every kernel. */
static void step(struct run *run, struct s2o_diff **diffs,
		 const struct section *sec, unsigned int op)
{
	const struct s2_seq *seq = run->seq;
	const struct s2_op *o = op < seq->nr_ops ? &seq->ops[op] : NULL;
	bool tree = run->opts->tree_op && run->opts->out &&
		    op + 1 == run->opts->tree_op;

	if (tree)
		print_trees(run, op, "before");
	for (unsigned int i = 0; i < run->nr; i++) {
		if (sec)
			run_section(run, &run->kr[i], sec);
		else
			run_one(run, &run->kr[i], o, op);
	}
	for (unsigned int i = 0; i < run->nr; i++)
		report(run, run->kr[i].k->name, run->kr[i].info.api,
		       &run->kr[i].report, &run->kr[i].info);
	if (o)
		differential(run, diffs);
	if (tree)
		print_trees(run, op, "after");
	for (unsigned int i = 0; i < run->nr; i++)
		finish_op(&run->kr[i]);
}

unsigned int s2_run(const struct s2_named_target *kernels, unsigned int nr,
		    const struct s2_seq *seq, const struct s2_run_opts *opts,
		    struct s2_run_result *result)
{
	struct s2_run_result local;
	struct s2o_diff *diffs[S2_MAX_KERNELS] = { 0 };
	/* Not zeroed whole: start() clears each kernel's run (60 KB here). */
	struct run run;

	run.seq = seq;
	run.opts = opts;
	run.res = result ? result : &local;
	*run.res = (struct s2_run_result){ 0 };
	for (run.nr = 0; run.nr < nr && run.nr < S2_MAX_KERNELS; run.nr++)
		if (start(&run, &kernels[run.nr], &run.kr[run.nr]))
			goto out;
	for (unsigned int i = 1; i < run.nr; i++)
		diffs[i] = take_diff(i, opts->strict);
	for (unsigned int op = 0, thread = 0, thread_alone = 0;
	     op <= seq->nr_ops;) {
		const struct s2_op *o = op < seq->nr_ops ? &seq->ops[op] : NULL;

		if (o && o->kind == S2_OP_THREAD) {
			thread = o->count;
			op++;
			continue;
		}
		if (o && thread && op >= thread_alone) {
			struct section sec;

			section_at(seq, op, &thread, &sec);
			if (sec.threads & (sec.threads - 1)) {
				step(&run, diffs, &sec, op);
				op = sec.end;
				continue;
			}
			/* One thread alone runs as sequential ops do. */
			thread_alone = sec.end;
		}
		if (!o && opts->dump && opts->out) {
			for (unsigned int i = 0; i < run.nr; i++) {
				fprintf(opts->out, "# %s\n", run.kr[i].k->name);
				s2rt_ctx_enter(run.kr[i].ctx);
				run.kr[i].k->target->walk(run.kr[i].vm,
							  dump_entry,
							  opts->out);
			}
		}
		step(&run, diffs, NULL, op);
		op++;
	}
out:
	for (unsigned int i = 0; i < run.nr; i++) {
		if (diffs[i])
			spares[i].diff = diffs[i];
		stop(&run, &run.kr[i]);
	}
	return run.res->findings;
}
