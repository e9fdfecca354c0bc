// SPDX-License-Identifier: GPL-2.0-only
/*
 * A kernel's live table as JSON lines (s2replay --tree): table pages with
 * their page_count() and every non-zero entry, for readers that know no C
 * (the gate's report.html draws from it).
 */
#include <inttypes.h>

#include "../oracle/desc.h"
#include "../targets/runtime/runtime.h"
#include "tree.h"

struct tree_print {
	FILE *out;
	const char *kernel;
	unsigned int op;	/* 1-based */
	const char *when;	/* "before" or "after" */
	int root_level;		/* of the first entry: the walk starts there */
	uint64_t last_root;	/* the root page announced last */
};

static void json_string(const char *s, FILE *out)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", (unsigned int)*s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void tree_head(const struct tree_print *tp, const char *kind)
{
	fputs("{\"kernel\":", tp->out);
	json_string(tp->kernel, tp->out);
	fprintf(tp->out, ",\"op\":%u,\"tree\":\"%s\",\"kind\":\"%s\"", tp->op,
		tp->when, kind);
}

static void tree_page(const struct tree_print *tp, uint64_t pa, int level,
		      uint64_t ipa)
{
	tree_head(tp, "page");
	fprintf(tp->out,
		",\"pa\":\"0x%" PRIx64 "\",\"level\":%d,\"ipa\":\"0x%" PRIx64
		"\",\"count\":%d}\n",
		pa, level, ipa, s2rt_page_count(s2rt_phys_to_virt(pa)));
}

/*
 * Every page is announced once: a root page at its first entry (root
 * entries come in page order), any other by the entry that links it, so
 * an empty table page shows too.
 */
static void tree_entry(const struct s2_entry *e, void *arg)
{
	struct tree_print *tp = arg;
	char desc[96];

	if (tp->root_level == S2RT_NO_LEVEL)
		tp->root_level = e->level;
	if (e->level == tp->root_level && e->table_pa != tp->last_root) {
		tp->last_root = e->table_pa;
		tree_page(tp, e->table_pa, e->level,
			  e->ipa - e->index * s2_level_size(e->level));
	}
	s2_desc_describe(e->pte, e->level, desc, sizeof(desc));
	tree_head(tp, "entry");
	fprintf(tp->out,
		",\"level\":%d,\"ipa\":\"0x%" PRIx64 "\",\"pte\":\"0x%" PRIx64
		"\",\"page\":\"0x%" PRIx64 "\",\"index\":%u,\"desc\":",
		e->level, e->ipa, e->pte, e->table_pa, e->index);
	json_string(desc, tp->out);
	fputs("}\n", tp->out);
	if (s2_desc_is_table(e->pte, e->level))
		tree_page(tp, s2_desc_pa(e->pte), e->level + 1, e->ipa);
}

void s2_tree_print(FILE *out, const char *kernel, const struct s2_target *t,
		   struct s2_vm *vm, unsigned int op, const char *when)
{
	struct tree_print tp = {
		.out = out,
		.kernel = kernel,
		.op = op,
		.when = when,
		.root_level = S2RT_NO_LEVEL,
	};

	tree_head(&tp, "tree");
	fputs("}\n", out);
	if (vm)
		t->walk(vm, tree_entry, &tp);
}
