/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernels linked into one binary, in the order they were named.  The
 * table itself is generated at link time (build/…/registry.c).
 */
#ifndef S2FUZZ_REGISTRY_H
#define S2FUZZ_REGISTRY_H

#include <stdbool.h>

#include "../targets/target.h"

struct s2_named_target {
	const char *name;	/* the kernel spec, e.g. "linux-6.12" */
	const struct s2_target *target;
};

extern const struct s2_named_target s2_registry[];
extern const unsigned int s2_registry_size;
/* Return codes and structure must agree too: the kernels share one base. */
extern const bool s2_registry_strict;

#endif /* S2FUZZ_REGISTRY_H */
