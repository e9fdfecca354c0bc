/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the bench programs share: a clock, and the bare API, which runs a
 * sequence through the target ABI on every kernel linked in with nothing
 * checked.  The shim still records its events, as it must for the harness,
 * so the bare run is what the harness costs without the oracle.  Static
 * inline: each bench program is one source file linked by `s2fuzz build
 * --main`, and takes what it uses.
 */
#ifndef S2FUZZ_BENCH_H
#define S2FUZZ_BENCH_H

#include <time.h>

#include "../fuzz/registry.h"
#include "../fuzz/run.h"
#include "../targets/runtime/runtime.h"

/*
 * Seconds of this process's CPU time: what the work costs, whatever else
 * the machine runs meanwhile (it is shared, and has few cores).
 */
static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Returns the events the kernels' ops recorded (what the oracle reads), or
 * -1 if a kernel could not even create its table.
 */
static inline long bench_run_bare(const struct s2_seq *seq)
{
	struct s2_config cfg = { .ipa_bits = seq->ipa_bits };
	long events = 0;

	for (unsigned int k = 0; k < s2_registry_size; k++) {
		const struct s2_target *t = s2_registry[k].target;
		struct s2rt_ctx *ctx = s2rt_ctx_create(seq->features);
		struct s2_vm *vm;
		int rc;

		if (!ctx)
			return -1;
		s2rt_ctx_enter(ctx);
		vm = t->init(&cfg, &rc);
		if (!vm) {
			s2rt_ctx_free(ctx);
			return -1;
		}
		for (unsigned int i = 0; i < seq->nr_ops; i++) {
			size_t nr;

			s2_dispatch(t, vm, &seq->ops[i]);
			s2rt_events(&nr);
			events += nr;
			s2rt_events_clear();
		}
		t->destroy(vm);
		s2rt_ctx_free(ctx);
	}
	return events;
}

#endif /* S2FUZZ_BENCH_H */
