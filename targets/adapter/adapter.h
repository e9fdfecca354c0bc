/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Between the common adapter and the part that speaks one API generation.
 * Both are linked with one kernel's pgtable.c into one object whose only
 * global symbol is that kernel's struct s2_target.
 */
#ifndef S2FUZZ_ADAPTER_H
#define S2FUZZ_ADAPTER_H

/* pgtable.c includes it first, and kvm_pgtable.h relies on that. */
#include <linux/bitfield.h>
#include <asm/kvm_pgtable.h>
#include <asm/stage2_pgtable.h>

#include "../runtime/runtime.h"
#include "../target.h"

/* Deferred frees of unlinked tables, waiting for a grace period. */
#define S2_MAX_DEFERRED 256

struct s2_vm {
	struct kvm_pgtable pgt;
	struct kvm_s2_mmu mmu;
	struct kvm_arch arch;
	struct kvm_pgtable_mm_ops mm_ops;
	/* Each vCPU tops up its own memcache, as KVM's do. */
	struct kvm_mmu_memory_cache memcache[S2RT_THREAD_SLOTS];
	bool locked_write[S2RT_THREAD_SLOTS];
	/* A memcache directive is for the next op of its own thread. */
	long next_memcache[S2RT_THREAD_SLOTS];
	unsigned int nr_deferred;
	struct {
		void *table;
		int level;
		uint64_t token;	/* s2rt_rcu_defer() */
	} deferred[S2_MAX_DEFERRED];
};

/* The VM whose op is running: mm_ops callbacks get no context pointer. */
extern struct s2_vm *s2_current_vm;

/* Plenty for any op on a window of a few GiB: "never runs dry". */
#define S2_MEMCACHE_PLENTY (1L << 20)

/* Pages the running op's memcache gets: the input's, or the fallback. */
long s2_memcache_pages(const struct s2_vm *vm, long fallback);
/* The running thread's memcache. */
struct kvm_mmu_memory_cache *s2_memcache(struct s2_vm *vm);

/* Provided per API generation. */
extern const char s2_gen_api[];
/* Faults, relax and mkyoung walk shared, under the read lock. */
extern const bool s2_gen_shared_walks;
void s2_gen_mm_ops(struct kvm_pgtable_mm_ops *mm_ops);
void s2_gen_grace_period(struct s2_vm *vm);
int s2_gen_map(struct s2_vm *vm, u64 ipa, u64 size, u64 pa,
	       enum kvm_pgtable_prot prot);
int s2_gen_fault(struct s2_vm *vm, u64 ipa, u64 granule, u64 pa,
		 enum kvm_pgtable_prot prot);
int s2_gen_mkold(struct s2_vm *vm, u64 ipa, u64 size);
int s2_gen_split(struct s2_vm *vm, u64 ipa, u64 size);
/* The granule of the valid leaf mapping ipa, or 0. */
u64 s2_gen_leaf_granule(struct s2_vm *vm, u64 ipa);

#endif /* S2FUZZ_ADAPTER_H */
