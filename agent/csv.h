/*
 * csv - an RFC 4180 reader and writer, and the helpers lead import needs.
 *
 * Reader: streams records from a FILE*.  Accepted: quoted fields with embedded
 * commas, doubled quotes ("") and CR/LF line breaks; CRLF, LF or bare-CR line
 * ends; a UTF-8 byte-order mark at the very start (skipped); a last line
 * without a line end.  Lenient like spreadsheets: a quote inside an unquoted
 * field is kept literally (a"b → a"b), and text after a closing quote is
 * appended literally ("a"b → ab).  Blank lines are skipped (a record holding a
 * single empty field is written as "" by the writer for that reason).  Fields
 * are bytes: no charset conversion, no trimming, nothing interpreted (text that
 * looks like SQL or a formula passes through verbatim).
 *
 * Limits: a field over CSV_MAX_FIELD bytes, a record over CSV_MAX_FIELDS fields
 * or CSV_MAX_RECORD bytes, or a NUL byte in a field make that record bad:
 * csv_read consumes the whole record (respecting quotes) and returns CSV_EBAD,
 * and the next call reads the next record.  A quote left open to the end of
 * the file is an error at the line it opened on (CSV_EBAD, rec->line = that
 * line), and reading goes on from the line after it, so one stray quote costs
 * one record, not the rest of the file (unless more than CSV_MAX_RECORD bytes
 * followed it: then the message says the rest could not be read).
 *
 * Encoding: by default fields are bytes.  csv_set_encoding(r, "utf-8") makes
 * a record with invalid UTF-8 bad (the message names the field and the byte);
 * "latin1" or "windows-1252" convert every field to UTF-8 with iconv (a byte
 * that has no character in windows-1252 makes the record bad).
 */
#ifndef NUDGE_CSV_H
#define NUDGE_CSV_H

#include <stddef.h>
#include <stdio.h>

#define CSV_MAX_FIELD (1024 * 1024)
#define CSV_MAX_FIELDS 1000
#define CSV_MAX_RECORD (16 * 1024 * 1024)

enum {
	CSV_OK = 0,
	CSV_EOF,  /* no more records */
	CSV_EBAD, /* this record is malformed and was skipped; read on */
	CSV_EIO,  /* the stream failed (ferror); stop */
};

struct csv_record {
	char **fields; /* nfields NUL-terminated strings (then NULL),
	                  owned by the reader, valid until the next
	                  csv_read or csv_close */
	size_t nfields;
	unsigned long line; /* physical line (1-based) where the record starts;
	                       set for CSV_OK and CSV_EBAD */
};

struct csv_reader;

/*
 * csv_open: a reader over fp (not closed by csv_close); name is used in
 * messages ("name:line: ...").  Never NULL.
 */
struct csv_reader *csv_open(FILE *fp, const char *name);

/*
 * csv_read: the next record into *rec.  Returns CSV_OK, CSV_EOF, CSV_EBAD
 * (*errstr = "name:line: field 2 is longer than 1048576 bytes", rec->line
 * set, rec->fields not) or CSV_EIO (*errstr = "name:line: read error: ...").
 */
int csv_read(struct csv_reader *r, struct csv_record *rec, char **errstr);

enum { CSV_ENC_BYTES, CSV_ENC_UTF8, CSV_ENC_LATIN1, CSV_ENC_CP1252 };

/*
 * csv_set_encoding: what the file's text is: "utf-8" (checked), "latin1" or
 * "windows-1252" (converted to UTF-8), in any case ("utf8", "latin-1",
 * "iso-8859-1", "cp1252" too).  Call before the first csv_read.  Returns
 * CSV_OK, or CSV_EBAD with *errstr for an unknown name.
 */
int csv_set_encoding(struct csv_reader *r, const char *enc, char **errstr);

/* csv_utf8_valid: 1 when s (NUL-terminated) is valid UTF-8 (no overlong
 * form, surrogate or code point past U+10FFFF), else 0. */
int csv_utf8_valid(const char *s);

/*
 * A set of keys compared without case (email addresses, column names) that
 * remembers the line each was first seen on, for "already on line N".
 * csv_keys_add: 0 when key is new (it is then remembered with line), else the
 * line it was first added with.  Never fails (allocation exits).
 */
struct csv_keys;
struct csv_keys *csv_keys_new(void);
unsigned long csv_keys_add(struct csv_keys *k, const char *key,
                           unsigned long line);
/* csv_keys_find: the line key was added with (0 when it is not in the set;
 * a key added with line 0 gives 1). */
unsigned long csv_keys_find(const struct csv_keys *k, const char *key);
void csv_keys_free(struct csv_keys *k);

/* csv_close: free the reader and the last record (NULL is fine). */
void csv_close(struct csv_reader *r);

/*
 * Writer flags.  CSV_SAFE guards exports meant for spreadsheets against formula
 * injection: a field starting with = + - @ TAB or CR, also after leading
 * spaces, line feeds, double or single quotes (" =cmd", "\"=cmd", "'=cmd"),
 * gets a leading single quote (') unless it is a plain number or phone number
 * (digits, spaces and ( ) . - / after an optional + or -), so
 * "+1 (555) 010-0000" and "-5" stay as they are but "=HYPERLINK(...)" becomes
 * "'=HYPERLINK(...)".  Without CSV_SAFE the output reads back exactly
 * (csv_read returns the same bytes).
 */
#define CSV_SAFE 0x1

/*
 * csv_unguard: s without the single quote CSV_SAFE would have put in front of
 * it: when s is ' followed by text CSV_SAFE guards, s + 1; else s.  Import
 * applies it so that an export reads back exactly ("'=1+2" -> "=1+2",
 * "' =x" -> " =x", "''=x" -> "'=x"; "'-5" and "'abc" stay as they are).
 */
const char *csv_unguard(const char *s);

/*
 * csv_write_field: write s (NULL = empty) to fp, quoted when it holds a comma,
 * a quote, CR or LF, starts or ends with a space or tab, or starts with a
 * UTF-8 byte-order mark; quotes doubled.
 * Writes no separator.  Returns 0, or -1 when the stream reports an error.
 */
int csv_write_field(FILE *fp, const char *s, unsigned int flags);

/*
 * csv_write_record: n fields separated by commas and ended by CRLF (n == 0
 * writes nothing; a lone empty field is written as "" so it is not a blank
 * line).  Returns 0 or -1 as csv_write_field.
 */
int csv_write_record(FILE *fp, const char *const *fields, size_t n,
                     unsigned int flags);

/*
 * csv_map_header: the canonical lead field for a column name from a CRM export
 * ("E-mail", "Email Address", "Work Email" → "email"), matched ignoring case,
 * spaces and punctuation, or NULL when unknown (the caller keeps the column as
 * a custom field).  Canonical names: email, name, first_name, last_name,
 * company, phone, tz, source, sequence, status, notes, title, website, domain.
 * The result is a static string.
 */
const char *csv_map_header(const char *column);

/*
 * csv_email_valid: 1 when s looks like a deliverable address (pragmatic, not
 * RFC 5322): exactly one '@', a local part of 1..64 bytes, a domain with a dot
 * and no empty label, no white space, control characters or any of
 * < > ( ) [ ] , ; : \ ", at most 254 bytes.  Bytes >= 0x80 are allowed (UTF-8
 * addresses).  0 otherwise.
 */
int csv_email_valid(const char *s);

/*
 * csv_email_domain: the malloc'd lower-cased domain of email (the text after
 * its last '@'), or NULL when there is no '@' or nothing after it.
 */
char *csv_email_domain(const char *email);

#endif
