/*
 * template - parse, check and render the stage templates and the value library.
 *
 * Pure: no clock, no network, no database.  A template is parsed once into a
 * token list per part (Subject, From, Cc, text body, HTML body) and rendered
 * many times with a lookup callback, in a single pass over the tokens.
 *
 * File kinds (from the file name's extension)
 *   .email  a header block, a blank line, then the body (required: Subject).
 *   .md     a value-library item (templates/value/): front matter (Title and
 *           URL required; Tags, Kind, Draft, Pitch optional), a blank line,
 *           then the body.  Loaded with value_load_dir; its text is inserted
 *           verbatim, never rendered.
 *   others  (.call, .note, .text, .research, ...): no header block; the whole
 *           file is the body.
 *
 * Header block (.email)
 *   "Key: value" lines, keys case-insensitive: Subject (required, non-empty),
 *   Thread (yes|no; default no: yes threads the message to the stage-1 mail),
 *   From, Answers.  Cc is refused with a message saying why (nudge sends to
 *   the lead only, so a Cc'd address would never get the mail; a reply or
 *   bounce from it could not be told from the lead's).  Answers declares
 *   what a bare numbered reply means, e.g.
 *   "Answers: 1=interested 2=later 3=stop": pairs N=INTENT (N 0-9, each once;
 *   INTENT one of interested, later, not_fit, stop, referral, unclear)
 *   separated by blanks or commas; anything else is a "path:line" error.
 *   Any other key is an error ("unknown header key").  Lines that
 *   start with '#' are comments.  The block ends at the first empty line; a
 * line that is neither a header nor empty, or the end of the file, before that
 *   blank line is an error.  Subject and From may hold variables.
 *
 * Body
 *   Plain text (UTF-8).  In a .email, a line reading exactly "--- html ---"
 *   (trailing blanks allowed) ends the text part; what follows is an HTML part.
 *   CRLF line ends are read as LF; output uses LF (the MIME composer makes
 * CRLF). A UTF-8 byte order mark at the start is skipped.  Invalid UTF-8, NUL
 * and control characters other than tab are errors naming the line.
 *
 * Variables
 *   {{name}}              the value; none -> TEMPLATE_EMISSING at render time
 *   {{name|fallback}}     the fallback (a literal, trimmed) when there is no
 * value
 *   {{name|}}             empty fallback: the variable may simply vanish
 *   {{ name | fallback }} white space around name and fallback is ignored
 *   Names: [a-z0-9_.]+, not starting or ending with '.'.  A variable must close
 *   on the line it opens.  "{{" without "}}" and a stray "}}" are errors.
 *   Escapes: "{{{{" is a literal "{{" and "}}}}" a literal "}}".  Single braces
 *   are plain text.
 *   Values are inserted verbatim in the text part; in the HTML part they are
 *   HTML-escaped (& < > " ').  Fallbacks are literal in both.  A value put into
 *   Subject, From or Cc that contains a control character (CR/LF above all) is
 *   refused with TEMPLATE_EINVAL: lead data can never add a header.
 *
 * Errors follow the project contract: TEMPLATE_OK or a TEMPLATE_E* code, with a
 * malloc'd one-line "path:line: message" in *errstr on failure only.
 */
#ifndef NUDGE_TEMPLATE_H
#define NUDGE_TEMPLATE_H

#include <stddef.h>

enum {
	TEMPLATE_OK = 0,
	TEMPLATE_EIO,      /* a file or directory cannot be opened or read */
	TEMPLATE_ESYNTAX,  /* malformed template or value item (see above) */
	TEMPLATE_EMISSING, /* render: a variable has no value and no fallback */
	TEMPLATE_EINVAL, /* render: a value would put a control char in a header
	                  */
};

enum template_kind {
	TEMPLATE_KIND_EMAIL,
	TEMPLATE_KIND_VALUE, /* .md */
	TEMPLATE_KIND_PLAIN, /* .call .note .text .research and anything else */
};

struct template; /* opaque */

/* Templates larger than this are refused (ESYNTAX). */
#define TEMPLATE_MAX_SIZE (1024 * 1024)

/*
 * template_parse: parse len bytes of text (need not be NUL-terminated).  name
 * is the path used in messages and whose extension picks the kind.  On success
 * *out is a new template (free with template_free); on failure ESYNTAX.
 */
int template_parse(const char *name, const char *text, size_t len,
                   struct template **out, char **errstr);

/* template_load: read path and template_parse it.  EIO if it cannot be read. */
int template_load(const char *path, struct template **out, char **errstr);

void template_free(struct template *t);

/* Accessors.  template_name: the name given at parse time (owned by t). */
const char *template_name(const struct template *t);
enum template_kind template_kind(const struct template *t);
/* template_thread: 1 for "Thread: yes", else 0. */
int template_thread(const struct template *t);
/* template_version: 8 hex digits identifying the template's text (a hash
 * of the file as written); each send records it, so that `nudge report`
 * can compare two versions of a stage.  Owned by t. */
const char *template_version(const struct template *t);
/* template_has_html: 1 if the template has an HTML part. */
int template_has_html(const struct template *t);
/*
 * template_answer: the reply intent a template's "Answers:" header gives to
 * a bare choice number, e.g. with "Answers: 1=interested 2=later 3=stop" the
 * answer 3 gives "stop".  Returns a static intent name (as in
 * classify_intent_name(): interested, later, not_fit, stop, referral,
 * unclear) or NULL when the template declares no such answer.
 */
const char *template_answer(const struct template *t, int answer);

/*
 * template_intents: the intents an Answers: header may name, NULL-terminated
 * (interested, later, not_fit, stop, referral, unclear).
 */
extern const char *const template_intents[];

/*
 * The lookup callback: the value of var (a NUL-terminated name such as
 * "first_name" or "sender.email"), or NULL when it is undefined or empty (""
 * is treated like NULL).  The string must stay valid until the callback is
 * called again or template_render returns.
 */
typedef const char *(*template_lookup)(void *arg, const char *var);

/* The rendered message; every string is malloc'd, NULL when absent. */
struct template_output {
	char *subject; /* .email only */
	char *from;    /* when the template has From: */
	char *cc;      /* always NULL: Cc is refused at parse time */
	int thread;    /* 1 = reply in the stage-1 thread */
	char *text;    /* the body (all kinds) */
	char *html;    /* the HTML part, if any */
};

/*
 * template_render: fill *out (fields previously in it are overwritten, not
 * freed).  TEMPLATE_EMISSING names the first variable without value or fallback
 * ("templates/1.email:3: no value for {{first_name}} and no fallback"; for a
 * sender.* variable it says which config key to set, see
 * template_sender_hint);
 * TEMPLATE_EINVAL when a value meant for Subject/From/Cc contains a control
 * character.  On failure *out is left zeroed (nothing to free).
 */
int template_render(const struct template *t, template_lookup lookup, void *arg,
                    struct template_output *out, char **errstr);

/* template_output_free: free the strings and zero *out. */
void template_output_free(struct template_output *out);

/*
 * template_vars: call cb once per variable occurrence, in file order (headers
 * first), with its name, whether it has a fallback, and its line.
 */
void template_vars(const struct template *t,
                   void (*cb)(void *arg, const char *var, int has_fallback,
                              int line),
                   void *arg);

/*
 * The variables nudge defines for every lead (custom lead fields come on top):
 * email name first_name last_name company domain phone tz source stage
 * date weekday local_time mailing_address interests industry hot last_notes
 * ask_source, the salesperson's sender.name sender.first_name sender.email
 * sender.title sender.phone sender.signature (from the config), and in X
 * templates value.title value.pitch value.url value.body value.kind.
 * The shipped templates give every lead field a fallback, but use sender.*
 * without one: a sender value that is not configured holds the send with a
 * message naming the config key, and `template check` reports it.
 */
extern const char *const template_known_vars[];
extern const size_t template_nknown_vars;

/*
 * template_sender_hint: for a sender.* variable, a static sentence saying
 * which config key sets it ("set sender_phone in the config (nudge init
 * --phone)"); NULL for any other name.
 */
const char *template_sender_hint(const char *var);

/*
 * template_check_sender: errors for t's sender.* variables that have no
 * fallback and are not in set[0..nset) (the sender variables the config
 * defines).  Appends "path:line: error: {{sender.phone}} is not configured:
 * set sender_phone ..." to *msgs / *nmsgs like template_check and returns the
 * number appended: each one would hold every send of that template.
 */
size_t template_check_sender(const struct template *t, const char *const *set,
                             size_t nset, char ***msgs, size_t *nmsgs);

/*
 * template_check: lint t.  Appends malloc'd "path:line: warning: ..." strings
 * to the growable array *msgs / *nmsgs (start with NULL / 0; free each string
 * and the array).  Returns the number of messages appended.  Reports:
 *   - a variable without fallback whose name is neither in template_known_vars
 *     nor in extra_vars (the caller's custom lead field names) -> "unknown
 *     variable {{x}}" (a variable with a fallback is never reported: it
 * renders)
 *   - an empty body
 *   - a .text draft longer than 320 characters (two SMS segments)
 *   - value.* variables outside an X template (name not starting with "x.")
 *     or the personal template (personal.email)
 *   - an Answers: choice N the body does not offer (no line starting "N."
 *     "N)" "N:" or "N =")
 *   - in the HTML part, a variable where HTML escaping does not protect it:
 *     in an unquoted attribute value, inside a tag outside any value, in a URL
 *     attribute (href, src, action, ...) with no literal ':' before it in the
 *     value (the value could pick a javascript: scheme), in a style or on*
 *     attribute, inside <script> or <style>.  Text, comments and quoted
 *     attribute values are fine.
 * Structural faults (missing Subject, braces, UTF-8) are template_parse errors.
 */
size_t template_check(const struct template *t, const char *const *extra_vars,
                      size_t nextra, char ***msgs, size_t *nmsgs);

/*
 * The value library: one item per templates/value/<name>.md.  Front matter
 * keys (any case): Title (required), Url or URL (required), Tags (comma
 * separated words or phrases matched against the lead's interests, industry
 * and notes), Kind (article, video, guide or personal; default article),
 * Draft (yes|no, default no), Pitch (one line, optional).  A bad Kind or Draft
 * is a "path:line" error.
 */
enum value_kind {
	VALUE_ARTICLE,
	VALUE_VIDEO,
	VALUE_GUIDE,
	VALUE_PERSONAL, /* about the lead's own interest (seed 003) */
};

struct value_item {
	char *name;  /* file stem, e.g. "case-study-acme" */
	char *title; /* Title: */
	char *pitch; /* Pitch: one line, "" when absent */
	char *url;   /* URL: */
	char *body; /* the text after the header block, trailing blank lines cut
	             */
	char **tags; /* lower case, trimmed; ntags of them */
	size_t ntags;
	enum value_kind kind;
	int draft; /* Draft: yes */
};

/* value_kind_name: "article", "video", "guide" or "personal". */
const char *value_kind_name(enum value_kind k);

/*
 * value_blocked: why this item must never be sent, as a static sentence, or
 * NULL when it may be: a draft ("it is a draft (Draft: yes)"), or a link or
 * body that points at example.com, example.org or example.net (a shipped
 * example, not the salesperson's own piece).
 */
const char *value_blocked(const struct value_item *item);

/*
 * value_load_dir: load every "*.md" in dir, sorted by file name (byte order).
 * An empty directory gives *n = 0 and TEMPLATE_OK.  EIO if dir or a file cannot
 * be read; ESYNTAX ("path:line: ...") for a malformed item.  On success free
 * *items with value_free(*items, *n).
 */
int value_load_dir(const char *dir, struct value_item **items, size_t *n,
                   char **errstr);
/* value_parse: parse one item from memory (name is the path, for messages and
 * the stem).  On success fill *item (free its strings with value_item_clear).
 */
int value_parse(const char *name, const char *text, size_t len,
                struct value_item *item, char **errstr);
void value_item_clear(struct value_item *item);
void value_free(struct value_item *items, size_t n);

/* What the pick knows about a lead (any field may be NULL). */
struct value_lead {
	const char *interests; /* custom field "interests" */
	const char *industry;  /* custom field "industry" */
	const char *notes;     /* the lead's notes, newest last */
};

/*
 * value_score: how well item's tags match the lead: 4 per tag found in the
 * interests, 2 in the industry, 1 in the notes (case-insensitive, at the start
 * of a word: tag "fishing" matches "fly fishing").  *interest_hit (may be
 * NULL) is set to 1 when a tag matched the interests.
 */
int value_score(const struct value_item *item, const struct value_lead *lead,
                int *interest_hit);

/*
 * value_pick: the item an X touch sends.  used[] holds the names of items
 * already sent to this lead (any order).  Among the items that are neither
 * used nor blocked (value_blocked), the one with the highest value_score;
 * ties go to file order, so the pick is deterministic.  A personal item is a
 * candidate only when it matches the lead's interests.  An item is never sent
 * twice to a lead: when no candidate is left the result is NULL and *why (if
 * why is not NULL) a malloc'd sentence saying why (empty library, all sent,
 * how many are drafts or examples).
 */
const struct value_item *value_pick(const struct value_item *items, size_t n,
                                    const char *const *used, size_t nused,
                                    const struct value_lead *lead, char **why);

/*
 * value_pick_personal: the personal item (Kind: personal) for touch 3 or 4:
 * the unused, unblocked one that best matches the lead's interests, or NULL
 * when the lead has no interest that a personal item matches, or one was
 * already sent to this lead.
 */
const struct value_item *value_pick_personal(const struct value_item *items,
                                             size_t n, const char *const *used,
                                             size_t nused,
                                             const struct value_lead *lead);

#endif
