// SPDX-License-Identifier: GPL-2.0-only
/* The event log as a kernel developer reads it (`s2fuzz replay --trace`). */
#include <inttypes.h>

#include "../../oracle/desc.h"
#include "runtime.h"

static void print_level(const struct s2rt_event *ev, FILE *out)
{
	if (ev->level == S2RT_NO_LEVEL)
		fprintf(out, "level ?");
	else
		fprintf(out, "L%d", ev->level);
}

static void print_store(const struct s2rt_event *ev, const char *what,
			FILE *out)
{
	char before[96], after[96];

	s2_desc_describe(ev->b, ev->level, before, sizeof(before));
	s2_desc_describe(ev->c, ev->level, after, sizeof(after));
	fprintf(out, "  %-9s ", what);
	print_level(ev, out);
	if (ev->level != S2RT_NO_LEVEL)
		fprintf(out, " ipa 0x%" PRIx64, ev->ipa);
	fprintf(out, " [0x%" PRIx64 "+%u]: %s -> %s\n", ev->a, ev->index,
		before, after);
}

void s2rt_event_print(const struct s2rt_event *ev, FILE *out)
{
	if (ev->thread)
		fprintf(out, "t%u", ev->thread);
	switch (ev->kind) {
	case S2RT_EV_STORE:
		print_store(ev, "store", out);
		break;
	case S2RT_EV_CMPXCHG_FAIL:
		print_store(ev, "cmpxchg-lost", out);
		break;
	case S2RT_EV_TLBI_VMID:
		fprintf(out, "  tlbi      vmid\n");
		break;
	case S2RT_EV_TLBI_IPA:
	case S2RT_EV_TLBI_IPA_NSH:
		fprintf(out, "  tlbi      ipa%s 0x%" PRIx64 " ",
			ev->kind == S2RT_EV_TLBI_IPA_NSH ? "-nsh" : "", ev->a);
		if (ev->level == S2RT_NO_LEVEL)
			fprintf(out, "unhinted\n");
		else
			fprintf(out, "hint L%d\n", ev->level);
		break;
	case S2RT_EV_TLBI_RANGE:
		fprintf(out, "  tlbi      range 0x%" PRIx64 " +%" PRIu64 " pages\n",
			ev->a, ev->b);
		break;
	case S2RT_EV_CALLER_FLUSH:
		fprintf(out, "  tlbi      vmid (KVM's caller)\n");
		break;
	case S2RT_EV_DCACHE:
	case S2RT_EV_ICACHE:
		fprintf(out, "  %s    pa 0x%" PRIx64 " size 0x%" PRIx64 "\n",
			ev->kind == S2RT_EV_DCACHE ? "dcache" : "icache", ev->a,
			ev->b);
		break;
	case S2RT_EV_GET:
	case S2RT_EV_PUT:
		fprintf(out, "  %s       table 0x%" PRIx64 " -> count %" PRIu64 "\n",
			ev->kind == S2RT_EV_GET ? "get" : "put", ev->a, ev->b);
		break;
	case S2RT_EV_ALLOC:
	case S2RT_EV_FREE:
		fprintf(out, "  %-9s table 0x%" PRIx64 " (%" PRIu64 " page%s)\n",
			ev->kind == S2RT_EV_ALLOC ? "alloc" : "free", ev->a, ev->b,
			ev->b == 1 ? "" : "s");
		break;
	case S2RT_EV_ALLOC_FAIL:
		fprintf(out, "  alloc     failed\n");
		break;
	case S2RT_EV_FREE_UNLINKED:
		fprintf(out, "  free-unlinked table 0x%" PRIx64 " (linked at L%d)\n",
			ev->a, ev->level);
		break;
	case S2RT_EV_WARN:
		fprintf(out, "  WARN      %s:%" PRIu64 "\n",
			(const char *)(uintptr_t)ev->b, ev->a);
		break;
	}
}
