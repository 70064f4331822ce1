/*
 * fuzz_csv - the CSV reader (csv_open/csv_read over the input), the import
 * helpers on every field, and the writer.
 *
 * Checks: each record read back after csv_write_record (without CSV_SAFE)
 * gives the same fields (csv.h: "the output reads back exactly"); a bad
 * record comes with a message; the reader always ends (EOF or EIO).
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fuzz.h"

/* roundtrip: write rec and read it back; the fields must be equal. */
static void
roundtrip(const struct csv_record *rec)
{
	char *buf = NULL, *err = NULL;
	size_t len = 0, i;
	FILE *w = open_memstream(&buf, &len), *f;
	struct csv_reader *r;
	struct csv_record back;
	int rc;

	if (rec->nfields == 0)
		return;
	fuzz_check(w != NULL, "open_memstream");
	fuzz_check(csv_write_record(w, (const char *const *)rec->fields,
	                            rec->nfields, 0) == 0,
	           "csv_write_record");
	fclose(w);
	f = fmemopen(buf, len ? len : 1, "r");
	fuzz_check(f != NULL, "fmemopen");
	r = csv_open(f, "back");
	/* a record that read fine must be written readably (a lone empty
	 * field is written as "" so it is no blank line) */
	rc = csv_read(r, &back, &err);
	fuzz_check(rc == CSV_OK, "written record does not read back");
	fuzz_check(back.nfields == rec->nfields, "field count changed");
	for (i = 0; i < rec->nfields; i++)
		fuzz_check(strcmp(back.fields[i], rec->fields[i]) == 0,
		           "field changed on the way back");
	fuzz_check(csv_read(r, &back, &err) == CSV_EOF, "extra record");
	csv_close(r);
	fclose(f);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f, *sink;
	struct csv_reader *r;
	struct csv_record rec;
	char *err = NULL, *d;
	size_t i, nrec = 0;
	int rc;

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (f == NULL)
		return 0;
	sink = fopen("/dev/null", "w");
	r = csv_open(f, "fuzz.csv");
	while ((rc = csv_read(r, &rec, &err)) != CSV_EOF && nrec < 100000) {
		nrec++;
		if (rc == CSV_EIO) {
			free(err);
			break;
		}
		if (rc == CSV_EBAD) {
			fuzz_check(err != NULL, "bad record without message");
			free(err);
			err = NULL;
			continue;
		}
		fuzz_check(rec.fields[rec.nfields] == NULL,
		           "fields not NULL-terminated");
		for (i = 0; i < rec.nfields; i++) {
			(void)csv_map_header(rec.fields[i]);
			(void)csv_email_valid(rec.fields[i]);
			d = csv_email_domain(rec.fields[i]);
			free(d);
		}
		if (sink)
			(void)csv_write_record(sink,
			                       (const char *const *)rec.fields,
			                       rec.nfields, CSV_SAFE);
		roundtrip(&rec);
	}
	fuzz_check(nrec < 100000, "reader does not end");
	csv_close(r);
	fclose(f);
	if (sink)
		fclose(sink);
	return 0;
}
