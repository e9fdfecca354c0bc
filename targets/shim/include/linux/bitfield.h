/* SPDX-License-Identifier: GPL-2.0-only */
/* Mirrors <linux/bitfield.h>: masks are non-zero compile-time constants. */
#ifndef S2SHIM_LINUX_BITFIELD_H
#define S2SHIM_LINUX_BITFIELD_H

#include <linux/bits.h>

#define __bf_shf(mask) __builtin_ctzll(mask)
#define FIELD_PREP(mask, val) (((u64)(val) << __bf_shf(mask)) & (mask))
#define FIELD_GET(mask, reg) (((reg) & (mask)) >> __bf_shf(mask))

#endif
