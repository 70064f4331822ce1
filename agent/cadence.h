/*
 * cadence - sequences (rules/sequence-*.conf), holidays, business days, due
 * dates and sending windows.
 *
 * Pure: nothing here reads the wall clock; instants (time_t) and zones are
 * passed in.  The only I/O is reading a sequence or holiday file in *_load().
 * Civil days are clock.h day numbers (days since 1970-01-01); a zone is an
 * IANA name, NULL or "" meaning the process's local zone (see clock.h).
 *
 * Errors follow the project contract: CADENCE_OK (0) or a CADENCE_E* code; on
 * failure *errstr is a malloc'd one-line message, "path:line: what is
 * wrong" for files; on success *errstr is untouched.
 *
 * ---- Sequence file format (one statement per line; '#' starts a comment;
 * blank lines are ignored; lines are at most 1023 bytes; CRLF is accepted):
 *
 *     name      12345x              # required, once; [A-Za-z0-9_-]{1,32}
 *     stage 1   after 0            email call
 *     stage 2   after 2 business   email call note
 *     stage X   after 1 month      email research   repeat
 *     max_x     0                   # optional, once; 0 = unlimited
 *     contact   yes                 # optional: for leads after contact
 *     then      nurture             # optional: the sequence that follows
 *
 *   contact yes marks a sequence for leads who answered (after-contact,
 *   nurture): a lead enrolled in it is "engaged", not "active".
 *   then NAME: when the last stage is done the lead is enrolled in NAME
 *   (without it, a cold sequence retires the lead and a contact sequence
 *   leaves it engaged with nothing planned).
 *   stage NAME after DELAY CHANNEL... [repeat]
 *     NAME     1-3 characters [A-Za-z0-9], unique (case-insensitively).
 *     DELAY    "0"                  at once (stage 1: at enrolment)
 *              "N business"         N business days (1..250)
 *              "N day" / "N days"   N calendar days (1..3660)
 *              "N month" / "N months" N calendar months (1..120)
 *              counted from when the previous stage was DONE; a days or
 *              months delay landing on a weekend or holiday moves to the
 *              next business day (see cadence_due).
 *     CHANNEL  email call text visit note research social (at least one; no
 *              duplicates).
 *     repeat   only on the last stage: it then recurs (X1, X2, ...) until the
 *              lead answers or max_x touches of it were made.
 *   A non-repeating stage may not be named like a label of the repeating one
 *   ("X1" next to a repeating "X").  At most 64 stages.
 */
#ifndef NUDGE_CADENCE_H
#define NUDGE_CADENCE_H

#include <stddef.h>
#include <time.h>

enum {
	CADENCE_OK = 0,
	CADENCE_EIO = 1,     /* a file could not be read */
	CADENCE_ESYNTAX = 2, /* a file or spec is malformed */
};

/* Channels of a touch; a step's channels are a bitmask of these. */
enum channel {
	CHANNEL_EMAIL = 1 << 0,
	CHANNEL_CALL = 1 << 1,
	CHANNEL_TEXT = 1 << 2,
	CHANNEL_VISIT = 1 << 3,
	CHANNEL_NOTE = 1 << 4, /* handwritten note */
	CHANNEL_RESEARCH = 1 << 5,
	CHANNEL_SOCIAL = 1 << 6,
};
#define CHANNEL_ALL 0x7fu

enum cadence_unit {
	CADENCE_NOW = 0,  /* "after 0" */
	CADENCE_BUSINESS, /* "N business" */
	CADENCE_DAYS,     /* "N days" */
	CADENCE_MONTHS,   /* "N months" */
};

struct cadence_step {
	char name[4]; /* "1", "X", NUL-terminated */
	enum cadence_unit unit;
	int amount;        /* 0 for CADENCE_NOW */
	unsigned channels; /* bitmask of enum channel, never 0 */
	int repeat;        /* 1 only possible on the last step */
};

struct sequence {
	char *name;
	struct cadence_step *steps;
	size_t nsteps; /* >= 1 */
	int max_x;     /* touches of the repeating step; 0 = unlimited */
	int contact;   /* 1: a sequence for leads after contact */
	char *then;    /* the sequence that follows, or NULL */
};

/*
 * sequence_parse: parse the text of a sequence file; name_for_errors
 * prefixes the messages ("name:line: ...").  On success *out is a new
 * sequence (free with sequence_free).  Returns CADENCE_OK or CADENCE_ESYNTAX.
 */
int sequence_parse(const char *name_for_errors, const char *text,
                   struct sequence **out, char **errstr);
/* sequence_load: read and parse the file at path (at most 1 MiB, no NUL bytes).
 * Returns CADENCE_OK, CADENCE_EIO ("path: strerror") or CADENCE_ESYNTAX. */
int sequence_load(const char *path, struct sequence **out, char **errstr);
/* sequence_free: NULL is fine. */
void sequence_free(struct sequence *seq);

/* cadence_channel_name: "email" for CHANNEL_EMAIL...; NULL if bit is not
 * exactly one known channel.  The string is static. */
const char *cadence_channel_name(unsigned bit);
/* cadence_channel_parse: the bit of a channel name (case-insensitive), 0 if
 * unknown. */
unsigned cadence_channel_parse(const char *name);
/* cadence_step_has: 1 if the step includes channel ch, else 0. */
int cadence_step_has(const struct cadence_step *step, enum channel ch);

/*
 * Stage labels: a non-repeating step is labelled by its name ("1".."5"); the
 * repeating step by its name and its touch number: xcount 0 -> "X1", 1 -> "X2".
 * cadence_stage_label writes the label into buf (truncated to len) and
 * returns buf ("?" for a step_index out of range).  cadence_stage_parse is the
 * reverse, case-insensitive; the bare name of the repeating step ("X") means
 * its first touch (xcount 0).  For a non-repeating step *xcount is 0.
 * Returns 0, or -1 if label names no stage.
 */
char *cadence_stage_label(const struct sequence *seq, size_t step_index,
                          int xcount, char *buf, size_t len);
int cadence_stage_parse(const struct sequence *seq, const char *label,
                        size_t *step_index, int *xcount);

/*
 * cadence_next: the touch that follows (step_index, xcount) once it is done.
 * Returns 1 and sets *next_step and *next_xcount, or 0 when the sequence is
 * over (the last non-repeating step was done, or max_x touches of the
 * repeating step were made).
 */
int cadence_next(const struct sequence *seq, size_t step_index, int xcount,
                 size_t *next_step, int *next_xcount);

/* ---- Holidays: a file of ISO dates ("2026-12-25"), one per line, '#' comments
 * (also after the date), blank lines.  Duplicates are merged.  A NULL
 * struct holidays * everywhere means "no holidays". */
struct holidays {
	int *days; /* sorted, unique day numbers */
	size_t n;
};

/* holidays_parse / holidays_load: as sequence_parse / sequence_load.
 * Free the result with holidays_free. */
int holidays_parse(const char *name_for_errors, const char *text,
                   struct holidays **out, char **errstr);
int holidays_load(const char *path, struct holidays **out, char **errstr);
void holidays_free(struct holidays *h);
/* holidays_contains: 1 if day is listed, else 0 (binary search). */
int holidays_contains(const struct holidays *h, int day);

/* ---- Business days: Monday to Friday and not a holiday. */
int cadence_is_business_day(const struct holidays *h, int day);
/* cadence_add_business_days: n >= 1: the n-th business day after day;
 * n <= 0: day itself if it is a business day, else the next business day. */
int cadence_add_business_days(const struct holidays *h, int day, int n);
/* cadence_next_business_day: the first business day strictly after day. */
int cadence_next_business_day(const struct holidays *h, int day);
/* cadence_add_months: the same day of the month n months later (n may be
 * negative), clamped to the month's end: Jan 31 + 1 -> Feb 28 (Feb 29 in leap
 * years).  No business-day rolling. */
int cadence_add_months(int day, int n);

/*
 * cadence_due: the instant step step_index becomes due, given that the previous
 * touch was done at prev_done (for the first step: the enrolment time).
 *   after 0       -> prev_done itself.
 *   N business    -> 00:00 in tz of the N-th business day after the civil day
 *                    (in tz) of prev_done.
 *   N days        -> that day + N, rolled forward to a business day; 00:00
 *                    in tz.
 *   N months      -> cadence_add_months (clamped), rolled forward to a business
 *                    day; 00:00 in tz.
 * tz is the salesperson's zone (business days are theirs); the hour of
 * sending is left to the lead's window (window_next_open).  A slipped touch
 * (done late) moves every later due date, since each counts from its
 * predecessor's done time.  The repeating step uses the same rule for each
 * touch: X2 is due one month after X1 was done.  Returns (time_t)-1 if
 * step_index is out of range.
 */
time_t cadence_due(const struct sequence *seq, size_t step_index,
                   time_t prev_done, const char *tz, const struct holidays *h);

/* ---- Sending windows: "Mon-Fri 08:30-17:00", "Mon,Wed,Fri 09:00-12:00",
 * "Mon-Sun 00:00-24:00".  Days: Sun Mon Tue Wed Thu Fri Sat (case-insensitive),
 * single days and ranges separated by commas; a range may wrap ("Fri-Mon").
 * Times HH:MM from 00:00 to 24:00, the start before the end (no overnight
 * windows).  The window is [start, end) in local wall-clock time of a zone. */
#define WINDOW_DEFAULT "Mon-Fri 08:30-17:00"

struct window {
	unsigned days; /* bit i: weekday i is open, 0 = Sunday */
	int start;     /* minutes after 00:00, 0..1439 */
	int end;       /* minutes after 00:00, start+1..1440 */
};

/* window_parse: CADENCE_OK or CADENCE_ESYNTAX ("window 'spec': ..."). */
int window_parse(const char *spec, struct window *w, char **errstr);
/* window_format: the canonical spec ("Mon-Fri 08:30-17:00") into buf; returns
 * buf.  48 bytes always suffice. */
char *window_format(const struct window *w, char *buf, size_t len);
/* window_contains: 1 if instant t is inside the window in zone tz, else 0. */
int window_contains(const struct window *w, time_t t, const char *tz);
/*
 * window_next_open: t itself if it is inside the window, else the next
 * instant the window opens (local start time in tz, DST-correct: an opening
 * that falls in a DST gap is the first instant after the gap, 03:00 for a
 * missing 02:30; one in the fall-back fold is the earlier of the two).
 * Searches 14 days; returns (time_t)-1 if the window does not open in that
 * time.
 * window_next_open_h: the same, skipping days (civil, in tz) listed in h: to
 * know whether a touch may go out now, ask
 * window_next_open_h(w, now, tz, h) == now.
 */
time_t window_next_open(const struct window *w, time_t t, const char *tz);
time_t window_next_open_h(const struct window *w, time_t t, const char *tz,
                          const struct holidays *h);

#endif
