// SPDX-License-Identifier: GPL-2.0-only
/*
 * A reproducer as a C program: each op one call through the target ABI
 * (targets/target.h) into the kernel's pgtable.c, with the runtime's own
 * checks after it.  Something to step through in gdb, or to turn into a
 * kernel test; the oracle's model and differential are not in it.
 */
#include <inttypes.h>

#include "repro-c.h"

static const char *prot_c(unsigned int prot, char buf[64])
{
	static const struct {
		unsigned int bit;
		const char *name;
	} bits[] = {
		{ S2_PROT_R, "S2_PROT_R" },
		{ S2_PROT_W, "S2_PROT_W" },
		{ S2_PROT_X, "S2_PROT_X" },
		{ S2_PROT_DEVICE, "S2_PROT_DEVICE" },
	};
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (prot & bits[i].bit)
			n += snprintf(buf + n, 64 - n, "%s%s", n ? " | " : "",
				      bits[i].name);
	if (!n)
		snprintf(buf, 64, "0");
	return buf;
}

/* The call that runs op: the same mapping as s2_dispatch() (fuzz/run.c). */
static void op_call(const struct s2_op *op, FILE *out)
{
	char p[64];

	switch (op->kind) {
	case S2_OP_MAP:
		fprintf(out, "t->map(vm, 0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64
			", %s)", op->ipa, op->size, op->pa, prot_c(op->prot, p));
		break;
	case S2_OP_FAULT:
		fprintf(out, "t->fault(vm, 0x%" PRIx64 ", 0x%" PRIx64 ", %s, %s)",
			op->ipa, (uint64_t)S2_MEMSLOT_PA(op->ipa),
			prot_c(op->prot, p), op->page ? "true" : "false");
		break;
	case S2_OP_RELAX:
		fprintf(out, "t->relax(vm, 0x%" PRIx64 ", %s)", op->ipa,
			prot_c(op->prot, p));
		break;
	case S2_OP_MKYOUNG:
		fprintf(out, "t->mkyoung(vm, 0x%" PRIx64 ")", op->ipa);
		break;
	case S2_OP_OWNER:
		fprintf(out, "t->set_owner(vm, 0x%" PRIx64 ", 0x%" PRIx64 ", %u)",
			op->ipa, op->size, op->count);
		break;
	case S2_OP_MEMCACHE:
		fprintf(out, "(t->set_memcache(vm, %u), 0)", op->count);
		break;
	default:	/* the ops that take a range and nothing else */
		fprintf(out, "t->%s(vm, 0x%" PRIx64 ", 0x%" PRIx64 ")",
			op->kind == S2_OP_UNMAP ? "unmap" :
			op->kind == S2_OP_WRPROTECT ? "wrprotect" :
			op->kind == S2_OP_MKOLD ? "mkold" :
			op->kind == S2_OP_SPLIT ? "split" : "flush",
			op->ipa, op->size);
	}
}

static bool has_threads(const struct s2_seq *seq)
{
	for (unsigned int i = 0; i < seq->nr_ops; i++)
		if (seq->ops[i].kind == S2_OP_THREAD)
			return true;
	return false;
}

/* Straight-line calls cannot interleave: say so, and keep the schedule. */
static void sections_comment(const struct s2_seq *seq, FILE *out)
{
	if (!has_threads(seq) && seq->sched.mode == S2_SCHED_NONE)
		return;
	fputs(" *\n * Its concurrent sections (the thread lines) run here in\n"
	      " * file order, one op after another, not as the scheduler\n",
	      out);
	if (seq->sched.mode == S2_SCHED_NONE) {
		fputs(" * interleaves them.\n", out);
		return;
	}
	fputs(" * interleaves them with the sequence's schedule:\n", out);
	s2_sched_print(&seq->sched, " *   ", out);
}

void s2_seq_print_c(const struct s2_seq *seq, const char *name, FILE *out)
{
	fprintf(out,
		"// SPDX-License-Identifier: GPL-2.0-only\n"
		"/*\n * %s as a C program, written by `s2fuzz repro-c`.\n"
		" * Each op is one call into pgtable.c through the adapter;\n"
		" * the runtime checks refcounts after each and leaks at the\n"
		" * end, and prints what it finds (exit 1).\n", name);
	sections_comment(seq, out);
	fprintf(out,
		" */\n"
		"#include <stdbool.h>\n#include <stdio.h>\n\n"
		"#include \"target.h\"\n#include \"runtime.h\"\n\n"
		"extern const struct s2_target S2_TARGET_SYMBOL;\n\n"
		"static int after(int op, int rc)\n{\n"
		"\tprintf(\"op %%d: rc %%d\\n\", op, rc);\n"
		"\ts2rt_check_refcounts();\n\treturn rc;\n}\n\n"
		"int main(void)\n{\n"
		"\tconst struct s2_target *t = &S2_TARGET_SYMBOL;\n"
		"\tstruct s2_config cfg = { .ipa_bits = %u, .features = %u };\n"
		"\tstruct s2rt_ctx *ctx = s2rt_ctx_create(cfg.features);\n"
		"\tconst struct s2rt_finding *f;\n"
		"\tstruct s2_vm *vm;\n\tsize_t nr;\n\tint rc;\n\n"
		"\ts2rt_ctx_enter(ctx);\n"
		"\tvm = t->init(&cfg, &rc);\n"
		"\tif (!vm) {\n\t\tprintf(\"init: rc %%d\\n\", rc);\n"
		"\t\treturn 1;\n\t}\n",
		seq->ipa_bits, seq->features);
	for (unsigned int i = 0; i < seq->nr_ops; i++) {
		char text[128];

		s2_op_text(seq, &seq->ops[i], text, sizeof(text));
		/* A thread op calls nothing: the ops after it just follow. */
		if (seq->ops[i].kind == S2_OP_THREAD) {
			fprintf(out, "\t/* %s */\n", text);
			continue;
		}
		fprintf(out, "\t/* %s */\n\tafter(%u, ", text, i + 1);
		op_call(&seq->ops[i], out);
		fputs(");\n", out);
	}
	fprintf(out,
		"\tt->destroy(vm);\n\ts2rt_check_leaks();\n"
		"\tf = s2rt_findings(&nr);\n"
		"\tfor (size_t i = 0; i < nr; i++)\n"
		"\t\tprintf(\"FINDING %%s: %%s\\n\", "
		"s2rt_check_name(f[i].check), f[i].msg);\n"
		"\ts2rt_ctx_free(ctx);\n"
		"\treturn nr ? 1 : 0;\n}\n");
}
