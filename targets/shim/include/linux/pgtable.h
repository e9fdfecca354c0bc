/* SPDX-License-Identifier: GPL-2.0-only */
/* Mirrors <linux/pgtable.h>: only the arm64 4K-granule geometry is used. */
#ifndef S2SHIM_LINUX_PGTABLE_H
#define S2SHIM_LINUX_PGTABLE_H

#include <asm/pgtable-hwdef.h>

#endif
