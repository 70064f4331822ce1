/*
 * json - the little JSON writing the CLI needs: strings escaped per RFC 8259
 * (control characters as \u00XX, invalid UTF-8 bytes as U+FFFD), appended to a buf.
 */
#ifndef NUDGE_JSON_H
#define NUDGE_JSON_H

#include "xalloc.h"

/* json_str: append s as a JSON string, or null when s is NULL. */
void json_str(struct buf *b, const char *s);
/* json_kv: append "key":"value" (value NULL -> null), preceded by a comma
 * unless *first; clears *first. */
void json_kv(struct buf *b, int *first, const char *key, const char *value);
/* json_ki: the same with an integer value. */
void json_ki(struct buf *b, int *first, const char *key, long long value);
/* json_kb: the same with a boolean value. */
void json_kb(struct buf *b, int *first, const char *key, int value);
/* json_key: append the key and colon (and a comma unless *first). */
void json_key(struct buf *b, int *first, const char *key);

#endif
