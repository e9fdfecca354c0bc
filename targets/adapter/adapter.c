// SPDX-License-Identifier: GPL-2.0-only
/*
 * The common adapter: drives one kernel's kvm_pgtable API the way KVM's
 * arch/arm64/kvm/mmu.c does, behind the target ABI.  The mm_ops are KVM's
 * host callbacks (kvm_s2_mm_ops) re-created over the runtime's page pool.
 */
#include <stdlib.h>

#include "adapter.h"

#ifndef S2_TARGET_SYMBOL
#error "build with -DS2_TARGET_SYMBOL=<name of this kernel's target>"
#endif

/* ID_AA64MMFR0_EL1.PARange = 48 bits; ID_AA64MMFR1_EL1.VMIDBits = 16. */
#define S2_MMFR0 ID_AA64MMFR0_EL1_PARANGE_48
#define S2_MMFR1 (ID_AA64MMFR1_EL1_VMIDBits_16 << ID_AA64MMFR1_EL1_VMIDBits_SHIFT)

struct s2_vm *s2_current_vm;

/* --- KVM's host mm_ops, over the runtime's pool ------------------------- */

/*
 * Each mm_ops call is a yield point: KVM's callbacks take no lock, so
 * another vCPU may run between any two of them.
 */

/* kvm_mmu_memory_cache_alloc(): a memcache that runs dry fails the op. */
static void *memcache_zalloc_page(void *arg)
{
	struct kvm_mmu_memory_cache *mc = arg;

	S2RT_YIELD_POINT();
	if (mc) {
		if (mc->nobjs <= 0) {
			s2rt_note_alloc_fail();
			return NULL;
		}
		mc->nobjs--;
	}
	return s2rt_page_alloc();
}

static void *zalloc_pages_exact(size_t size)
{
	S2RT_YIELD_POINT();
	return s2rt_pages_exact_alloc(size);
}

static void free_pages_exact(void *addr, size_t size)
{
	S2RT_YIELD_POINT();
	s2rt_pages_exact_free(addr, size);
}

static void get_page(void *addr)
{
	S2RT_YIELD_POINT();
	s2rt_page_get(addr);
}

static void put_page(void *addr)
{
	S2RT_YIELD_POINT();
	s2rt_page_put(addr);
}

static int page_count(void *addr)
{
	S2RT_YIELD_POINT();
	return s2rt_page_count(addr);
}

static void *phys_to_virt(phys_addr_t phys)
{
	return s2rt_phys_to_virt(phys);
}

static phys_addr_t virt_to_phys(void *addr)
{
	return s2rt_virt_to_phys(addr);
}

/* __clean_dcache_guest_page(): with FWB the clean is the host's no-op. */
static void clean_dcache_guest_page(void *va, size_t size)
{
	S2RT_YIELD_POINT();
	if (!s2rt_feature(S2_FEAT_FWB))
		s2rt_dcache_clean(va, size);
}

static void invalidate_icache_guest_page(void *va, size_t size)
{
	S2RT_YIELD_POINT();
	s2rt_icache_inval(va, size);
}

static void init_mm_ops(struct kvm_pgtable_mm_ops *mm_ops)
{
	*mm_ops = (struct kvm_pgtable_mm_ops){
		.zalloc_page = memcache_zalloc_page,
		.zalloc_pages_exact = zalloc_pages_exact,
		.free_pages_exact = free_pages_exact,
		.get_page = get_page,
		.put_page = put_page,
		.page_count = page_count,
		.phys_to_virt = phys_to_virt,
		.virt_to_phys = virt_to_phys,
		.dcache_clean_inval_poc = clean_dcache_guest_page,
		.icache_inval_pou = invalidate_icache_guest_page,
	};
	s2_gen_mm_ops(mm_ops);
}

/* --- op plumbing --------------------------------------------------------- */

/* Free-running vCPUs of one VM all enter it: only a change is a store. */
static void enter(struct s2_vm *vm)
{
	if (s2_current_vm != vm)
		s2_current_vm = vm;
}

enum lock_mode { SHARED, EXCLUSIVE };

/* An op as KVM runs it: under kvm->mmu_lock, for read or for write. */
static void enter_locked(struct s2_vm *vm, enum lock_mode mode)
{
	bool write = mode == EXCLUSIVE || !s2_gen_shared_walks;

	enter(vm);
	s2rt_mmu_lock(write);
	vm->locked_write[s2rt_thread_self()] = write;
}

struct kvm_mmu_memory_cache *s2_memcache(struct s2_vm *vm)
{
	return &vm->memcache[s2rt_thread_self()];
}

long s2_memcache_pages(const struct s2_vm *vm, long fallback)
{
	long pages = vm->next_memcache[s2rt_thread_self()];

	return pages == S2_MEMCACHE_DEFAULT ? fallback : pages;
}

static void memcache_fill(struct s2_vm *vm, long fallback)
{
	s2_memcache(vm)->nobjs = s2_memcache_pages(vm, fallback);
}

/* The end of an op: its walk holds no reference past it. */
static int leave(struct s2_vm *vm, int rc)
{
	s2rt_mmu_unlock(vm->locked_write[s2rt_thread_self()]);
	vm->next_memcache[s2rt_thread_self()] = S2_MEMCACHE_DEFAULT;
	s2_gen_grace_period(vm);
	return rc;
}

static enum kvm_pgtable_prot kvm_prot(unsigned int prot)
{
	enum kvm_pgtable_prot p = 0;

	if (prot & S2_PROT_R)
		p |= KVM_PGTABLE_PROT_R;
	if (prot & S2_PROT_W)
		p |= KVM_PGTABLE_PROT_W;
	if (prot & S2_PROT_X)
		p |= KVM_PGTABLE_PROT_X;
	if (prot & S2_PROT_DEVICE)
		p |= KVM_PGTABLE_PROT_DEVICE;
	return p;
}

/* --- the target ABI ------------------------------------------------------ */

static struct s2_vm *vm_init(const struct s2_config *cfg, int *rc)
{
	struct s2_vm *vm = calloc(1, sizeof(*vm));

	if (!vm) {
		*rc = -ENOMEM;
		return NULL;
	}
	enter(vm);
	for (unsigned int t = 0; t < S2RT_THREAD_SLOTS; t++)
		vm->next_memcache[t] = S2_MEMCACHE_DEFAULT;
	vm->arch.vtcr = kvm_get_vtcr(S2_MMFR0, S2_MMFR1, cfg->ipa_bits);
	vm->mmu.vtcr = vm->arch.vtcr;
	vm->mmu.arch = &vm->arch;
	vm->mmu.pgt = &vm->pgt;
	init_mm_ops(&vm->mm_ops);
	*rc = __kvm_pgtable_stage2_init(&vm->pgt, &vm->mmu, &vm->mm_ops, 0,
					NULL);
	if (*rc) {
		free(vm);
		return NULL;
	}
	s2rt_set_root(vm->pgt.pgd, vm->pgt.start_level, vm->pgt.ia_bits);
	return vm;
}

static void vm_destroy(struct s2_vm *vm)
{
	enter(vm);
	kvm_pgtable_stage2_destroy(&vm->pgt);
	s2_gen_grace_period(vm);
	free(vm);
}

static void vm_set_memcache(struct s2_vm *vm, long pages)
{
	vm->next_memcache[s2rt_thread_self()] = pages;
}

static int vm_map(struct s2_vm *vm, uint64_t ipa, uint64_t size, uint64_t pa,
		  unsigned int prot)
{
	enter_locked(vm, EXCLUSIVE);
	memcache_fill(vm, S2_MEMCACHE_PLENTY);
	return leave(vm, s2_gen_map(vm, ipa, size, pa, kvm_prot(prot)));
}

static int vm_unmap(struct s2_vm *vm, uint64_t ipa, uint64_t size)
{
	enter_locked(vm, EXCLUSIVE);
	return leave(vm, kvm_pgtable_stage2_unmap(&vm->pgt, ipa, size));
}

/* kvm_mmu_wp_memory_region(): write-protect, then flush the memslot. */
static int vm_wrprotect(struct s2_vm *vm, uint64_t ipa, uint64_t size)
{
	int rc;

	enter_locked(vm, EXCLUSIVE);
	rc = kvm_pgtable_stage2_wrprotect(&vm->pgt, ipa, size);
	s2rt_caller_flush(&vm->mmu);
	return leave(vm, rc);
}

/*
 * user_mem_abort(): a fault on a leaf of the granule KVM would map is a
 * permission fault, relaxed in place; anything else maps the granule.
 * Memory is THP-backed (2M blocks) unless dirty logging forces pages;
 * device memory is mapped by page and never executable.  The memcache is
 * topped up as kvm_mmu_cache_min_pages() says: one page per level below the
 * root.  -EAGAIN (another vCPU got there first) is success.
 */
static int vm_fault(struct s2_vm *vm, uint64_t ipa, uint64_t pa,
		    unsigned int prot, bool page)
{
	u64 granule = page || (prot & S2_PROT_DEVICE) ? PAGE_SIZE :
							kvm_granule_size(2);
	enum kvm_pgtable_prot kprot;
	u64 leaf;
	int rc;

	if (prot & S2_PROT_DEVICE)
		prot &= ~S2_PROT_X;
	kprot = kvm_prot(prot) | KVM_PGTABLE_PROT_R;
	enter_locked(vm, SHARED);
	/*
	 * KVM reads the faulting level from the ESR; this lookup stands in
	 * for it.  Under the read lock it races other vCPUs' frees like a
	 * shared walk, so it is an RCU read side like one.
	 */
	s2rt_rcu_read_lock();
	leaf = s2_gen_leaf_granule(vm, ipa);
	s2rt_rcu_read_unlock();
	if (leaf == granule) {
		rc = kvm_pgtable_stage2_relax_perms(&vm->pgt, ipa, kprot);
	} else {
		memcache_fill(vm, VTCR_EL2_LVLS(vm->arch.vtcr) - 1);
		rc = s2_gen_fault(vm, ALIGN_DOWN(ipa, granule), granule,
				  ALIGN_DOWN(pa, granule), kprot);
	}
	return leave(vm, rc == -EAGAIN ? 0 : rc);
}

static int vm_relax(struct s2_vm *vm, uint64_t ipa, unsigned int prot)
{
	enter_locked(vm, SHARED);
	return leave(vm, kvm_pgtable_stage2_relax_perms(&vm->pgt, ipa,
							 kvm_prot(prot)));
}

static int vm_mkold(struct s2_vm *vm, uint64_t ipa, uint64_t size)
{
	enter_locked(vm, EXCLUSIVE);
	return leave(vm, s2_gen_mkold(vm, ipa, size));
}

static int vm_mkyoung(struct s2_vm *vm, uint64_t ipa)
{
	kvm_pte_t pte;

	enter_locked(vm, SHARED);
	pte = kvm_pgtable_stage2_mkyoung(&vm->pgt, ipa);
	return leave(vm, kvm_pte_valid(pte));
}

static int vm_split(struct s2_vm *vm, uint64_t ipa, uint64_t size)
{
	enter_locked(vm, EXCLUSIVE);
	return leave(vm, s2_gen_split(vm, ipa, size));
}

/* pKVM's host_stage2_set_owner_locked() path. */
static int vm_set_owner(struct s2_vm *vm, uint64_t ipa, uint64_t size,
			unsigned int id)
{
	enter_locked(vm, EXCLUSIVE);
	memcache_fill(vm, S2_MEMCACHE_PLENTY);
	return leave(vm, kvm_pgtable_stage2_set_owner(&vm->pgt, ipa, size,
						       s2_memcache(vm), id));
}

static int vm_flush(struct s2_vm *vm, uint64_t ipa, uint64_t size)
{
	enter_locked(vm, EXCLUSIVE);
	return leave(vm, kvm_pgtable_stage2_flush(&vm->pgt, ipa, size));
}

static void vm_walk(struct s2_vm *vm, s2_entry_fn fn, void *arg)
{
	enter(vm);
	s2rt_walk(fn, arg);
}

const struct s2_target S2_TARGET_SYMBOL = {
	.api = s2_gen_api,
	.init = vm_init,
	.destroy = vm_destroy,
	.set_memcache = vm_set_memcache,
	.map = vm_map,
	.unmap = vm_unmap,
	.wrprotect = vm_wrprotect,
	.fault = vm_fault,
	.relax = vm_relax,
	.mkold = vm_mkold,
	.mkyoung = vm_mkyoung,
	.split = vm_split,
	.set_owner = vm_set_owner,
	.flush = vm_flush,
	.walk = vm_walk,
};
