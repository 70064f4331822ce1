/*
 * ics - the tasks done by hand as an iCalendar file (RFC 5545), for the
 * salesperson's calendar: one all-day VEVENT per task (Google Calendar
 * imports no VTODO) on its due day in the salesperson's zone (an overdue
 * task on today), holding the lead's name, phone, local time, the script
 * or draft, the mailing address for a note or visit, and the last notes.
 * UIDs are "nudge-touch-ID@HOST" (the touch's row id; HOST the sender's
 * domain): stable across exports, so importing again updates the events.
 *
 * Output is CRLF-terminated, content lines folded at 75 octets (never
 * inside a UTF-8 sequence), TEXT values escaped (backslash, semicolon,
 * comma, newline).
 *
 * Error contract: ICS_OK or ICS_EDB with *errstr malloc'd.
 */
#ifndef NUDGE_ICS_H
#define NUDGE_ICS_H

#include <time.h>

#include "lifecycle.h"
#include "store.h"
#include "xalloc.h"

enum { ICS_OK = 0, ICS_EDB = 1 };

/* ics_text: append s escaped as an RFC 5545 TEXT value (\\ \; \, \n; CR
 * dropped, other control characters as spaces). */
void ics_text(struct buf *b, const char *s);
/* ics_line: append the content line `line` (no CRLF) folded at 75 octets,
 * each physical line ended by CRLF. */
void ics_line(struct buf *b, const char *line);
/* ics_task_describe: the text about manual task t of lead l (custom fields
 * loaded) that a calendar entry or the digest carries: stage, overdue date,
 * email, phone, local time at 09:00 the salesperson's, mailing address for a
 * note or visit, the reply to answer or the rendered script, the last three
 * notes.  Appended to d. */
void ics_task_describe(struct nudge *n, const struct touch *t,
                       const struct lead *l, time_t now, struct buf *d);
/* ics_task_verb: "Call", "Text", "Handwritten note to", ... for a channel. */
const char *ics_task_verb(const char *channel);
/* ics_export: the VCALENDAR of the manual tasks (planned or held, of a lead
 * that is active or engaged, or a reply to answer) due before the end of
 * the day `days` days after today, appended to out. */
int ics_export(struct nudge *n, time_t now, int days, struct buf *out,
               char **errstr);

#endif
