// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bare API: map and unmap one 4K page, over and over, through the
 * target ABI with no checks, on every kernel linked in.  The table below
 * the page is kept (the neighbouring page stays mapped), as in steady-state
 * faulting.  Prints one line per kernel: "<spec> map+unmap 4K: N ops/s"
 * (per second of CPU time, bench.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#define ROUNDS 200000

static int bench(const struct s2_named_target *k, long rounds)
{
	struct s2_config cfg = { .ipa_bits = 40 };
	struct s2rt_ctx *ctx = s2rt_ctx_create(0);
	const struct s2_target *t = k->target;
	struct s2_vm *vm;
	double start;
	int rc;

	if (!ctx)
		return 1;
	s2rt_ctx_enter(ctx);
	vm = t->init(&cfg, &rc);
	if (!vm || t->map(vm, 0x40001000, 4096, 0x80001000, S2_PROT_R))
		return 1;
	start = bench_now();
	for (long i = 0; i < rounds; i++) {
		rc = t->map(vm, 0x40000000, 4096, 0x80000000,
			    S2_PROT_R | S2_PROT_W);
		rc |= t->unmap(vm, 0x40000000, 4096);
		s2rt_events_clear();
		if (rc)
			return 1;
	}
	printf("%s map+unmap 4K: %.0f ops/s\n", k->name,
	       2 * rounds / (bench_now() - start));
	t->destroy(vm);
	s2rt_ctx_free(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : ROUNDS;

	for (unsigned int i = 0; i < s2_registry_size; i++) {
		if (bench(&s2_registry[i], rounds)) {
			fprintf(stderr, "%s: the loop failed\n",
				s2_registry[i].name);
			return 1;
		}
	}
	return 0;
}
