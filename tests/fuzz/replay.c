/*
 * replay - main() for a fuzz target in a normal build: feed every file of
 * the seed corpus to LLVMFuzzerTestOneInput once, so that `make check` runs
 * each target over its corpus (and every crash input kept there) without
 * libFuzzer.
 *
 *   fuzz_NAME [FILE|DIR]...
 *
 * Without arguments the corpus is $top_srcdir/tests/fuzz/corpus/NAME, NAME
 * being the program's name without "fuzz_".  Exits 0 after the last file, 77
 * (skip) when the corpus directory is missing, 1 when a file cannot be read.
 * Each file is named on stderr before it runs, so the one that aborts inside
 * the target is the last named.
 */
#include "autoconf.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "xalloc.h"

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char tmp[65536];
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	buf_init(&b);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	fprintf(stderr, "replay: %s\n", path);
	/* a copy of exactly the input's size, so that ASan sees overreads */
	{
		uint8_t *d = xmalloc(b.len ? b.len : 1);
		if (b.len)
			memcpy(d, b.s, b.len);
		LLVMFuzzerTestOneInput(d, b.len);
		free(d);
	}
	buf_free(&b);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* run_path: a file, or every regular file of a directory in name order. */
static int
run_path(const char *path, size_t *count)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char **v = NULL;
	size_t n = 0, cap = 0, i;
	int bad = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n++] = xasprintf("%s/%s", path, e->d_name);
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++) {
		if (stat(v[i], &st) == 0 && S_ISREG(st.st_mode)) {
			(*count)++;
			bad |= run_file(v[i]);
		}
		free(v[i]);
	}
	free(v);
	return bad;
}

int
main(int argc, char **argv)
{
	const char *prog = strrchr(argv[0], '/');
	size_t count = 0;
	int i, bad = 0;

	prog = prog ? prog + 1 : argv[0];
	if (strncmp(prog, "fuzz_", 5) == 0)
		prog += 5;
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			bad |= run_path(argv[i], &count);
	} else {
		char *rel = xasprintf("tests/fuzz/corpus/%s", prog);
		char *dir = fuzz_srcpath(rel);
		struct stat st;

		free(rel);
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr,
			        "replay: SKIP: no seed corpus %s (set "
			        "top_srcdir)\n",
			        dir);
			free(dir);
			return 77;
		}
		bad = run_path(dir, &count);
		free(dir);
	}
	printf("replay %s: %zu inputs, %s\n", prog, count,
	       bad ? "some unreadable" : "no crash");
	return bad;
}
