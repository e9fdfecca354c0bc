// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../targets/runtime/runtime.h"
#include "run.h"

const char *s2_errno_name(int rc, char buf[16])
{
	static const char *const names[] = {
		[1] = "EPERM", [7] = "E2BIG", [11] = "EAGAIN", [12] = "ENOMEM",
		[17] = "EEXIST", [22] = "EINVAL", [34] = "ERANGE",
	};

	if (rc == S2_UNSUPPORTED)
		return "unsupported";
	if (rc < 0 && -rc < (int)(sizeof(names) / sizeof(names[0])) &&
	    names[-rc])
		snprintf(buf, 16, "-%s", names[-rc]);
	else
		snprintf(buf, 16, "%d", rc);
	return buf;
}

static int dispatch(const struct s2_target *t, struct s2_vm *vm,
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
	}
	abort();
}

static void trace_events(FILE *trace)
{
	const struct s2rt_event *ev;
	size_t nr;

	ev = s2rt_events(&nr);
	for (size_t i = 0; i < nr; i++)
		s2rt_event_print(&ev[i], trace);
}

/* The op as its text line, without the newline. */
static const char *op_text(const struct s2_seq *seq, const struct s2_op *op,
			   char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");
	size_t end;

	if (!f)
		return "?";
	s2_op_print(seq, op, f);
	fclose(f);
	end = strcspn(buf, "\n");
	buf[end] = '\0';
	return buf;
}

/* Findings are printed once each, as they are judged. */
static int report(const char *name, const struct s2_seq *seq, int op,
		  size_t *seen, FILE *out)
{
	const struct s2rt_finding *f;
	char text[128];
	size_t nr;
	int count = 0;

	f = s2rt_findings(&nr);
	for (; *seen < nr; (*seen)++, count++) {
		fprintf(out, "FINDING %s [%s] ", name,
			s2rt_check_name(f[*seen].check));
		if (op < 0)
			fprintf(out, "at destroy: ");
		else
			fprintf(out, "op %d `%s`: ", op + 1,
				op_text(seq, &seq->ops[op], text, sizeof(text)));
		fprintf(out, "%s\n", f[*seen].msg);
	}
	return count;
}

int s2_run(const char *name, const struct s2_target *target,
	   const struct s2_seq *seq, const struct s2_run_opts *opts,
	   FILE *out)
{
	struct s2_config cfg = { .ipa_bits = seq->ipa_bits };
	struct s2rt_ctx *ctx = s2rt_ctx_create(seq->features);
	struct s2_vm *vm;
	size_t seen = 0;
	int findings = 0, rc;
	char buf[16], text[128];

	if (!ctx)
		return -1;
	s2rt_ctx_enter(ctx);
	vm = target->init(&cfg, &rc);
	if (!vm) {
		fprintf(out, "%s: init failed (%s)\n", name,
			s2_errno_name(rc, buf));
		s2rt_ctx_free(ctx);
		return -1;
	}
	s2rt_events_clear();
	for (unsigned int i = 0; i < seq->nr_ops; i++) {
		rc = dispatch(target, vm, &seq->ops[i]);
		s2rt_check_refcounts();
		if (opts->trace) {
			fprintf(opts->trace, "%s op %u: %s\n", name, i + 1,
				op_text(seq, &seq->ops[i], text, sizeof(text)));
			trace_events(opts->trace);
			fprintf(opts->trace, "  => %s\n", s2_errno_name(rc, buf));
		}
		s2rt_events_clear();
		findings += report(name, seq, i, &seen, out);
	}
	if (opts->final_state)
		opts->final_state(target, vm, opts->arg);
	target->destroy(vm);
	s2rt_check_leaks();
	if (opts->trace) {
		fprintf(opts->trace, "%s destroy:\n", name);
		trace_events(opts->trace);
	}
	findings += report(name, seq, -1, &seen, out);
	s2rt_ctx_free(ctx);
	return findings;
}
