/*
 * xalloc - allocation that never returns NULL.
 *
 * On exhaustion these print one line to stderr and exit with EX_OSERR, so callers
 * carry no out-of-memory branches.  Everything returned is freed with free().
 */
#ifndef NUDGE_XALLOC_H
#define NUDGE_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
/* xreallocarray: realloc(p, nmemb * size) with overflow check. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
/* xstrndup: copy at most n bytes of s, always NUL-terminated. */
char *xstrndup(const char *s, size_t n);
/* xasprintf: a newly allocated formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/*
 * A growable byte buffer (NUL-terminated at all times).  buf_free releases the
 * storage; buf_steal hands it to the caller (who frees it) and resets the buffer.
 */
struct buf {
	char *s;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *buf_steal(struct buf *b) __attribute__((returns_nonnull));
/*
 * buf_add_html: s as HTML/XML text or a quoted attribute value: & < > " '
 * become entities; a control character other than tab, LF and CR becomes
 * '?' (templates, the digest, the report and its SVG share this).
 */
void buf_add_html(struct buf *b, const char *s);
/*
 * buf_read_file: append the contents of path ("-" = standard input) to b,
 * reading at most max + 1 bytes, so that a caller can tell a file over its
 * limit (b->len > max) and refuse it.  Returns 0, or -1 with *errstr
 * ("path: reason") when the file cannot be opened or read.
 */
int buf_read_file(struct buf *b, const char *path, size_t max, char **errstr);

#endif
