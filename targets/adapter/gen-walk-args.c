// SPDX-License-Identifier: GPL-2.0-only
/*
 * API generation "walk-args" (linux 6.1): visitors take (addr, end, level,
 * ptep, flag, arg); no shared walks, no split, ageing one address at a time
 * with mkold, u32 levels.  Tables are freed at once under the write lock.
 */
#include "../../oracle/desc.h"
#include "../runtime/runtime.h"
#include "adapter.h"

const char s2_gen_api[] = "walk-args";
/* 6.1 faults under the write lock, as any other op. */
const bool s2_gen_shared_walks = false;

void s2_gen_mm_ops(struct kvm_pgtable_mm_ops *mm_ops)
{
	(void)mm_ops;
}

void s2_gen_grace_period(struct s2_vm *vm)
{
	(void)vm;
}

int s2_gen_map(struct s2_vm *vm, u64 ipa, u64 size, u64 pa,
	       enum kvm_pgtable_prot prot)
{
	return kvm_pgtable_stage2_map(&vm->pgt, ipa, size, pa, prot,
				      s2_memcache(vm));
}

/* 6.1 has no shared walks: faults map under the lock like any map. */
int s2_gen_fault(struct s2_vm *vm, u64 ipa, u64 granule, u64 pa,
		 enum kvm_pgtable_prot prot)
{
	return kvm_pgtable_stage2_map(&vm->pgt, ipa, granule, pa, prot,
				      s2_memcache(vm));
}

static u64 leaf_at(struct s2_vm *vm, u64 ipa, kvm_pte_t *pte)
{
	u32 level = KVM_PGTABLE_MAX_LEVELS - 1;

	*pte = 0;
	if (kvm_pgtable_get_leaf(&vm->pgt, ipa, pte, &level))
		return PAGE_SIZE;
	return kvm_granule_size(level);
}

u64 s2_gen_leaf_granule(struct s2_vm *vm, u64 ipa)
{
	kvm_pte_t pte;
	u64 granule = leaf_at(vm, ipa, &pte);

	return kvm_pte_valid(pte) ? granule : 0;
}

/*
 * kvm_age_gfn() ages one address per call; a range is aged leaf by leaf,
 * stepping over holes by the size of the level the walk stopped at.
 */
int s2_gen_mkold(struct s2_vm *vm, u64 ipa, u64 size)
{
	u64 addr = ipa, end = ipa + size;
	int young = 0;

	while (addr < end) {
		kvm_pte_t pte;
		u64 granule = leaf_at(vm, addr, &pte);

		if (kvm_pte_valid(pte)) {
			pte = kvm_pgtable_stage2_mkold(&vm->pgt, addr);
			young |= !!(pte & S2_DESC_AF);
		}
		addr = ALIGN_DOWN(addr, granule) + granule;
	}
	return young;
}

int s2_gen_split(struct s2_vm *vm, u64 ipa, u64 size)
{
	(void)vm;
	(void)ipa;
	(void)size;
	return S2_UNSUPPORTED;
}
