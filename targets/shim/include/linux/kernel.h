/* SPDX-License-Identifier: GPL-2.0-only */
/* Mirrors the generic helpers of <linux/kernel.h> and <linux/minmax.h>. */
#ifndef S2SHIM_LINUX_KERNEL_H
#define S2SHIM_LINUX_KERNEL_H

#include <linux/const.h>
#include <linux/types.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define __rcu
#define __must_check __attribute__((__warn_unused_result__))

#endif
