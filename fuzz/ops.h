/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The op table: the single definition of every operation of the op
 * language.  It drives the binary decoder, the text parser, the printer and
 * the help text (fuzz/seq.c), and the dispatch to a target (fuzz/run.c).
 *
 * S2_OP(ENUM, "word", arg0, arg1, arg2, arg3, "help")
 * Arguments are read in order; NONE pads the list.  PAGE is the optional
 * trailing keyword "page"; N is a vCPU thread, 0..S2_MAX_THREADS (fuzz/seq.h).
 */
#ifndef S2FUZZ_OPS_H
#define S2FUZZ_OPS_H

#define S2_OPS(S2_OP)                                                          \
	S2_OP(MAP, "map", IPA, SIZE, PA, PROT,                                 \
	      "map [IPA, IPA+SIZE) to PA with PROT (kvm_pgtable_stage2_map)")  \
	S2_OP(UNMAP, "unmap", IPA, SIZE, NONE, NONE,                           \
	      "unmap [IPA, IPA+SIZE)")                                         \
	S2_OP(WRPROTECT, "wrprotect", IPA, SIZE, NONE, NONE,                   \
	      "write-protect the range, then the caller's TLB flush (dirty logging)") \
	S2_OP(FAULT, "fault", IPA, PROT, PAGE, NONE,                           \
	      "vCPU fault: map the memslot PA of IPA as KVM's fault path does; "  \
	      "page forces the page granule (dirty logging)")                 \
	S2_OP(RELAX, "relax", IPA, PROT, NONE, NONE,                           \
	      "relax the permissions of the leaf mapping IPA")                 \
	S2_OP(MKOLD, "mkold", IPA, SIZE, NONE, NONE,                           \
	      "clear the access flag of the leaves in the range")              \
	S2_OP(MKYOUNG, "mkyoung", IPA, NONE, NONE, NONE,                       \
	      "set the access flag of the leaf mapping IPA")                   \
	S2_OP(SPLIT, "split", IPA, SIZE, NONE, NONE,                           \
	      "split the block mappings in the range into pages (6.12 API)")   \
	S2_OP(OWNER, "owner", IPA, SIZE, ID, NONE,                             \
	      "annotate the range as owned by ID (kvm_pgtable_stage2_set_owner)") \
	S2_OP(FLUSH, "flush", IPA, SIZE, NONE, NONE,                           \
	      "clean the data cache for the cacheable leaves in the range")    \
	S2_OP(MEMCACHE, "memcache", COUNT, NONE, NONE, NONE,                   \
	      "the next op's memcache holds COUNT pages (allocation failure)") \
	S2_OP(THREAD, "thread", N, NONE, NONE, NONE,                           \
	      "the ops after it run on vCPU thread N (1-3), concurrently "     \
	      "with the other threads' ops; thread 0: sequential again")

#endif /* S2FUZZ_OPS_H */
