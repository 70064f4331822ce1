/* classify_intent - what a human reply wants; see classify.h, classify_p.h
 *
 * On the new text of a human reply only:
 *  - a bare choice number ("3", "2.", "#3", "Option 2") as the whole text
 *    (greeting, sign-off and name aside) is an answer: intent unclear, the
 *    agent maps the number through the template's Answers;
 *  - else the intent_* rules of the rules file, by precedence: stop >
 *    referral > later > not_fit > unclear > interested; no match is
 *    unclear ("not now, but send me info in March" is later, not
 *    interested; "where did you get my address? what does it cost?" is
 *    unclear);
 *  - an address of someone else and no intent rule: referral;
 *  - referrals: the addresses in the new text that are neither the
 *    sender's nor the message's To (the salesperson); a Cc'd colleague
 *    named in the text is the referral;
 *  - intent_day: for later, the time the text names (cls_stated_day).
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_p.h"

void
cls_addr_list(const char *v, char ***list, size_t *n)
{
	const char *p, *start;
	int quote = 0, angle = 0;
	char *piece, *a;

	if (v == NULL)
		return;
	for (p = start = v;; p++) {
		if (*p == '"')
			quote = !quote;
		else if (*p == '<' && !quote)
			angle = 1;
		else if (*p == '>' && !quote)
			angle = 0;
		if (*p == '\0' || (*p == ',' && !quote && !angle)) {
			piece = xstrndup(start, (size_t)(p - start));
			if (mime_addr_parse(piece, &a, NULL) == MIME_OK) {
				*list =
				    xreallocarray(*list, *n + 1, sizeof **list);
				(*list)[(*n)++] = a;
			}
			free(piece);
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Bare answers. */

static const char *greetings[] = {
    "hi",          "hello",        "hey",
    "dear",        "good morning", "good afternoon",
    "hallo",       "guten tag",    "guten morgen",
    "liebe",       "lieber",       "sehr geehrte",
    "bonjour",     "salut",        "cher",
    "chère",       "hola",         "buenos días",
    "buenas",      "estimado",     "estimada",
    "ciao",        "buongiorno",   "salve",
    "gentile",     "olá",          "ola",
    "oi",          "bom dia",      "boa tarde",
    "caro",        "cara",         "hej",
    "hejsan",      "god morgon",   "cześć",
    "dzień dobry", "witam",        "szanowny",
    "szanowna",    "beste",        "hoi",
    "goedemorgen", "goedemiddag",  "geachte",
    NULL};

static const char *signoffs[] = {"thanks",
                                 "thank you",
                                 "thx",
                                 "best",
                                 "regards",
                                 "kind regards",
                                 "best regards",
                                 "cheers",
                                 "br",
                                 "sincerely",
                                 "all the best",
                                 "danke",
                                 "vielen dank",
                                 "viele grüße",
                                 "viele grüsse",
                                 "mit freundlichen",
                                 "freundliche grüße",
                                 "freundliche grüsse",
                                 "beste grüße",
                                 "liebe grüße",
                                 "schöne grüße",
                                 "herzliche grüße",
                                 "mit besten grüßen",
                                 "cordialmente",
                                 "un cordiale saluto",
                                 "cordiali saluti",
                                 "buona giornata",
                                 "abraços",
                                 "um abraço",
                                 "saudações",
                                 "hälsningar",
                                 "allt gott",
                                 "pozdrawiam serdecznie",
                                 "z wyrazami szacunku",
                                 "hartelijke groet",
                                 "vriendelijke groet",
                                 "met vriendelijke groeten",
                                 "groetjes",
                                 "un abrazo",
                                 "saludos cordiales",
                                 "bien cordialement",
                                 "salutations",
                                 "sincères salutations",
                                 "bises",
                                 "grüße",
                                 "gruß",
                                 "lg",
                                 "vg",
                                 "merci",
                                 "cordialement",
                                 "bien à vous",
                                 "bonne journée",
                                 "gracias",
                                 "saludos",
                                 "un saludo",
                                 "atentamente",
                                 "grazie",
                                 "cordiali saluti",
                                 "saluti",
                                 "distinti saluti",
                                 "obrigado",
                                 "obrigada",
                                 "abraço",
                                 "atenciosamente",
                                 "cumprimentos",
                                 "tack",
                                 "vänliga hälsningar",
                                 "hälsningar",
                                 "mvh",
                                 "med vänlig hälsning",
                                 "dzięki",
                                 "dziękuję",
                                 "pozdrawiam",
                                 "pozdrowienia",
                                 "z poważaniem",
                                 "bedankt",
                                 "dank je",
                                 "dank u",
                                 "groeten",
                                 "met vriendelijke groet",
                                 "mvg",
                                 "groet",
                                 NULL};

static int
starts_with_any(const char *l, size_t n, const char **list)
{
	size_t k, m;

	if (n == 0)
		return 0;
	for (k = 0; list[k] != NULL; k++) {
		if (list[k][0] != tolower((unsigned char)*l))
			continue;
		m = strlen(list[k]);
		if (n >= m && strncasecmp(l, list[k], m) == 0 &&
		    (n == m || !isalpha((unsigned char)l[m])))
			return 1;
	}
	return 0;
}

int
cls_is_signoff(const char *l, size_t n)
{
	size_t w;

	while (n > 0 && isspace((unsigned char)*l)) {
		l++;
		n--;
	}
	w = cls_words(l, n);
	return w > 0 && w <= 4 && starts_with_any(l, n, signoffs);
}

static size_t
count_words(const char *l, size_t n)
{
	size_t i, w = 0;
	int in = 0;

	for (i = 0; i < n; i++) {
		if (isspace((unsigned char)l[i]))
			in = 0;
		else if (!in) {
			in = 1;
			w++;
		}
	}
	return w;
}

/* choice: "3", "3.", "#3", "Option 3", "Nr. 3", "(3)" - the number or 0 */
static int
choice(const char *l, size_t n)
{
	static const char *pre[] = {
	    "option", "opción",     "opcion",      "opzione",     "opção",
	    "opcao",  "alternativ", "alternative", "alternativa", "opcja",
	    "optie",  "choice",     "number",      "nummer",      "numéro",
	    "numero", "número",     "nr.",         "nr",          "no.",
	    "nº",     "#",          "(",           NULL};
	size_t i = 0, k, m;
	int d;

	while (i < n && isspace((unsigned char)l[i]))
		i++;
	for (k = 0; pre[k] != NULL; k++) {
		m = strlen(pre[k]);
		if (n - i >= m && strncasecmp(l + i, pre[k], m) == 0) {
			i += m;
			break;
		}
	}
	while (i < n && (isspace((unsigned char)l[i]) || l[i] == ':'))
		i++;
	if (i >= n || l[i] < '1' || l[i] > '9')
		return 0;
	d = l[i++] - '0';
	if (i < n && isdigit((unsigned char)l[i]))
		return 0;
	while (i < n && (l[i] == '.' || l[i] == ')' || l[i] == '!' ||
	                 isspace((unsigned char)l[i])))
		i++;
	if (i == n)
		return d;
	/* "3 - talk to Lena instead": the choice, then words about it */
	if (l[i] == '-' || l[i] == ':' || strncmp(l + i, "–", 3) == 0)
		return -d;
	return 0;
}

/* choice_answer: cls_choice_answer, negative when words follow the
 * number ("3 - talk to Lena") */
static int
choice_answer(const char *text)
{
	const char *ls[64];
	size_t ln[64], nl = 0, first, last, n;
	const char *p = text, *e;

	if (text == NULL)
		return 0;
	while (*p != '\0' && nl < 64) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		while (n > 0 && isspace((unsigned char)*p)) {
			p++;
			n--;
		}
		if (n > 0) {
			ls[nl] = p;
			ln[nl++] = n;
		}
		p = *e != '\0' ? e + 1 : e;
	}
	if (*p != '\0' || nl == 0)
		return 0;
	first = 0;
	last = nl;
	/* a greeting line: "Hi Anna," */
	if (nl > 1 && count_words(ls[0], ln[0]) <= 4 &&
	    (starts_with_any(ls[0], ln[0], greetings) ||
	     ls[0][ln[0] - 1] == ','))
		first = 1;
	/* the sign-off and the name below it */
	while (last > first + 1) {
		size_t j = last - 1;
		int w = (int)count_words(ls[j], ln[j]);
		if (w <= 4 && starts_with_any(ls[j], ln[j], signoffs)) {
			last = j;
			continue;
		}
		/* a name: up to three words without digits, last */
		if (w <= 3 && j == nl - 1 && choice(ls[j], ln[j]) == 0) {
			size_t q;
			for (q = 0;
			     q < ln[j] && !isdigit((unsigned char)ls[j][q]);
			     q++)
				;
			if (q == ln[j]) {
				last = j;
				continue;
			}
		}
		break;
	}
	if (last != first + 1)
		return 0;
	return choice(ls[first], ln[first]);
}

int
cls_choice_answer(const char *text)
{
	return abs(choice_answer(text));
}

/* ------------------------------------------------------------------ */
/* Referrals. */

static int
local_c(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
	       c == '-' || c == '\'';
}

static int
domain_c(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '-';
}

/* referrals: the addresses in text, lowercased, other than those of skip */
const char *
cls_next_addr(const char *text, const char *p, const char **end)
{
	const char *b, *e;
	int dot;

	for (; (p = strchr(p, '@')) != NULL; p++) {
		b = p;
		while (b > text && local_c((unsigned char)b[-1]))
			b--;
		while (b < p && (*b == '.' || *b == '\''))
			b++;
		e = p + 1;
		dot = 0;
		while (domain_c((unsigned char)*e)) {
			if (*e == '.')
				dot = 1;
			e++;
		}
		while (e > p + 1 && (e[-1] == '.' || e[-1] == '-'))
			e--;
		if (b == p || e == p + 1 || !dot ||
		    memchr(p + 1, '.', (size_t)(e - p - 1)) == NULL)
			continue;
		*end = e;
		return b;
	}
	return NULL;
}

static void
referrals(const char *text, char **skip, size_t nskip,
          struct classification *out)
{
	const char *p, *b, *e;
	char *a, *q;
	size_t i, k;
	int dup;

	for (p = text; (b = cls_next_addr(text, p, &e)) != NULL; p = e) {
		a = xstrndup(b, (size_t)(e - b));
		for (q = a; *q != '\0'; q++)
			*q = (char)tolower((unsigned char)*q);
		dup = 0;
		for (i = 0; i < nskip; i++)
			if (strcmp(skip[i], a) == 0)
				dup = 1;
		for (k = 0; k < out->nreferrals; k++)
			if (strcmp(out->referrals[k], a) == 0)
				dup = 1;
		if (dup) {
			free(a);
			continue;
		}
		if (out->nreferrals >= 16) {
			free(a);
			break;
		}
		out->referrals =
		    xreallocarray(out->referrals, out->nreferrals + 1,
		                  sizeof *out->referrals);
		out->referrals[out->nreferrals++] = a;
	}
}

/* ------------------------------------------------------------------ */

void
cls_intent(struct ctx *x, struct classification *out)
{
	/* unclear before interested: an intent_unclear rule (where did you
	 * get my address?) holds a reply that also asks the price */
	static const int order[] = {INTENT_STOP,    INTENT_REFERRAL,
	                            INTENT_LATER,   INTENT_NOT_FIT,
	                            INTENT_UNCLEAR, INTENT_INTERESTED};
	char **skip = NULL;
	size_t nskip = 0, k;
	int i, stale;
	const char *text = out->reply_text;

	out->intent = INTENT_UNCLEAR;
	if (text == NULL || *text == '\0')
		return;
	k = (size_t)abs(choice_answer(text));
	out->answer = (int)k;
	if (k > 0 && choice_answer(text) > 0) {
		/* the bare number: the template's Answers say what it means */
		out->intent_rule = xstrdup("answer");
		return;
	}
	/* the addresses of both sides: the sender, To and Cc */
	if (x->from_addr != NULL) {
		skip = xreallocarray(skip, 1, sizeof *skip);
		skip[nskip++] = xstrdup(x->from_addr);
	}
	/* the salesperson is in To; a colleague copied in (Cc) is often
	 * the very person named */
	cls_addr_list(mime_header_raw(x->m, "To"), &skip, &nskip);
	cls_addr_list(mime_header_raw(x->m, "Reply-To"), &skip, &nskip);
	referrals(text, skip, nskip, out);
	mime_strv_free(skip, nskip);
	for (k = 0; k < sizeof order / sizeof order[0]; k++) {
		if ((i = cls_run_rules_class(x, CLS_INTENT0 + order[k])) < 0)
			continue;
		/* "please stop emailing me until March": later */
		if (order[k] == INTENT_STOP &&
		    cls_time_limited(x->hit, x->hit_start, x->hit_end))
			continue;
		out->intent = order[k];
		out->intent_rule = xasprintf("rule:%s", x->c->rules[i].name);
		break;
	}
	/* someone else's address and no other wish: who to talk to */
	if (out->intent == INTENT_UNCLEAR && out->nreferrals > 0) {
		out->intent = INTENT_REFERRAL;
		out->intent_rule = xstrdup("address");
	}
	if (out->intent == INTENT_LATER)
		out->intent_day =
		    cls_stated_day(text, x->msg_day,
		                   cls_day_first(text, x->from_addr,
		                                 mime_header(x->m, "Date")),
		                   &stale);
}
