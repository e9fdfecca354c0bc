// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer's hooks into the structure-aware mutator (fuzz/mutate.c). */
#include "mutate.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *a, size_t a_size,
				 const uint8_t *b, size_t b_size, uint8_t *out,
				 size_t max_out, unsigned int seed);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	/*
	 * One time in four, libFuzzer's byte-level mutations (with the
	 * dictionary and comparison operands): values no op-level one makes.
	 */
	if (seed % 4 == 0)
		return LLVMFuzzerMutate(data, size, max_size);
	return s2_mutate(data, size, max_size, seed / 4);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *a, size_t a_size,
				 const uint8_t *b, size_t b_size, uint8_t *out,
				 size_t max_out, unsigned int seed)
{
	return s2_crossover(a, a_size, b, b_size, out, max_out, seed);
}
