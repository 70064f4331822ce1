/* csv - see csv.h */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	fill(r);
	if (r->ipos == r->ilen)
		return EOF;
	return r->ibuf[r->ipos++];
}

static int
peekch(struct csv_reader *r)
{
	fill(r);
	if (r->ipos == r->ilen)
		return EOF;
	return r->ibuf[r->ipos];
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

void
csv_close(struct csv_reader *r)
{
	if (r == NULL)
		return;
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
	unsigned long start;
	size_t i;
	int ch, rc;

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

			for (;;) {
				ch = getch(r);
				if (ch == EOF) {
					bad(r, xasprintf("quoted field opened "
					                 "on line %lu is not "
					                 "closed",
					                 qline));
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
		*errstr = xasprintf("%s:%lu: %s", r->name, start, r->err);
		rc = CSV_EBAD;
		return rc;
	}
	r->fields = xreallocarray(r->fields, r->noffs + 1, sizeof(*r->fields));
	for (i = 0; i < r->noffs; i++)
		r->fields[i] = r->rec.s + r->offs[i];
	r->fields[r->noffs] = NULL;
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

const char *
csv_unguard(const char *s)
{
	if (s[0] == '\'' && s[1] != '\0' && strchr("=+-@\t\r", s[1]) != NULL &&
	    !harmless_number(s + 1))
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
	if ((flags & CSV_SAFE) && *s != '\0' && strchr("=+-@\t\r", *s) &&
	    !harmless_number(s))
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
    {"leadstatus", "status"},
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
