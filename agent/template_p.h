/*
 * template_p.h - private to template.c, template_check.c and
 * template_value.c: the parsed template and the helpers they share.
 */
#ifndef NUDGE_TEMPLATE_P_H
#define NUDGE_TEMPLATE_P_H

#include <stddef.h>

#include "template.h"
#include "xalloc.h"

enum { PART_SUBJECT, PART_FROM, PART_CC, PART_TEXT, PART_HTML, NPARTS };


/* One token: a literal run, or a variable with an optional fallback. */
struct ttok {
	const char *s; /* literal text, or the variable name (NUL-terminated) */
	size_t len;
	const char *fb; /* fallback (NUL-terminated) when has_fb */
	size_t fblen;
	int line;
	unsigned char is_var;
	unsigned char has_fb;
};

struct tpart {
	struct ttok *toks;
	size_t n, cap;
	int present;
	size_t litlen; /* sum of literal lengths: the render buffer's first
	                  guess */
};

struct template
{
	char *name;
	enum template_kind kind;
	int thread;
	const char *answers[10]; /* Answers: N=intent, static strings */
	int answers_line;
	char version[9]; /* FNV-1a of the file's text, 8 hex digits */
	struct tpart parts[NPARTS];
	/* All token strings live here; sized up front so pointers never move.
	 */
	char *arena;
	size_t arena_used, arena_cap;
};

extern const char *const tp_part_names[NPARTS];

/* A header key and where its value sits in the normalized text. */
struct hdr {
	const char *key;
	int required;
	const char *v;
	size_t vlen;
	int line;
	int seen;
};

/* tp_basename_of: the last path component of path. */
const char *tp_basename_of(const char *path);
/* tp_kind_of: the kind a file name says (.email, .md, else plain). */
enum template_kind tp_kind_of(const char *name);
/*
 * tp_normalize: validate text (UTF-8, no NUL or control characters but tab
 * and line ends) and return a NUL-terminated copy with CRLF made LF and a
 * leading BOM dropped.  The first fault is reported with its line.
 */
int tp_normalize(const char *name, const char *s, size_t len, char **out,
    size_t *outlen, char **errstr);
/* tp_trim: drop leading and trailing blanks and tabs from s[0..*n). */
void tp_trim(const char **s, size_t *n);
/* tp_is_blank_line: s[0..n) holds only blanks and tabs. */
int tp_is_blank_line(const char *s, size_t n);
/*
 * tp_parse_headers: the "Key: value" block at the start of s, up to the first
 * blank line.  Fills h[] (keys matched case-insensitively) and the body's
 * offset and first line.  Missing required keys are reported on line 1.
 */
int tp_parse_headers(const char *name, const char *s, size_t len,
    struct hdr *h, size_t nh, size_t *body_off, int *body_line,
    char **errstr);
/* tp_read_file: the whole of path, malloc'd, at most TEMPLATE_MAX_SIZE + 1
 * bytes (so the parser can refuse an oversized file). */
int tp_read_file(const char *path, char **data, size_t *len, char **errstr);

#endif
