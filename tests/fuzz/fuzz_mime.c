/*
 * fuzz_mime - libFuzzer target for the mime parser and helpers.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Iagent -I<builddir> \
 *       agent/mime.c agent/xalloc.c agent/clock.c agent/log.c \
 *       tests/fuzz/fuzz_mime.c -o /tmp/fuzz_mime
 *   /tmp/fuzz_mime -max_len=65536 ../shared/corpus/bounces tests/data/mime
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_msg *m = NULL;
	struct mime_limits lim;
	char *err = NULL, *a, *n, **ids, *t;
	size_t k, i;

	mime_limits_default(&lim);
	lim.max_parts = 50;
	if (mime_parse((const char *)data, size, &lim, &m, &err) != MIME_OK) {
		free(err);
		return 0;
	}
	(void)mime_text(m);
	(void)mime_date(m);
	for (i = 0; i < mime_dsn_count(m); i++)
		(void)mime_dsn(m, i);
	if (mime_addr_parse(mime_header_raw(m, "From"), &a, &n) == MIME_OK) {
		free(a);
		free(n);
	}
	k = mime_msgids(mime_header_raw(m, "References"), &ids);
	mime_strv_free(ids, k);
	t = mime_html_to_text((const char *)data, size);
	free(t);
	mime_free(m);
	return 0;
}
