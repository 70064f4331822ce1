/* fuzz_util - see fuzz.h. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "xalloc.h"

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);

	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

char *
fuzz_srcpath(const char *rel)
{
	const char *top = getenv("top_srcdir");

	if (top == NULL || *top == '\0')
		top = FUZZ_SRCDIR;
	return xasprintf("%s/%s", top, rel);
}

void
fuzz_check(int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz: property violated: %s\n", what);
	abort();
}
