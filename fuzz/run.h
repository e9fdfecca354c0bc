/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running one sequence on every kernel in lockstep: each op through the
 * target ABI on each kernel in turn, the oracle on each, then the
 * differential between the first kernel and each other one.
 */
#ifndef S2FUZZ_RUN_H
#define S2FUZZ_RUN_H

#include <stdio.h>

#include "registry.h"
#include "seq.h"

struct s2_run_opts {
	FILE *out;		/* findings and dumps; NULL: silent */
	FILE *trace;		/* the event log of every op; NULL: none */
	bool dump;		/* each kernel's final mapping as op lines */
	bool strict;		/* return codes and structure must agree too */
	bool divergences;	/* print intended differences between kernels */
	unsigned int tree_op;	/* print each kernel's table before and after
				 * this op (1-based, as findings number them)
				 * as JSON lines; 0: none */
	bool fault_window;	/* a simulated MMU translates the op's IPAs at
				 * every yield point; print the faults */
};

struct s2_run_result {
	unsigned int findings;	/* failures */
	unsigned int known;	/* findings listed in known-differences.def */
	unsigned int divergences;
	char first[64];		/* signature of the first finding */
	char first_known[64];	/* and of the first known one */
};

/*
 * Runs one op on a target, as the runner does: no checks.  A thread op is
 * a directive for the runner, and does nothing here.
 */
int s2_dispatch(const struct s2_target *t, struct s2_vm *vm,
		const struct s2_op *op);

/* Returns the number of findings (result, if not NULL, says more). */
unsigned int s2_run(const struct s2_named_target *kernels, unsigned int nr,
		    const struct s2_seq *seq, const struct s2_run_opts *opts,
		    struct s2_run_result *result);

#endif /* S2FUZZ_RUN_H */
