/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running one sequence on one target: each op through the target ABI, the
 * runtime's own checks at every op boundary, and destroy with a leak check.
 */
#ifndef S2FUZZ_RUN_H
#define S2FUZZ_RUN_H

#include <stdio.h>

#include "../targets/target.h"
#include "seq.h"

struct s2_run_opts {
	FILE *trace;		/* NULL: no event log printed */
	/* Called with the live table after the last op, before destroy. */
	void (*final_state)(const struct s2_target *target, struct s2_vm *vm,
			    void *arg);
	void *arg;
};

/*
 * Returns the number of findings printed to out (prefixed by name), or -1
 * if the target could not even be initialised.
 */
int s2_run(const char *name, const struct s2_target *target,
	   const struct s2_seq *seq, const struct s2_run_opts *opts,
	   FILE *out);

const char *s2_errno_name(int rc, char buf[16]);

#endif /* S2FUZZ_RUN_H */
