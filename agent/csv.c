/* csv - see csv.h */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "xalloc.h"

#define IBUF 65536

struct csv_reader {
	FILE *fp;
	char *name;
	unsigned char ibuf[IBUF];
	size_t ipos, ilen;
	int ioerr;          /* errno of a failed read, or 0 */
	unsigned long line; /* physical line of the next byte */

	struct buf rec; /* the record's fields, each NUL-terminated */
	size_t *offs;   /* start of each field in rec */
	size_t noffs, offcap;
	char **fields; /* pointers handed out, rebuilt per record */
	size_t flen;   /* bytes in the current field */
	char *err;     /* first problem of the current record */

	/* a quote left open: the bytes read since the line it opened on, to
	   read again when the end of the file shows it was never closed */
	struct buf raw;
	int in_quote;      /* raw is being recorded */
	int raw_overflow;  /* raw passed CSV_MAX_RECORD: cannot read again */
	unsigned char *pb; /* pushed-back input, read before ibuf */
	size_t pbpos, pblen;

	int enc;         /* CSV_ENC_* */
	void *cd;        /* iconv_t for latin1/windows-1252, or NULL */
	struct buf conv; /* the converted fields of the record */
};

static void
fill(struct csv_reader *r)
{
	size_t n;

	if (r->ipos < r->ilen || r->ioerr != 0)
		return;
	r->ipos = r->ilen = 0;
	n = fread(r->ibuf, 1, IBUF, r->fp);
	if (n == 0 && ferror(r->fp))
		r->ioerr = errno != 0 ? errno : EIO;
	r->ilen = n;
}

static int
getch(struct csv_reader *r)
{
	int ch;

	if (r->pbpos < r->pblen)
		ch = r->pb[r->pbpos++];
	else {
		fill(r);
		if (r->ipos == r->ilen)
			return EOF;
		ch = r->ibuf[r->ipos++];
	}
	if (r->in_quote && !r->raw_overflow) {
		if (r->raw.len >= CSV_MAX_RECORD)
			r->raw_overflow = 1;
		else
			buf_addc(&r->raw, (char)ch);
	}
	return ch;
}

static int
peekch(struct csv_reader *r)
{
	if (r->pbpos < r->pblen)
		return r->pb[r->pbpos];
	fill(r);
	if (r->ipos == r->ilen)
		return EOF;
	return r->ibuf[r->ipos];
}

/* reread: a quote opened on line qline was never closed: read again what
 * followed the end of that line (raw holds every byte after the quote). */
static void
reread(struct csv_reader *r, unsigned long qline)
{
	size_t i, rest;
	unsigned char *nb;

	for (i = 0; i < r->raw.len; i++)
		if (r->raw.s[i] == '\n' || r->raw.s[i] == '\r')
			break;
	if (i < r->raw.len && r->raw.s[i] == '\r' && i + 1 < r->raw.len &&
	    r->raw.s[i + 1] == '\n')
		i++;
	i = i < r->raw.len ? i + 1 : r->raw.len;
	/* what is left of an earlier pushback comes after */
	rest = r->pblen - r->pbpos;
	nb = xmalloc(r->raw.len - i + rest + 1);
	/* raw.s is NULL when nothing followed the quote: no memcpy from NULL */
	if (r->raw.len > i)
		memcpy(nb, r->raw.s + i, r->raw.len - i);
	if (rest)
		memcpy(nb + r->raw.len - i, r->pb + r->pbpos, rest);
	free(r->pb);
	r->pb = nb;
	r->pbpos = 0;
	r->pblen = r->raw.len - i + rest;
	r->line = qline + 1;
}

struct csv_reader *
csv_open(FILE *fp, const char *name)
{
	struct csv_reader *r = xcalloc(1, sizeof(*r));
	size_t n;

	r->fp = fp;
	r->name = xstrdup(name);
	r->line = 1;
	buf_init(&r->rec);
	/* gather three bytes to look for a byte-order mark */
	while (r->ilen < 3) {
		n = fread(r->ibuf + r->ilen, 1, 3 - r->ilen, fp);
		if (n == 0)
			break;
		r->ilen += n;
	}
	if (r->ilen == 3 && memcmp(r->ibuf, "\xef\xbb\xbf", 3) == 0)
		r->ipos = 3;
	return r;
}

int
csv_set_encoding(struct csv_reader *r, const char *enc, char **errstr)
{
	const char *from = NULL;

	if (strcasecmp(enc, "utf-8") == 0 || strcasecmp(enc, "utf8") == 0)
		r->enc = CSV_ENC_UTF8;
	else if (strcasecmp(enc, "latin1") == 0 ||
	         strcasecmp(enc, "latin-1") == 0 ||
	         strcasecmp(enc, "iso-8859-1") == 0) {
		r->enc = CSV_ENC_LATIN1;
		from = "ISO-8859-1";
	} else if (strcasecmp(enc, "windows-1252") == 0 ||
	           strcasecmp(enc, "cp1252") == 0) {
		r->enc = CSV_ENC_CP1252;
		from = "WINDOWS-1252";
	} else {
		*errstr = xasprintf("unknown encoding '%s' (utf-8, latin1 or "
		                    "windows-1252)",
		                    enc);
		return CSV_EBAD;
	}
	if (r->cd != NULL)
		iconv_close((iconv_t)r->cd);
	r->cd = NULL;
	if (from != NULL) {
		iconv_t cd = iconv_open("UTF-8", from);

		if (cd == (iconv_t)-1) {
			*errstr =
			    xasprintf("encoding %s: %s", enc, strerror(errno));
			r->enc = CSV_ENC_BYTES;
			return CSV_EBAD;
		}
		r->cd = (void *)cd;
	}
	return CSV_OK;
}

/* utf8_bad: the offset of the first byte of s that is not valid UTF-8
 * (overlong forms, surrogates and code points past U+10FFFF included), or -1
 * when all of it is. */
static long
utf8_bad(const unsigned char *s)
{
	const unsigned char *p = s;

	while (*p) {
		unsigned long cp;
		size_t len, i;

		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			len = 2;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			len = 3;
			cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			len = 4;
			cp = *p & 0x07;
		} else
			return p - s;
		for (i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return p - s;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return p - s;
		p += len;
	}
	return -1;
}

int
csv_utf8_valid(const char *s)
{
	return utf8_bad((const unsigned char *)s) < 0;
}

/* convert: the fields of the record into valid UTF-8 (checked, or converted
 * from the reader's single-byte encoding); NULL, or the problem. */
static char *
convert(struct csv_reader *r)
{
	size_t *offs, i;
	char *msg = NULL;

	if (r->enc == CSV_ENC_UTF8) {
		for (i = 0; i < r->noffs; i++) {
			long bad = utf8_bad((unsigned char *)r->fields[i]);
			if (bad >= 0)
				return xasprintf(
				    "field %zu is not valid UTF-8 (byte 0x%02x "
				    "at offset %ld); for a Latin-1 or Windows "
				    "file use --encoding latin1 or "
				    "windows-1252",
				    i + 1, (unsigned char)r->fields[i][bad],
				    bad);
		}
		return NULL;
	}
	r->conv.len = 0;
	offs = xreallocarray(NULL, r->noffs + 1, sizeof(*offs));
	for (i = 0; i < r->noffs && msg == NULL; i++) {
		char *in = r->fields[i], out[1024];
		size_t inleft = strlen(in);

		offs[i] = r->conv.len;
		iconv((iconv_t)r->cd, NULL, NULL, NULL, NULL);
		while (inleft > 0) {
			char *o = out;
			size_t oleft = sizeof(out);
			size_t n =
			    iconv((iconv_t)r->cd, &in, &inleft, &o, &oleft);

			buf_add(&r->conv, out, sizeof(out) - oleft);
			if (n == (size_t)-1 && errno != E2BIG) {
				msg =
				    xasprintf("field %zu: byte 0x%02x at "
				              "offset %zu has no character in "
				              "this encoding",
				              i + 1, (unsigned char)*in,
				              (size_t)(in - r->fields[i]));
				break;
			}
		}
		buf_addc(&r->conv, '\0');
	}
	if (msg == NULL)
		for (i = 0; i < r->noffs; i++)
			r->fields[i] = r->conv.s + offs[i];
	free(offs);
	return msg;
}

void
csv_close(struct csv_reader *r)
{
	if (r == NULL)
		return;
	if (r->cd != NULL)
		iconv_close((iconv_t)r->cd);
	buf_free(&r->conv);
	buf_free(&r->raw);
	free(r->pb);
	free(r->name);
	buf_free(&r->rec);
	free(r->offs);
	free(r->fields);
	free(r->err);
	free(r);
}

/* Record the first problem of the record; later ones are ignored. */
static void
bad(struct csv_reader *r, char *msg)
{
	if (r->err == NULL)
		r->err = msg;
	else
		free(msg);
}

static void
start_field(struct csv_reader *r)
{
	r->flen = 0;
	if (r->noffs == CSV_MAX_FIELDS) {
		bad(r, xasprintf("more than %d fields", CSV_MAX_FIELDS));
		r->noffs++; /* remember we are past the limit */
		return;
	}
	if (r->noffs > CSV_MAX_FIELDS)
		return;
	if (r->noffs == r->offcap) {
		r->offcap = r->offcap ? r->offcap * 2 : 16;
		r->offs = xreallocarray(r->offs, r->offcap, sizeof(*r->offs));
	}
	r->offs[r->noffs++] = r->rec.len;
}

static void
end_field(struct csv_reader *r)
{
	if (r->err == NULL)
		buf_addc(&r->rec, '\0');
}

/* Add one byte to the current field, unless the record is already bad. */
static void
add(struct csv_reader *r, int ch)
{
	if (ch == '\0') {
		bad(r, xasprintf("NUL byte in field %zu", r->noffs));
		return;
	}
	if (r->err != NULL)
		return;
	if (++r->flen > CSV_MAX_FIELD) {
		bad(r, xasprintf("field %zu is longer than %d bytes", r->noffs,
		                 CSV_MAX_FIELD));
		return;
	}
	if (r->rec.len >= CSV_MAX_RECORD) {
		bad(r, xasprintf("record is longer than %d bytes",
		                 CSV_MAX_RECORD));
		return;
	}
	buf_addc(&r->rec, (char)ch);
}

/* A line end starting with ch ('\n' or '\r'): eat a CRLF pair, count it. */
static void
eat_eol(struct csv_reader *r, int ch)
{
	if (ch == '\r' && peekch(r) == '\n')
		(void)getch(r);
	r->line++;
}

int
csv_read(struct csv_reader *r, struct csv_record *rec, char **errstr)
{
	unsigned long start, unclosed = 0;
	size_t i;
	int ch, rc;
	char *msg;

	r->rec.len = 0;
	r->noffs = 0;
	free(r->err);
	r->err = NULL;
	rec->fields = NULL;
	rec->nfields = 0;

	/* skip blank lines */
	for (;;) {
		ch = getch(r);
		if (ch != '\n' && ch != '\r')
			break;
		eat_eol(r, ch);
	}
	if (ch == EOF) {
		if (r->ioerr != 0) {
			*errstr = xasprintf("%s:%lu: read error: %s", r->name,
			                    r->line, strerror(r->ioerr));
			return CSV_EIO;
		}
		return CSV_EOF;
	}
	start = rec->line = r->line;

	for (;;) { /* one field per turn; ch is its first byte */
		start_field(r);
		if (ch == '"') {
			unsigned long qline = r->line;

			r->raw.len = 0;
			r->raw_overflow = 0;
			r->in_quote = 1;
			for (;;) {
				ch = getch(r);
				if (ch == EOF) {
					r->in_quote = 0;
					if (r->ioerr != 0)
						break;
					unclosed = qline;
					bad(r,
					    xasprintf(
					        "quoted field %zu opened on "
					        "line %lu "
					        "is not closed%s",
					        r->noffs, qline,
					        r->raw_overflow
					            ? "; the rest of the file "
					              "could not be read"
					            : "; reading on from the "
					              "next "
					              "line"));
					break;
				}
				if (ch == '"') {
					if (peekch(r) != '"') {
						ch = getch(r);
						break;
					}
					(void)getch(r);
				} else if (ch == '\n' ||
				           (ch == '\r' && peekch(r) != '\n'))
					r->line++;
				add(r, ch);
			}
			r->in_quote = 0;
		}
		/* unquoted bytes, or lenient text after a closing quote */
		while (ch != ',' && ch != '\n' && ch != '\r' && ch != EOF) {
			add(r, ch);
			ch = getch(r);
		}
		end_field(r);
		if (ch != ',')
			break;
		ch = getch(r);
	}
	if (ch != EOF)
		eat_eol(r, ch);

	if (r->ioerr != 0) {
		*errstr = xasprintf("%s:%lu: read error: %s", r->name, start,
		                    strerror(r->ioerr));
		return CSV_EIO;
	}
	if (r->err != NULL) {
		*errstr = xasprintf("%s:%lu: %s", r->name,
		                    unclosed ? unclosed : start, r->err);
		if (unclosed) {
			rec->line = unclosed;
			if (!r->raw_overflow)
				reread(r, unclosed);
		}
		rc = CSV_EBAD;
		return rc;
	}
	r->fields = xreallocarray(r->fields, r->noffs + 1, sizeof(*r->fields));
	for (i = 0; i < r->noffs; i++)
		r->fields[i] = r->rec.s + r->offs[i];
	r->fields[r->noffs] = NULL;
	if (r->enc != CSV_ENC_BYTES && (msg = convert(r)) != NULL) {
		*errstr = xasprintf("%s:%lu: %s", r->name, start, msg);
		free(msg);
		return CSV_EBAD;
	}
	rec->fields = r->fields;
	rec->nfields = r->noffs;
	return CSV_OK;
}

/* a plain number or phone number: [+-]? then digits, spaces, ( ) . - / */
static int
harmless_number(const char *s)
{
	int digits = 0;

	if (*s == '+' || *s == '-')
		s++;
	for (; *s != '\0'; s++) {
		if (isdigit((unsigned char)*s))
			digits++;
		else if (strchr(" ().-/", *s) == NULL)
			return 0;
	}
	return digits > 0;
}

/*
 * formula: would a spreadsheet take s for a formula?  s starts with = + - @
 * TAB or CR, or has one of those after leading spaces, line feeds and quotes
 * (" =cmd", "\"=cmd", "'=cmd": some spreadsheets trim or unquote a cell
 * before they look), and is not a plain number.  A leading single quote is
 * skipped too, so that a cell that already starts with one is guarded again
 * and csv_unguard gives it back whole.
 */
static int
formula(const char *s)
{
	const char *p = s + strspn(s, " \n\"'");

	return *p != '\0' && strchr("=+-@\t\r", *p) != NULL &&
	       !harmless_number(s);
}

const char *
csv_unguard(const char *s)
{
	if (s[0] == '\'' && formula(s + 1))
		return s + 1;
	return s;
}

int
csv_write_field(FILE *fp, const char *s, unsigned int flags)
{
	const char *prefix = "";
	size_t len;
	int quote;

	if (s == NULL)
		s = "";
	len = strlen(s);
	if ((flags & CSV_SAFE) && formula(s))
		prefix = "'";
	/* a leading byte-order mark is quoted so that, first in a file, it is
	   not taken for one */
	quote = strpbrk(s, ",\"\r\n") != NULL ||
	        (len > 0 && (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' ||
	                     s[len - 1] == '\t')) ||
	        strncmp(s, "\xef\xbb\xbf", 3) == 0;
	if (!quote) {
		fputs(prefix, fp);
		fputs(s, fp);
	} else {
		putc('"', fp);
		fputs(prefix, fp);
		for (; *s != '\0'; s++) {
			if (*s == '"')
				putc('"', fp);
			putc(*s, fp);
		}
		putc('"', fp);
	}
	return ferror(fp) ? -1 : 0;
}

int
csv_write_record(FILE *fp, const char *const *fields, size_t n,
                 unsigned int flags)
{
	size_t i;

	if (n == 0)
		return 0;
	if (n == 1 && (fields[0] == NULL || fields[0][0] == '\0'))
		fputs("\"\"", fp);
	else
		for (i = 0; i < n; i++) {
			if (i > 0)
				putc(',', fp);
			if (csv_write_field(fp, fields[i], flags) == -1)
				return -1;
		}
	fputs("\r\n", fp);
	return ferror(fp) ? -1 : 0;
}

/* column names with case, spaces and punctuation removed */
static const struct {
	const char *norm, *field;
} headers[] = {
    {"email", "email"},
    {"emailaddress", "email"},
    {"workemail", "email"},
    {"primaryemail", "email"},
    {"businessemail", "email"},
    {"emailaddress1", "email"},
    {"mail", "email"},
    {"name", "name"},
    {"fullname", "name"},
    {"contactname", "name"},
    {"contact", "name"},
    {"firstname", "first_name"},
    {"givenname", "first_name"},
    {"forename", "first_name"},
    {"lastname", "last_name"},
    {"surname", "last_name"},
    {"familyname", "last_name"},
    {"company", "company"},
    {"companyname", "company"},
    {"organization", "company"},
    {"organisation", "company"},
    {"organizationname", "company"},
    {"accountname", "company"},
    {"account", "company"},
    {"phone", "phone"},
    {"phonenumber", "phone"},
    {"mobile", "phone"},
    {"mobilephone", "phone"},
    {"mobilenumber", "phone"},
    {"workphone", "phone"},
    {"businessphone", "phone"},
    {"cellphone", "phone"},
    {"telephone", "phone"},
    {"tz", "tz"},
    {"timezone", "tz"},
    {"source", "source"},
    {"leadsource", "source"},
    {"sequence", "sequence"},
    {"status", "status"},
    /* a CRM's rating of the lead: kept as a field; "hot" marks the lead
     * hot (craft_is_hot) */
    {"leadstatus", "lead_status"},
    {"rating", "rating"},
    {"leadrating", "rating"},
    {"hot", "hot"},
    {"hotlead", "hot"},
    /* what the messages are made of (templates/README) */
    {"interests", "interests"},
    {"interest", "interests"},
    {"hobbies", "interests"},
    {"personalinterests", "interests"},
    {"industry", "industry"},
    {"sector", "industry"},
    {"mailingaddress", "mailing_address"},
    {"postaladdress", "mailing_address"},
    {"address", "mailing_address"},
    {"notes", "notes"},
    {"note", "notes"},
    {"description", "notes"},
    {"title", "title"},
    {"jobtitle", "title"},
    {"position", "title"},
    {"website", "website"},
    {"web", "website"},
    {"url", "website"},
    {"websiteurl", "website"},
    {"companywebsite", "website"},
    {"domain", "domain"},
    {"companydomain", "domain"},
    {"emaildomain", "domain"},
};

const char *
csv_map_header(const char *column)
{
	char norm[64];
	size_t i, n = 0;

	for (; *column != '\0'; column++) {
		unsigned char ch = (unsigned char)*column;

		if (ch >= 0x80)
			return NULL; /* none of ours is non-ASCII */
		if (!isalnum(ch))
			continue;
		if (n == sizeof(norm) - 1)
			return NULL;
		norm[n++] = (char)tolower(ch);
	}
	norm[n] = '\0';
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		if (strcmp(headers[i].norm, norm) == 0)
			return headers[i].field;
	return NULL;
}

int
csv_email_valid(const char *s)
{
	const char *at, *p, *dom;
	size_t len;

	if (s == NULL || (len = strlen(s)) == 0 || len > 254)
		return 0;
	if ((at = strchr(s, '@')) == NULL || strchr(at + 1, '@') != NULL)
		return 0;
	if (at == s || at - s > 64)
		return 0;
	for (p = s; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch <= 0x20 || ch == 0x7f || strchr("<>()[],;:\\\"", ch))
			return 0;
	}
	dom = at + 1;
	if (*dom == '\0' || *dom == '.' || s[len - 1] == '.' ||
	    strstr(dom, "..") != NULL || strchr(dom, '.') == NULL)
		return 0;
	return 1;
}

char *
csv_email_domain(const char *email)
{
	const char *at;
	char *d;

	if (email == NULL || (at = strrchr(email, '@')) == NULL ||
	    at[1] == '\0')
		return NULL;
	d = xstrdup(at + 1);
	for (char *p = d; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

/* ---- a case-insensitive key set (open addressing, FNV-1a of the lower-cased
 * key).  The keys are copied into chunks (no allocation per key: an import
 * adds one per row) and each slot keeps its hash, so a probe compares
 * strings only when the hashes match, and growing rehashes nothing. */

#define KEYS_CHUNK (64 * 1024)

struct keys_chunk {
	struct keys_chunk *next;
	size_t used, size;
	char data[];
};

struct csv_keys {
	const char **keys;
	uint64_t *hashes;
	unsigned long *lines;
	size_t n, cap; /* cap is a power of two, kept at most half full */
	struct keys_chunk *chunks;
};

static uint64_t
key_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)tolower((unsigned char)*s);
		h *= 1099511628211ULL;
	}
	return h;
}

struct csv_keys *
csv_keys_new(void)
{
	struct csv_keys *k = xcalloc(1, sizeof(*k));

	k->cap = 64;
	k->keys = xcalloc(k->cap, sizeof(*k->keys));
	k->hashes = xcalloc(k->cap, sizeof(*k->hashes));
	k->lines = xcalloc(k->cap, sizeof(*k->lines));
	return k;
}

/* keys_copy: key copied into the set's chunks */
static const char *
keys_copy(struct csv_keys *k, const char *key)
{
	size_t len = strlen(key) + 1;
	struct keys_chunk *c = k->chunks;
	char *p;

	if (c == NULL || c->size - c->used < len) {
		size_t size = len > KEYS_CHUNK ? len : KEYS_CHUNK;

		c = xmalloc(sizeof(*c) + size);
		c->next = k->chunks;
		c->used = 0;
		c->size = size;
		k->chunks = c;
	}
	p = c->data + c->used;
	memcpy(p, key, len);
	c->used += len;
	return p;
}

unsigned long
csv_keys_find(const struct csv_keys *k, const char *key)
{
	uint64_t h = key_hash(key);

	for (size_t i = (size_t)h & (k->cap - 1); k->keys[i] != NULL;
	     i = (i + 1) & (k->cap - 1))
		if (k->hashes[i] == h && strcasecmp(k->keys[i], key) == 0)
			return k->lines[i] ? k->lines[i] : 1;
	return 0;
}

unsigned long
csv_keys_add(struct csv_keys *k, const char *key, unsigned long line)
{
	uint64_t h = key_hash(key);
	unsigned long first = csv_keys_find(k, key);
	size_t i;

	if (first != 0)
		return first;
	if (2 * (k->n + 1) > k->cap) {
		size_t ncap = k->cap * 2;
		const char **nk = xcalloc(ncap, sizeof(*nk));
		uint64_t *nh = xcalloc(ncap, sizeof(*nh));
		unsigned long *nl = xcalloc(ncap, sizeof(*nl));

		for (size_t j = 0; j < k->cap; j++) {
			if (k->keys[j] == NULL)
				continue;
			size_t m = (size_t)k->hashes[j] & (ncap - 1);
			while (nk[m] != NULL)
				m = (m + 1) & (ncap - 1);
			nk[m] = k->keys[j];
			nh[m] = k->hashes[j];
			nl[m] = k->lines[j];
		}
		free(k->keys);
		free(k->hashes);
		free(k->lines);
		k->keys = nk;
		k->hashes = nh;
		k->lines = nl;
		k->cap = ncap;
	}
	for (i = (size_t)h & (k->cap - 1); k->keys[i] != NULL;
	     i = (i + 1) & (k->cap - 1))
		;
	k->keys[i] = keys_copy(k, key);
	k->hashes[i] = h;
	k->lines[i] = line;
	k->n++;
	return 0;
}

void
csv_keys_free(struct csv_keys *k)
{
	if (k == NULL)
		return;
	while (k->chunks != NULL) {
		struct keys_chunk *c = k->chunks;

		k->chunks = c->next;
		free(c);
	}
	free(k->keys);
	free(k->hashes);
	free(k->lines);
	free(k);
}
