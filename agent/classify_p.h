/*
 * classify_p.h - what the classify*.c modules share, and what their unit
 * tests look at.  Not part of the public contract (classify.h).  PCRE2 is
 * used by classify*.c only.
 *
 *   classify.c        the public entry: structured signals, deciding
 *   classify_rules.c  the rules file, the PCRE2 wrapper, running the rules
 *   classify_text.c   the new text of a reply (quotes, signatures, footers)
 *   classify_date.c   reading a date a message states (classify_date_p.h)
 *   classify_return.c the first day back an out-of-office states
 *   classify_later.c  the time a "not now" names
 *   classify_dsn.c    bounce reports: hard or soft
 *   classify_intent.c what a human reply wants
 */
#ifndef NUDGE_CLASSIFY_P_H
#define NUDGE_CLASSIFY_P_H

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "mime.h"
#include "xalloc.h"

#define RE_MATCH_LIMIT 200000
#define RE_DEPTH_LIMIT 5000
#define MAX_SUBJECT_LEN (256 * 1024) /* bytes of a field a rule looks at */

/* a compiled pattern */
struct re {
	pcre2_code *code;
	int offlimit; /* compiled with PCRE2_USE_OFFSET_LIMIT */
};

enum field {
	F_SUBJECT,
	F_FROM,
	F_BODY,   /* the new text of the message (quotes removed) */
	F_TEXT,   /* the whole text body */
	F_BOUNCE, /* a bounce's report: status, diagnostics, explanation */
	F_HEADER  /* header:Name */
};

/*
 * Rule-only pseudo classes (see rules/classify.rules): "it is a bounce";
 * the text says the mailbox does not exist (hard or soft by status code and
 * SMTP phase); the failure answered RCPT TO, or DATA; a provider's or MTA's
 * documented reply, hard or soft whatever the status code says.
 */
#define CLS_BOUNCE CLS__COUNT
#define CLS_USER_UNKNOWN (CLS__COUNT + 1)
#define CLS_SMTP_RCPT (CLS__COUNT + 2)
#define CLS_SMTP_DATA (CLS__COUNT + 3)
#define CLS_KNOWN_HARD (CLS__COUNT + 4)
#define CLS_KNOWN_SOFT (CLS__COUNT + 5)
/* "engagement/KIND" and "other/KIND": a service notification of that kind
 * (r->signal), decided before the auto-reply headers */
#define CLS_SVC_ENGAGE (CLS__COUNT + 6)
#define CLS_SVC_OTHER (CLS__COUNT + 7)
/* weaker or ambiguous opt-out wording: a human reply held for review */
#define CLS_OPTOUT_WEAK (CLS__COUNT + 8)
/* intent_NAME: CLS_INTENT0 + enum reply_intent */
#define CLS_INTENT0 (CLS__COUNT + 16)

/* one top-level alternative of a rule's pattern, compiled alone (see
 * split_branches in classify_rules.c) */
struct branch {
	char *pat;      /* its pattern, with the rule's leading options */
	uint32_t flags; /* the rule's compile flags */
	int state;      /* 0 not compiled yet, 1 compiled (and JIT tried),
	                   -1 failed: the rule's whole pattern runs */
	int plain;      /* the alternative is one literal string (lits[0]
	                   when caseless): found with memmem in an ASCII
	                   text, without PCRE2 */
	struct re re;
	char **lits; /* as struct rule's, for this alternative */
	size_t *litlens;
	size_t nlits;
};

struct rule {
	char *name;
	int cls;
	enum field field;
	char *header; /* F_HEADER */
	char *signal; /* CLS_SVC_*: the kind of notification */
	struct re re;
	int line;
	/* the literal prefilter: the regex cannot match a text in which none
	 * of these lowercase ASCII strings occurs (lowercased); none: no
	 * prefilter (see lit_extract in classify_rules.c) */
	char **lits;
	size_t *litlens; /* their lengths */
	size_t nlits;
	/* a long alternation whose every alternative has such strings: the
	 * alternatives, run alone and only where their strings occur (the
	 * leftmost match, as the whole pattern's); none: the pattern runs */
	struct branch *br;
	size_t nbr;
};

struct classifier {
	struct rule *rules;
	size_t nrules;
	pcre2_match_context *mctx;
	unsigned char *jitted; /* by rule: JIT compile tried (rule_jit) */
	/* the empty pattern in UTF mode: matching it is PCRE2's own UTF-8
	 * check of a subject, done once per field instead of once per rule */
	pcre2_code *utf_probe;
};

/* what is known of one field's text in this message */
struct fstate {
	int known;  /* len and utf are set */
	size_t len; /* strlen */
	int utf;    /* 1: PCRE2 accepted its first subject_len() bytes */
	int ascii;  /* 1: those bytes are all ASCII */
};

struct ctx {
	const struct classifier *c;
	const struct mime_msg *m;
	pcre2_match_data *md;
	pcre2_match_context *lmc; /* c->mctx plus an offset limit, on demand */
	const char *subject, *from;
	char *body; /* new text, computed on demand (body_done) */
	int body_done;
	const char *text;
	char *bounce; /* built on demand; change it with cls_set_bounce() */
	size_t bounce_head; /* bytes of DSN Status/Diagnostic lines it starts
	                       with (where the deciding words usually are) */
	struct fstate fs[F_HEADER]; /* by enum field, F_HEADER excluded */
	/* for the literal prefilter, on demand (free them): the fields
	 * lowercased (ASCII), and a bit per hashed 3-byte window of each */
	char *lower[F_HEADER];
	unsigned char *tri[F_HEADER];
	char *from_addr; /* the From address, lowercased, or NULL */
	int msg_day;     /* the Date as a clock.h day, -1 if none */
	int day_first;   /* read n/n/yyyy as day/month (cls_day_first) */
	/* the last cls_run_rules hit: the text it looked at, and the match */
	const char *hit;
	size_t hit_start, hit_end;
};

/* ---- classify_rules.c */
/* cls_set_bounce: x->bounce = b, head its bounce_head (the old one is the
 * caller's). */
void cls_set_bounce(struct ctx *x, char *b, size_t head);
/* cls_ctx_body: the new text of the message, computed once. */
const char *cls_ctx_body(struct ctx *x);
/* cls_run_rules: the first rule in file order whose class passes want()
 * and whose field matches; its index or -1. */
/* classify_prefilter.c: at load, the strings a rule's matches must contain
 * and the split of a long alternation into branches; at match time, whether
 * any of those strings is in field f's text (so the regex can run). */
void cls_lit_extract(struct rule *r, const char *pat, size_t len,
                     uint32_t flags);
void cls_split_branches(struct rule *r, const char *pat, size_t len,
                        uint32_t flags);
void cls_branches_free(struct branch *br, size_t n);
int cls_lits_any(struct ctx *x, enum field f, const char *v, size_t len,
                 char *const *lits, const size_t *litlens, size_t nlits);
int cls_lit_pass(struct ctx *x, const struct rule *r, const char *v,
                 size_t len);
void cls_re_free(struct re *r);
int cls_run_rules(struct ctx *x, int (*want)(int cls));
/* cls_run_rules_earliest: among the rules passing want(), the one whose
 * match starts earliest in its field (ties: file order); its index or -1. */
int cls_run_rules_earliest(struct ctx *x, int (*want)(int cls));
/* the rule classes each step of the decision looks at */
int cls_want_bounce_detect(int cls);
int cls_want_bounce_kind(int cls);
int cls_want_known(int cls);
int cls_want_phase(int cls);
int cls_want_auto(int cls);
int cls_want_general(int cls);
int cls_want_service(int cls);
/* cls_run_rules_class: the first rule of class cls (file order) whose
 * field matches; its index or -1. */
int cls_run_rules_class(struct ctx *x, int cls);
int cls_want_intent(int cls);

/* ---- classify_text.c */
/* cls_ci_strstr: strstr ignoring ASCII case. */
const char *cls_ci_strstr(const char *hay, const char *needle);
/* cls_lower_utf8: a malloc'd copy with ASCII and Latin-1 capitals
 * lowercased (and the typographic apostrophe made '). */
char *cls_lower_utf8(const char *s);
/* cls_words: the words (runs of non-blanks) in l[0..n) */
size_t cls_words(const char *l, size_t n);
/* cls_one_line: a malloc'd copy of s with runs of white space made one
 * space, at most max bytes (not cutting a UTF-8 sequence). */
char *cls_one_line(const char *s, size_t max);

/* ---- classify_return.c */
/* cls_return_day: classify_return_day, and *stale = 1 when the text states
 * a return date that is already past (or whose weekday no nearby year
 * agrees with) - then -1.  day_first: read n/n/yyyy as day/month. */
int cls_return_day(const char *text, int msg_day, int day_first, int *stale);
/* ---- classify.c */
/* cls_time_limited: the sentence around [start, end) of t puts a time on
 * the request there ("don't email me until March"): a later, not a stop */
int cls_time_limited(const char *t, size_t start, size_t end);
/* ---- classify_later.c */
/* cls_stated_day: the first time a text names ("in March", "next quarter",
 * "after the summer", "in two weeks", "on the 4th", a date) as a day
 * number counted from msg_day, or -1 (*stale as above). */
int cls_stated_day(const char *text, int msg_day, int day_first, int *stale);
/* ---- classify_date.c */
/* cls_day_first: 1 to read n/n/yyyy as day/month, from the language of
 * text, the sender's address (its country-code domain) and the raw Date
 * header (its UTC offset); any may be NULL. */
int cls_day_first(const char *text, const char *from_addr,
                  const char *date_hdr);

/* ---- classify_dsn.c */
/* cls_failed_dsn: the deciding DSN record (the first failed one, else the
 * first); *all_ok when every record was delivered, *nrec their number. */
const struct mime_dsn *cls_failed_dsn(const struct mime_msg *m, int *all_ok,
                                      size_t *nrec);
/* cls_decide_bounce: hard or soft, with the failed recipient and status;
 * signal names what said it is a bounce. */
void cls_decide_bounce(struct ctx *x, struct classification *out,
                       const char *signal);

/* ---- classify_intent.c */
/* cls_next_addr: the first e-mail address in text at or after p: its
 * start, *end past it; NULL when there is none. */
const char *cls_next_addr(const char *text, const char *p, const char **end);
/* cls_intent: fill out->intent, intent_rule, intent_day, answer and
 * referrals of a human reply whose new text is out->reply_text. */
void cls_intent(struct ctx *x, struct classification *out);
/* cls_is_signoff: is the line (n bytes) a sign-off ("Thanks,", "Kind
 * regards", "Mit freundlichen Grüßen", ... in the nine languages)? */
int cls_is_signoff(const char *l, size_t n);
/* cls_choice_answer: the bare choice number (1-9) that is the whole of
 * text (a greeting, sign-off and name line aside), else 0. */
int cls_choice_answer(const char *text);
/* cls_addr_list: the addresses in header value v (To, Cc), lowercased,
 * appended to *list (n of them, *n updated). */
void cls_addr_list(const char *v, char ***list, size_t *n);

/* ---- classify.c */
/* cls_set_rule: the rule that decided is pre + name + post (name may be
 * NULL). */
void cls_set_rule(struct classification *out, const char *pre, const char *name,
                  const char *post);

#endif
