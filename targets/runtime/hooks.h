/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the shim's macros reach in the runtime: PTE stores, TLB and cache
 * maintenance, WARNs, RCU read sections and CPU features.  Kept apart from
 * runtime.h so the shim pulls in no libc header beyond the fixed-width ones.
 */
#ifndef S2FUZZ_HOOKS_H
#define S2FUZZ_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../target.h"

bool s2rt_feature(unsigned int feat);
void s2rt_store(uint64_t *ptep, uint64_t val, bool release);
uint64_t s2rt_cmpxchg(uint64_t *ptep, uint64_t old, uint64_t val);
/*
 * ThreadSanitizer builds: the shim performs the atomic itself, in the
 * kernel's own code where ThreadSanitizer sees it, and tells the runtime
 * (which it does not instrument) what happened.
 */
void s2rt_stored(uint64_t *ptep, uint64_t old, uint64_t val);
void s2rt_cmpxchg_done(uint64_t *ptep, uint64_t old, uint64_t val,
		       uint64_t found);
void s2rt_warn(const char *file, int line, const char *cond);
void s2rt_tlbi_vmid(const void *mmu);
void s2rt_tlbi_ipa(const void *mmu, uint64_t ipa, int level, bool nsh);
void s2rt_tlbi_range(const void *mmu, uint64_t start, unsigned long pages);
void s2rt_caller_flush(const void *mmu);
void s2rt_dcache_clean(void *va, size_t size);
void s2rt_icache_inval(void *va, size_t size);
void s2rt_rcu_read_lock(void);
void s2rt_rcu_read_unlock(void);
bool s2rt_rcu_read_lock_held(void);

/*
 * A point where the scheduler may run another thread (and the simulated
 * MMU looks at the table).  s2rt_yields is false unless a section or a
 * probe is on, so a sequential run pays one load per point.
 */
extern bool s2rt_yields;
void s2rt_yield(void);
#define S2RT_YIELD_POINT()                                                  \
	do {                                                                \
		if (s2rt_yields)                                            \
			s2rt_yield();                                       \
	} while (0)

#endif /* S2FUZZ_HOOKS_H */
