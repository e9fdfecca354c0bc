/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The structure-aware mutator shared by the libFuzzer and AFL++ glue: it
 * edits decoded sequences (ops, addresses, the header) rather than bytes,
 * and always returns a canonical encoding, so that every mutated input
 * replays exactly from its text form.
 */
#ifndef S2FUZZ_MUTATE_H
#define S2FUZZ_MUTATE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Mutates the test case data[0..size) in place (data has room for max_size
 * bytes); returns the new size (<= max_size, always a valid encoding:
 * S2_BIN_HEADER + 16 * n).  The same (input, seed) gives the same output.
 */
size_t s2_mutate(uint8_t *data, size_t size, size_t max_size,
		 unsigned int seed);

/*
 * Splices two test cases: a prefix of ops of a, then a suffix (or middle
 * slice) of ops of b; header from one of them.  Writes to out (room max_out
 * bytes), returns its size.
 */
size_t s2_crossover(const uint8_t *a, size_t a_size, const uint8_t *b,
		    size_t b_size, uint8_t *out, size_t max_out,
		    unsigned int seed);

#endif /* S2FUZZ_MUTATE_H */
