// SPDX-License-Identifier: GPL-2.0-only
/*
 * API generation "visit-ctx" (linux 6.12): visitors take a
 * kvm_pgtable_visit_ctx; faults walk shared (cmpxchg, a locked invalid PTE
 * during break-before-make) and free detached tables through
 * free_unlinked_table, which KVM defers past an RCU grace period; split and
 * ranged test_clear_young exist; levels are s8.
 */
#include <string.h>

#include "adapter.h"

const char s2_gen_api[] = "visit-ctx";
const bool s2_gen_shared_walks = true;

/*
 * The list is the VM's: free-running vCPUs take turns with it under the
 * runtime's lock, which ThreadSanitizer does not see (sched.c), so it is
 * not shown these accesses either.
 */
__attribute__((no_sanitize("thread")))
static bool defer(struct s2_vm *vm, void *table, int level)
{
	S2RT_SERIALIZED();

	if (vm->nr_deferred == S2_MAX_DEFERRED)
		return false;
	vm->deferred[vm->nr_deferred].table = table;
	vm->deferred[vm->nr_deferred].level = level;
	vm->deferred[vm->nr_deferred].token = s2rt_rcu_defer();
	vm->nr_deferred++;
	return true;
}

/* An expired one, taken off the list, or false. */
__attribute__((no_sanitize("thread")))
static bool take_expired(struct s2_vm *vm, void **table, int *level)
{
	S2RT_SERIALIZED();

	for (unsigned int i = 0; i < vm->nr_deferred; i++) {
		if (!s2rt_rcu_expired(vm->deferred[i].token))
			continue;
		*table = vm->deferred[i].table;
		*level = vm->deferred[i].level;
		vm->nr_deferred--;
		memmove(&vm->deferred[i], &vm->deferred[i + 1],
			(vm->nr_deferred - i) * sizeof(vm->deferred[0]));
		return true;
	}
	return false;
}

/*
 * stage2_free_unlinked_table(): KVM frees through call_rcu.  A walker that
 * is not shared holds the write lock, so nothing else can see the table and
 * it is freed at once (poisoned); under a shared walk it waits until every
 * read side that began before has ended (s2_gen_grace_period()).
 */
static void free_unlinked_table(void *addr, s8 level)
{
	struct s2_vm *vm = s2_current_vm;

	s2rt_note_free_unlinked(addr, level);
	if (!s2rt_rcu_read_lock_held() || !defer(vm, addr, level))
		kvm_pgtable_stage2_free_unlinked(&vm->mm_ops, addr, level);
}

void s2_gen_mm_ops(struct kvm_pgtable_mm_ops *mm_ops)
{
	mm_ops->free_unlinked_table = free_unlinked_table;
}

/*
 * The RCU callbacks whose grace period is over.  Each is taken off the
 * list before its free: the free has yield points, and another vCPU may
 * defer more meanwhile.
 */
void s2_gen_grace_period(struct s2_vm *vm)
{
	void *table;
	int level;

	while (take_expired(vm, &table, &level))
		kvm_pgtable_stage2_free_unlinked(&vm->mm_ops, table, level);
}

int s2_gen_map(struct s2_vm *vm, u64 ipa, u64 size, u64 pa,
	       enum kvm_pgtable_prot prot)
{
	return kvm_pgtable_stage2_map(&vm->pgt, ipa, size, pa, prot,
				      s2_memcache(vm), 0);
}

/* user_mem_abort() maps under the read lock, racing other vCPUs. */
int s2_gen_fault(struct s2_vm *vm, u64 ipa, u64 granule, u64 pa,
		 enum kvm_pgtable_prot prot)
{
	return kvm_pgtable_stage2_map(&vm->pgt, ipa, granule, pa, prot,
				      s2_memcache(vm),
				      KVM_PGTABLE_WALK_HANDLE_FAULT |
					      KVM_PGTABLE_WALK_SHARED);
}

u64 s2_gen_leaf_granule(struct s2_vm *vm, u64 ipa)
{
	kvm_pte_t pte = 0;
	s8 level = KVM_PGTABLE_LAST_LEVEL;

	if (kvm_pgtable_get_leaf(&vm->pgt, ipa, &pte, &level) ||
	    !kvm_pte_valid(pte))
		return 0;
	return kvm_granule_size(level);
}

int s2_gen_mkold(struct s2_vm *vm, u64 ipa, u64 size)
{
	return kvm_pgtable_stage2_test_clear_young(&vm->pgt, ipa, size, true);
}

/*
 * kvm_mmu_split_huge_pages(): the split cache lives in the mmu, where
 * pgtable.c finds the mmu again by container_of(), and holds what KVM tops
 * it up to for the range (s2_split_cache_pages()).
 */
int s2_gen_split(struct s2_vm *vm, u64 ipa, u64 size)
{
	struct kvm_mmu_memory_cache *mc = &vm->mmu.split_page_cache;
	int rc;

	mc->nobjs = s2_memcache_pages(vm, s2_split_cache_pages(size));
	rc = kvm_pgtable_stage2_split(&vm->pgt, ipa, size, mc);
	mc->nobjs = 0;
	return rc;
}
