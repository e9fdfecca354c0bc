/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Customised for testing: a WARN in the files under test is a finding, so
 * it is recorded with file and line.  WARN_ON_ONCE records every time: a
 * fuzzer runs many sequences in one process, and each must see its own.
 */
#ifndef S2SHIM_ASM_BUG_H
#define S2SHIM_ASM_BUG_H

#include <linux/kernel.h>
#include "hooks.h"

#define WARN_ON(condition)                                                  \
	({                                                                  \
		bool __s2_warn = !!(condition);                             \
		if (unlikely(__s2_warn))                                    \
			s2rt_warn(__FILE__, __LINE__, #condition);          \
		__s2_warn;                                                  \
	})
#define WARN_ON_ONCE(condition) WARN_ON(condition)
#define WARN(condition, fmt, ...) WARN_ON(condition)

#endif
