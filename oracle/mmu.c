// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated MMU: while ops run, it translates IPAs of their ranges at
 * yield points, walking the live table as hardware does.  A translation
 * may fault, or give a PA and permissions that the mapping before or one
 * of the running ops allows; a walk that reads a freed table page is a
 * finding.  It also counts the "unnecessary" faults: on IPAs mapped both
 * before and after, which a vCPU would take only because of the window the
 * ops opened (why 6.12 installs a block before freeing the old table).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "desc.h"
#include "oracle.h"

#define S2O_MMU_MAX_IPAS 32
/* Probe IPAs an op's range contributes: its ends and points between. */
#define S2O_MMU_IPAS_PER_OP 8
#define S2O_MMU_MAX_OPS S2_SECTION_MAX_OPS
/* The largest leaf: a 1G block (no level-0 blocks with 4K pages). */
#define S2O_MMU_MAX_LEAF (1ULL << 30)

struct probe {
	uint64_t ipa;
	uint32_t walks, faults;
};

struct s2o_mmu {
	const struct s2o_imap *before;
	const struct s2_op *ops[S2O_MMU_MAX_OPS];
	unsigned int nr_ops;
	struct probe probes[S2O_MMU_MAX_IPAS];
	unsigned int nr_probes, next;
	bool every;		/* translate every probe IPA at each point */
	char finding[320];
	char field[24];
	int level;
};

static void add_probe(struct s2o_mmu *mmu, uint64_t ipa)
{
	ipa &= ~(S2_PAGE_SIZE - 1);
	for (unsigned int i = 0; i < mmu->nr_probes; i++)
		if (mmu->probes[i].ipa == ipa)
			return;
	if (mmu->nr_probes < S2O_MMU_MAX_IPAS)
		mmu->probes[mmu->nr_probes++] = (struct probe){ .ipa = ipa };
}

void s2o_mmu_arm(struct s2o_mmu *mmu, const struct s2o_imap *before,
		 const struct s2_op *const *ops, unsigned int nr, bool every)
{
	memset(mmu, 0, sizeof(*mmu));
	mmu->before = before;
	mmu->every = every;
	for (unsigned int i = 0; i < nr && mmu->nr_ops < S2O_MMU_MAX_OPS; i++) {
		uint64_t start, end, step;

		if (!ops[i]->size && ops[i]->kind != S2_OP_FAULT &&
		    ops[i]->kind != S2_OP_RELAX && ops[i]->kind != S2_OP_MKYOUNG)
			continue;
		mmu->ops[mmu->nr_ops++] = ops[i];
		s2o_op_range(ops[i], &start, &end);
		step = (end - start) / S2O_MMU_IPAS_PER_OP;
		if (step < S2_PAGE_SIZE)
			step = S2_PAGE_SIZE;
		for (uint64_t ipa = start; ipa < end; ipa += step)
			add_probe(mmu, ipa);
		add_probe(mmu, end - 1);
	}
}

/* The PA an op would map ipa to, or UINT64_MAX if it maps nothing. */
static uint64_t op_pa(const struct s2_op *op, uint64_t ipa)
{
	if (op->kind == S2_OP_MAP)
		return op->pa + (ipa - op->ipa);
	if (op->kind == S2_OP_FAULT)
		return S2_MEMSLOT_PA(ipa);
	return UINT64_MAX;
}

/* Could the mapping before, or one of the ops, have given this? */
static bool translation_allowed(const struct s2o_mmu *mmu, uint64_t ipa,
				uint64_t pa, unsigned int prot)
{
	uint64_t s, e;
	struct s2o_val v = s2o_imap_get(mmu->before, ipa, &s, &e);
	unsigned int granted = S2_PROT_R;
	bool pa_ok = v.kind == S2O_MAPPED && v.pa == pa;

	if (v.kind == S2O_MAPPED)
		granted |= v.prot;
	for (unsigned int i = 0; i < mmu->nr_ops; i++) {
		const struct s2_op *op = mmu->ops[i];
		uint64_t start, end;

		s2o_op_range(op, &start, &end);
		/*
		 * A relax (and a fault, which may be a permission fault)
		 * changes the whole leaf holding its IPA: up to a 1G block.
		 */
		if (op->kind == S2_OP_RELAX || op->kind == S2_OP_FAULT) {
			start &= ~(S2O_MMU_MAX_LEAF - 1);
			end = start + S2O_MMU_MAX_LEAF;
		}
		if (ipa < start || ipa >= end)
			continue;
		granted |= op->prot & S2O_PROT_RWX;
		pa_ok |= op_pa(op, ipa) == pa;
	}
	return pa_ok && !(prot & ~granted);
}

static void mmu_finding(struct s2o_mmu *mmu, const char *field, int level,
			const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void mmu_finding(struct s2o_mmu *mmu, const char *field, int level,
			const char *fmt, ...)
{
	va_list ap;

	if (mmu->finding[0])
		return;
	snprintf(mmu->field, sizeof(mmu->field), "%s", field);
	mmu->level = level;
	va_start(ap, fmt);
	vsnprintf(mmu->finding, sizeof(mmu->finding), fmt, ap);
	va_end(ap);
}

static void translate(struct s2o_mmu *mmu, struct probe *p)
{
	struct s2rt_translation t;
	struct s2o_val before;
	uint64_t pa, offset, s, e;
	char prot[8], was[64];

	s2rt_translate(p->ipa, &t);
	p->walks++;
	if (t.freed) {
		mmu_finding(mmu, "use-after-free", t.level,
			    "a walk for IPA 0x%" PRIx64 " read L%d table page 0x%"
			    PRIx64 ", which was freed", p->ipa, t.level,
			    t.table_pa);
		return;
	}
	if (!t.valid) {
		p->faults++;
		return;
	}
	offset = p->ipa & (s2_level_size(t.level) - 1);
	pa = s2_desc_pa(t.pte) + offset;
	if (translation_allowed(mmu, p->ipa, pa,
				s2_desc_prot(t.pte) & S2O_PROT_RWX))
		return;
	/* Looked up again only for the message: most walks are allowed. */
	before = s2o_imap_get(mmu->before, p->ipa, &s, &e);
	s2_desc_prot_letters(t.pte, prot);
	s2o_val_describe(&before, false, true, was, sizeof(was));
	mmu_finding(mmu, "translation", t.level,
		    "IPA 0x%" PRIx64 " translated to PA 0x%" PRIx64
		    " %s (L%d): neither the mapping before (%s) nor a running "
		    "op allows it", p->ipa, pa, prot, t.level, was);
}

void s2o_mmu_probe(void *arg)
{
	struct s2o_mmu *mmu = arg;

	if (!mmu->nr_probes)
		return;
	if (!mmu->every) {
		translate(mmu, &mmu->probes[mmu->next++ % mmu->nr_probes]);
		return;
	}
	for (unsigned int i = 0; i < mmu->nr_probes; i++)
		translate(mmu, &mmu->probes[i]);
}

static bool mapped(const struct s2o_imap *m, uint64_t ipa)
{
	uint64_t s, e;

	return s2o_imap_get(m, ipa, &s, &e).kind == S2O_MAPPED;
}

void s2o_mmu_finish(struct s2o_mmu *mmu, const struct s2o_imap *after,
		    struct s2o_report *r, struct s2o_fault_window *fw)
{
	*fw = (struct s2o_fault_window){ 0 };
	for (unsigned int i = 0; i < mmu->nr_probes; i++) {
		const struct probe *p = &mmu->probes[i];

		if (!mapped(mmu->before, p->ipa) || !mapped(after, p->ipa))
			continue;
		fw->walks += p->walks;
		fw->faults += p->faults;
	}
	if (mmu->finding[0])
		s2o_report(r, "mmu", mmu->level, mmu->field, "%s",
			   mmu->finding);
}

struct s2o_mmu *s2o_mmu_create(void)
{
	return calloc(1, sizeof(struct s2o_mmu));
}

void s2o_mmu_free(struct s2o_mmu *mmu)
{
	free(mmu);
}
