/*
 * fuzz - what the fuzz targets share.
 *
 * Each tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput for one parser.
 * Built with ./configure --enable-fuzzing (clang, -fsanitize=fuzzer) it is a
 * libFuzzer binary; in a normal build it links with replay.c, whose main()
 * feeds it every file of tests/fuzz/corpus/NAME (make check).  A target must
 * not leak, must not depend on earlier inputs, and aborts (fuzz_check) when a
 * property it checks does not hold.
 */
#ifndef NUDGE_FUZZ_H
#define NUDGE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* LLVMFuzzerTestOneInput: run one input; always returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_strndup: a malloc'd NUL-terminated copy of data (never NULL). */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* fuzz_srcpath: a malloc'd "<top_srcdir>/rel": $top_srcdir when set (make
 * check sets it), else the source directory configure saw. */
char *fuzz_srcpath(const char *rel);

/* fuzz_check: abort with a message naming what when ok is 0 (a found bug). */
void fuzz_check(int ok, const char *what);

#endif
