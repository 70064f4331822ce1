/*
 * fuzz_export - the CSV export round trip: cells written as `nudge export csv`
 * writes them (csv_write_record with CSV_SAFE), read back as `nudge lead
 * import` reads them (csv_read, then csv_unguard on every cell).
 *
 * Input: the first byte gives the number of columns (1 + byte % 6), the rest
 * is the cells, separated by NUL bytes (a cell holds any other byte: commas,
 * quotes, CR, LF, UTF-8 or not), filling rows of that many columns; at most
 * 64 cells.
 *
 * Checks: as many records and fields come back as went out, and every cell
 * survives (csv_unguard of what is read is the cell written); a spreadsheet
 * would run none of the cells read back as a formula: unless it starts with
 * the guard's single quote or is a plain number or phone number, it has no
 * = + - @ TAB or CR first, nor after leading spaces, line feeds or quotes
 * (written here apart from csv.c's own test); with every cell valid UTF-8
 * the file also reads back under csv_set_encoding "utf-8".
 */
#include "autoconf.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fuzz.h"

#define MAX_CELLS 64

/* plain: a number or phone number, that a spreadsheet may read as one */
static int
plain(const char *s)
{
	int digits = 0;

	if (*s == '+' || *s == '-')
		s++;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (*s != ' ' && *s != '(' && *s != ')' && *s != '.' &&
		         *s != '-' && *s != '/')
			return 0;
	}
	return digits > 0;
}

/* runs: would a spreadsheet take the cell c (as read back) for a formula? */
static int
runs(const char *c)
{
	const char *p = c;

	if (c[0] == '\'' || plain(c))
		return 0;
	while (*p == ' ' || *p == '\n' || *p == '"' || *p == '\'')
		p++;
	return *c == '\t' || *c == '\r' || *p == '=' || *p == '+' ||
	       *p == '-' || *p == '@' || *p == '\t' || *p == '\r';
}

/* readback: read the file back and compare every cell with the rows */
static void
readback(const char *buf, size_t len, char **cells, size_t ncells, size_t ncols,
         int utf8)
{
	FILE *f = fmemopen((void *)buf, len ? len : 1, "r");
	struct csv_reader *r;
	struct csv_record rec;
	char *err = NULL;
	size_t done = 0, i;
	int rc;

	fuzz_check(f != NULL, "fmemopen");
	r = csv_open(f, "export.csv");
	if (utf8)
		fuzz_check(csv_set_encoding(r, "utf-8", &err) == CSV_OK,
		           "csv_set_encoding");
	while (done < ncells) {
		size_t want = ncells - done < ncols ? ncells - done : ncols;

		rc = csv_read(r, &rec, &err);
		if (rc != CSV_OK)
			fprintf(stderr, "fuzz_export: %s\n",
			        err ? err : "early end of file");
		fuzz_check(rc == CSV_OK,
		           "an exported record does not read back");
		fuzz_check(rec.nfields == want, "field count changed");
		for (i = 0; i < want; i++) {
			fuzz_check(!runs(rec.fields[i]),
			           "a cell read back would run as a formula");
			fuzz_check(strcmp(csv_unguard(rec.fields[i]),
			                  cells[done + i]) == 0,
			           "a cell changed on the way back");
		}
		done += want;
	}
	fuzz_check(csv_read(r, &rec, &err) == CSV_EOF, "extra record");
	csv_close(r);
	fclose(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *cells[MAX_CELLS], *buf = NULL;
	size_t ncells = 0, ncols, len = 0, i, at = 1;
	int utf8 = 1;
	FILE *w;

	if (size == 0)
		return 0;
	ncols = 1 + data[0] % 6;
	while (at <= size && ncells < MAX_CELLS) {
		const uint8_t *nul = memchr(data + at, '\0', size - at);
		size_t n = nul ? (size_t)(nul - (data + at)) : size - at;

		cells[ncells] = fuzz_strndup(data + at, n);
		utf8 &= csv_utf8_valid(cells[ncells]);
		ncells++;
		at += n + 1;
	}
	w = open_memstream(&buf, &len);
	fuzz_check(w != NULL, "open_memstream");
	for (i = 0; i < ncells; i += ncols)
		fuzz_check(
		    csv_write_record(w, (const char *const *)cells + i,
		                     ncells - i < ncols ? ncells - i : ncols,
		                     CSV_SAFE) == 0,
		    "csv_write_record");
	fclose(w);
	readback(buf, len, cells, ncells, ncols, 0);
	if (utf8)
		readback(buf, len, cells, ncells, ncols, 1);
	free(buf);
	for (i = 0; i < ncells; i++)
		free(cells[i]);
	return 0;
}
