/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Customised for testing: <linux/rcupdate.h>.  Read-side sections are
 * counted by the runtime, which defers frees of unlinked tables past them.
 */
#ifndef S2SHIM_LINUX_RCUPDATE_H
#define S2SHIM_LINUX_RCUPDATE_H

#include "hooks.h"

#define rcu_read_lock() s2rt_rcu_read_lock()
#define rcu_read_unlock() s2rt_rcu_read_unlock()
#define rcu_read_lock_held() s2rt_rcu_read_lock_held()
#define rcu_dereference_check(p, c) (p)

#endif
