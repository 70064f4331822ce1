/*
 * classify_bench - messages per second of mime_parse + classify over a corpus.
 *
 * usage: classify_bench RULES_FILE CORPUS_DIR [SECONDS]
 *   Loads RULES_FILE once, reads every file named in CORPUS_DIR/labels.tsv
 *   (first column; header line skipped) into memory, then parses and
 *   classifies them round-robin for about SECONDS (default 2) on one thread.
 *   Prints "files=N bytes=B msgs=M secs=S msgs_per_s=R agree=A/N" where agree
 *   counts the files whose class matches the label (a sanity check, not a
 *   test: the benchmark never fails on a number).
 * Built by bench/bench_classify.sh against the project's own objects.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "log.h"
#include "xalloc.h"

struct file {
	char *data;
	size_t len;
	char label[32];
};

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	buf_addc(&b, '\0');
	return b.s;
}

int
main(int argc, char **argv)
{
	struct classifier *c;
	char *err = NULL, path[8192], line[4096];
	struct file *files = NULL;
	size_t nfiles = 0, cap = 0, bytes = 0, i, agree = 0;
	unsigned long msgs = 0;
	double secs = argc > 3 ? atof(argv[3]) : 2.0, t0, t;
	FILE *lf;

	if (argc < 3) {
		fputs("usage: classify_bench RULES_FILE CORPUS_DIR [SECONDS]\n",
		      stderr);
		return 64;
	}
	log_init("classify_bench", 0, 0);
	log_set_quiet(1);
	if (classify_load(argv[1], &c, &err) != CLASSIFY_OK) {
		fprintf(stderr, "classify_bench: %s\n", err);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/labels.tsv", argv[2]);
	if ((lf = fopen(path, "r")) == NULL) {
		perror(path);
		return 66;
	}
	while (fgets(line, sizeof(line), lf) != NULL) {
		char *tab = strchr(line, '\t'), *cls, *end;

		if (tab == NULL || strncmp(line, "file\t", 5) == 0)
			continue;
		*tab = '\0';
		cls = tab + 1;
		end = cls + strcspn(cls, "\t\r\n");
		*end = '\0';
		if (nfiles == cap) {
			cap = cap ? cap * 2 : 256;
			files = xreallocarray(files, cap, sizeof(*files));
		}
		snprintf(path, sizeof(path), "%s/%s", argv[2], line);
		if ((files[nfiles].data = slurp(path, &files[nfiles].len)) ==
		    NULL) {
			perror(path);
			continue;
		}
		snprintf(files[nfiles].label, sizeof(files[nfiles].label), "%s",
		         cls);
		bytes += files[nfiles].len;
		nfiles++;
	}
	fclose(lf);
	if (nfiles == 0) {
		fprintf(stderr, "classify_bench: no files\n");
		return 1;
	}
	/* one pass for the agreement count (and to warm up) */
	for (i = 0; i < nfiles; i++) {
		struct classification cl;

		memset(&cl, 0, sizeof(cl));
		err = NULL;
		if (classify_buffer(c, files[i].data, files[i].len, "UTC", &cl,
		                    &err) == CLASSIFY_OK) {
			if (strcmp(classify_class_name(cl.cls), files[i].label) == 0)
				agree++;
			classification_free(&cl);
		} else
			free(err);
	}
	t0 = mono();
	do {
		for (i = 0; i < nfiles; i++) {
			struct classification cl;

			memset(&cl, 0, sizeof(cl));
			err = NULL;
			if (classify_buffer(c, files[i].data, files[i].len,
			                    "UTC", &cl, &err) == CLASSIFY_OK)
				classification_free(&cl);
			else
				free(err);
			msgs++;
		}
		t = mono() - t0;
	} while (t < secs);
	printf("files=%zu bytes=%zu msgs=%lu secs=%.3f msgs_per_s=%.0f "
	       "agree=%zu/%zu\n",
	       nfiles, bytes, msgs, t, msgs / t, agree, nfiles);
	for (i = 0; i < nfiles; i++)
		free(files[i].data);
	free(files);
	classify_free(c);
	return 0;
}
