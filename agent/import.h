/*
 * import - leads from a CRM's CSV export: the reader (csv.c), the mapping of
 * columns to lead fields, the strict row checks and the writes, in one
 * transaction.  `nudge lead import` is its front end.
 *
 * Columns: common CRM header names are recognised (csv_map_header()), maps
 * ("COLUMN=FIELD", FIELD "-" ignores the column) name the rest, other
 * columns become custom fields; status, stage and next_due (what export
 * writes) are ignored.  Two columns for one field are an error: nothing is
 * imported.
 *
 * Rows: a new address becomes a lead enrolled in its sequence (stage 1 due
 * at once, as `nudge lead add`); an address that is already a lead updates
 * it (what the row gives replaces what was there).  A bad row (invalid
 * address, zone or UTF-8, more cells than the header, an address already on
 * an earlier line, a quote never closed, a suppressed address that is not a
 * lead) is reported and skipped; the rest is imported.
 *
 * Speed: one transaction (store_begin_bulk: a page cache sized for the batch,
 * no savepoint per row), statements prepared once, a new lead written in its
 * final state (no update after the insert), no allocation per new row.
 *
 * Error contract: IMPORT_OK or an IMPORT_E* code with *errstr a malloc'd
 * one-line message.  On an error nothing is imported (the transaction is
 * rolled back); skipped rows are not errors (res->skipped counts them).
 */
#ifndef NUDGE_IMPORT_H
#define NUDGE_IMPORT_H

#include <stdio.h>

#include "lifecycle.h"

enum {
	IMPORT_OK = 0,
	IMPORT_EUSAGE, /* an unknown encoding name */
	IMPORT_EDATA,  /* no header row, no email column, two columns for one
	                  field */
	IMPORT_EIO,    /* reading the file failed */
	IMPORT_EDB,    /* the database failed */
};

/* What is said while importing: IMPORT_WARN about the header (the import goes
 * on), IMPORT_SKIP about a row that is skipped ("NAME:LINE: why (skipped)"). */
enum { IMPORT_WARN, IMPORT_SKIP };

struct import_opts {
	const char *name;     /* the file's name in messages; the source of new
	                         leads is "import NAME" */
	const char *sequence; /* NULL: the config's, else 12345x */
	const char *encoding; /* NULL: "utf-8" (see csv_set_encoding) */
	char *const *maps;    /* nmaps "COLUMN=FIELD" */
	size_t nmaps;
	/* report: one message (no line end); NULL = silent */
	void (*report)(void *arg, int kind, const char *msg);
	/* progress: called every 1000 rows with the rows read, the bytes read
	 * and the file's size (0 when not a regular file); may be NULL */
	void (*progress)(void *arg, long rows, long bytes, long size);
	void *arg;
};

struct import_result {
	long rows, added, updated, skipped;
};

/*
 * import_csv: read the CSV on fp (header row first) and import its leads
 * into n->st (open, no transaction open), at clock_now().  *res is filled in
 * as far as the import went.
 */
int import_csv(struct nudge *n, FILE *fp, const struct import_opts *o,
               struct import_result *res, char **errstr);

#endif
