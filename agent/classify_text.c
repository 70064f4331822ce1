/* classify_text - the new text of a reply; see classify.h, classify_p.h */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_p.h"

/* ------------------------------------------------------------------ */
/* Small text helpers. */

static int
ci_prefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

const char *
cls_ci_strstr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	int c0 = tolower((unsigned char)needle[0]);

	if (n == 0)
		return hay;
	/* the first byte first: strncasecmp at every offset is slow */
	for (; *hay != '\0'; hay++)
		if (tolower((unsigned char)*hay) == c0 &&
		    strncasecmp(hay, needle, n) == 0)
			return hay;
	return NULL;
}

/* cls_lower_utf8: a malloc'd copy with ASCII and Latin-1 capitals lowercased.
 */
char *
cls_lower_utf8(const char *s)
{
	char *r = xstrdup(s);
	unsigned char *p;

	for (p = (unsigned char *)r; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (unsigned char)(*p + 32);
		else if (*p == 0xc3 && p[1] >= 0x80 && p[1] <= 0x9e &&
		         p[1] != 0x97) {
			p[1] = (unsigned char)(p[1] + 0x20);
			p++;
		} else if (*p == 0xe2 && p[1] == 0x80 && p[2] == 0x99) {
			/* ’ -> ' (three bytes into one, padded with spaces
			 * would shift offsets; keep the length: "'  ") */
			p[0] = '\'';
			p[1] = 0x01;
			p[2] = 0x01;
			p += 2;
		}
	}
	/* drop the 0x01 padding */
	{
		char *w = r, *q;
		for (q = r; *q != '\0'; q++)
			if (*q != 0x01)
				*w++ = *q;
		*w = '\0';
	}
	return r;
}

/* cls_one_line: a malloc'd copy of s with runs of white space made one space,
 * at most max bytes (not cutting a UTF-8 sequence). */
char *
cls_one_line(const char *s, size_t max)
{
	char *r = xmalloc(max + 2); /* each step adds at most 2 bytes */
	size_t len = 0;
	int sp = 0;

	for (; *s != '\0' && len < max; s++) {
		if (isspace((unsigned char)*s)) {
			sp = 1;
			continue;
		}
		if (sp && len > 0)
			r[len++] = ' ';
		sp = 0;
		r[len++] = *s;
	}
	while (len > 0 && ((unsigned char)r[len - 1] & 0xc0) == 0x80)
		len--; /* may leave a lead byte: drop it too */
	if (len > 0 && ((unsigned char)r[len - 1] & 0xc0) == 0xc0)
		len--;
	r[len] = '\0';
	return r;
}

/* ------------------------------------------------------------------ */
/* Reply text. */

static size_t count_sp(const char *l, size_t n);
static int proper_name(const char *l, size_t n);

static int
is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]) &&
		    (unsigned char)s[i] != 0xc2 && (unsigned char)s[i] != 0xa0)
			return 0;
	return 1;
}

/* line_ends_with: does the line (trailing blanks ignored) end with suffix? */
static int
line_ends_with(const char *l, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	while (n > 0 && isspace((unsigned char)l[n - 1]))
		n--;
	return n >= k && strncasecmp(l + n - k, suffix, k) == 0;
}

static int
line_has(const char *l, size_t n, const char *needle)
{
	char *t = xstrndup(l, n);
	int r = cls_ci_strstr(t, needle) != NULL;

	free(t);
	return r;
}

/* strip leading blanks and stars (bold markers) of a line */
static const char *
skip_lead(const char *l, size_t *n)
{
	while (*n > 0 && (*l == ' ' || *l == '\t' || *l == '*')) {
		l++;
		(*n)--;
	}
	return l;
}

/* header_line: "Name: ..." for the header names mail clients quote. */
static int
header_line(const char *l, size_t n)
{
	static const char *names[] = {
	    "from:",      "von:",        "de:",         "de :",
	    "van:",       "da:",         "från:",       "od:",
	    "от:",        "От:",         "date:",       "datum:",
	    "data:",      "sent:",       "gesendet:",   "envoyé :",
	    "envoyé:",    "enviado:",    "enviada:",    "enviado el:",
	    "verzonden:", "inviato:",    "skickat:",    "wysłano:",
	    "wysłane:",   "отправлено:", "Отправлено:", "to:",
	    "an:",        "à :",         "à:",          "para:",
	    "aan:",       "a:",          "till:",       "do:",
	    "кому:",      "Кому:",       "subject:",    "betreff:",
	    "objet :",    "objet:",      "asunto:",     "onderwerp:",
	    "oggetto:",   "assunto:",    "ämne:",       "temat:",
	    "тема:",      "Тема:",       "cc:",         "cc :",
	    "kopia:",     "sent by:",    NULL};
	int k;
	size_t m;

	for (k = 0; names[k] != NULL; k++) {
		m = strlen(names[k]);
		if (n >= m && strncasecmp(l, names[k], m) == 0)
			return 1;
	}
	return 0;
}

/*
 * quote_header: does the line at lines[i] start the quoted history?  Looks at
 * up to three lines for the wrapped "On ...\n... wrote:" form and Outlook's
 * From:/Sent: block.
 */
static int
quote_header(const char **ls, const size_t *ln, size_t nl, size_t i)
{
	size_t n = ln[i], j;
	const char *l = skip_lead(ls[i], &n);
	static const char *seps[] = {"-----original message-----",
	                             "----- original message -----",
	                             "begin forwarded message:",
	                             "début du message réexpédié :",
	                             "inizio messaggio inoltrato:",
	                             "início da mensagem reencaminhada:",
	                             "---- on ",
	                             NULL};
	/* the words of a "----- Original Message -----" or "---------
	 * Forwarded message ---------" line in the nine languages */
	static const char *sepwords[] = {
	    "original",        "forwarded",     "ursprüngliche",
	    "weitergeleitete", "origine",       "transféré",
	    "reenviado",       "inoltrato",     "originale",
	    "encaminhada",     "reencaminhada", "ursprungligt",
	    "vidarebefordrat", "oryginalna",    "przekazana",
	    "oorspronkelijk",  "doorgestuurd",  "mensaje",
	    "messaggio",       "mensagem",      NULL};
	static const char *wrote[] = {
	    "wrote:",      "schrieb:",  "a écrit :",
	    "a écrit:",    "escribió:", "schreef:",
	    "ha scritto:", "skrev:",    "kirjoitti:",
	    "napisał(a):", "написал:",  "пишет:",
	    "escreveu:",   "pisze:",    "napisał:",
	    "napisała:",   "scrisse:",  "het volgende geschreven:",
	    "geschreven:", NULL};
	/* the verb of an attribution, wherever it is on its lines */
	static const char *verbs[] = {
	    " wrote",      " schrieb",  " a écrit",   " escribió",   " schreef",
	    " ha scritto", " scrisse",  " skrev",     " escreveu",   " pisze",
	    " napisał",    " napisana", " kirjoitti", " geschreven", NULL};
	static const char *from_names[] = {
	    "from:", "von:",  "de:", "de :", "van:",
	    "da:",   "från:", "od:", "от:",  NULL};
	static const char *sent_names[] = {
	    "sent:",       "date:",       "gesendet:",  "envoyé :",
	    "envoyé:",     "enviado:",    "enviada:",   "enviado el:",
	    "enviada em:", "enviado em:", "verzonden:", "datum:",
	    "data:",       "inviato:",    "skickat:",   "wysłano:",
	    "wysłane:",    "to:",         "an:",        "à :",
	    "para:",       "a:",          "till:",      "do:",
	    "aan:",        "subject:",    NULL};
	static const char *attrib[] = {
	    "on ",     "am ",   "le ",      "el ",
	    "op ",     "il ",   "den ",     "em ",
	    "w dniu ", "dnia ", "in data ", "wiadomość napisana przez ",
	    NULL};
	int k;

	if (n == 0)
		return 0;
	for (k = 0; seps[k] != NULL; k++)
		if (n >= strlen(seps[k]) &&
		    strncasecmp(l, seps[k], strlen(seps[k])) == 0)
			return 1;
	/* "-------- Original Message --------", "---------- Forwarded
	 * message ---------", "----- Mensaje original -----" ... */
	if (n >= 8 && n < 80 && l[0] == '-' && l[1] == '-')
		for (k = 0; sepwords[k] != NULL; k++)
			if (line_has(l, n, sepwords[k]))
				return 1;
	/* "On <date>, <name> wrote:", possibly wrapped over up to 3 lines;
	 * localized forms start with Am/Le/El/Op/Il (giorno)/Den/Em/W dniu/
	 * Dnia. */
	for (k = 0; attrib[k] != NULL; k++)
		if (ci_prefix(l, attrib[k]))
			break;
	if (attrib[k] != NULL) {
		int verb = 0;
		for (j = i; j < nl && j < i + 3; j++) {
			if (j > i && is_blank(ls[j], ln[j]))
				break;
			for (k = 0; wrote[k] != NULL; k++)
				if (line_ends_with(ls[j], ln[j], wrote[k]) ||
				    (j == i &&
				     line_has(ls[j], ln[j], wrote[k])))
					return 1;
			for (k = 0; verbs[k] != NULL && !verb; k++)
				verb = line_has(ls[j], ln[j], verbs[k]);
			if (verb && line_ends_with(ls[j], ln[j], ":"))
				return 1;
		}
	}
	/* Outlook: "From: ..." followed by Sent:/Date:/To: within 4 lines,
	 * in the nine languages */
	for (k = 0; from_names[k] != NULL; k++)
		if (ci_prefix(l, from_names[k]))
			break;
	if (from_names[k] != NULL) {
		for (j = i + 1; j < nl && j < i + 5; j++) {
			size_t m = ln[j];
			const char *t = skip_lead(ls[j], &m);
			for (k = 0; sent_names[k] != NULL; k++)
				if (ci_prefix(t, sent_names[k]))
					return 1;
		}
	}
	/* a block of at least three mail header lines (From:/Date:/To:/
	 * Subject:..., localized) within five lines: a quoted message */
	if (header_line(l, n)) {
		int hits = 1;
		for (j = i + 1; j < nl && j < i + 5; j++) {
			size_t m = ln[j];
			const char *t = skip_lead(ls[j], &m);
			if (header_line(t, m))
				hits++;
		}
		if (hits >= 3)
			return 1;
	}
	/* "<date> <name> <addr@x> wrote:" on its own, possibly wrapped onto
	 * the next line (Android, localized clients) */
	for (j = i; j < nl && j < i + 2; j++) {
		if (j > i && is_blank(ls[j], ln[j]))
			break;
		for (k = 0; wrote[k] != NULL; k++)
			if (line_ends_with(ls[j], ln[j], wrote[k]) &&
			    line_has(ls[i], ln[i], "@") && ln[i] < 200)
				return 1;
	}
	/* Outlook's rule line followed by a From: line */
	if (n >= 20 && strspn(l, "_") >= 20 && i + 1 < nl) {
		for (j = i + 1; j < nl && j < i + 3; j++) {
			size_t m = ln[j];
			const char *t = skip_lead(ls[j], &m);
			for (k = 0; from_names[k] != NULL; k++)
				if (ci_prefix(t, from_names[k]))
					return 1;
		}
	}
	/* "<date>, <name> <addr@x>:" (mail.ru, yandex and friends) */
	if (line_ends_with(l, n, ">:") && line_has(l, n, "@") && n < 200)
		return 1;
	return 0;
}

/* signature_start: does the line start a signature that is not the reply? */
static int
signature_start(const char *l, size_t n)
{
	static const char *sent[] = {"sent from my ",
	                             "sent from mail for windows",
	                             "sent from outlook",
	                             "get outlook for ",
	                             "sent with sparrow",
	                             "sent from yahoo mail",
	                             "sent from samsung",
	                             "sent via ",
	                             "envoyé de mon ",
	                             "envoyé depuis mon ",
	                             "envoyé depuis ",
	                             "von meinem ",
	                             "gesendet von meinem ",
	                             "gesendet mit ",
	                             "enviado desde mi ",
	                             "enviado desde ",
	                             "enviado do meu ",
	                             "enviado do ",
	                             "enviado de meu ",
	                             "inviato da ",
	                             "inviato dal mio ",
	                             "skickat från min ",
	                             "skickat från ",
	                             "wysłane z ",
	                             "wysłano z ",
	                             "verzonden vanaf mijn ",
	                             "verzonden met ",
	                             "verstuurd vanaf mijn ",
	                             "verstuurd vanaf ",
	                             "outlook für ",
	                             "obtenir outlook pour ",
	                             "obtener outlook para ",
	                             "scarica outlook per ",
	                             "baixar o outlook para ",
	                             "obter o outlook para ",
	                             "hämta outlook för ",
	                             "pobierz aplikację outlook",
	                             "outlook voor ",
	                             NULL};
	int k, words = 0;
	size_t i;

	if ((n == 3 && strncmp(l, "-- ", 3) == 0) ||
	    (n == 2 && strncmp(l, "--", 2) == 0))
		return 1;
	while (n > 0 && isspace((unsigned char)l[n - 1]))
		n--;
	for (k = 0; sent[k] != NULL; k++)
		if (n >= strlen(sent[k]) &&
		    strncasecmp(l, sent[k], strlen(sent[k])) == 0)
			break;
	if (sent[k] == NULL)
		return 0;
	/* "Sent from my desk, is much easier..." is text: a device line is
	 * short and has no sentence punctuation after it. */
	for (i = 0; i < n; i++) {
		if (l[i] == ' ')
			words++;
		if (l[i] == ',' || l[i] == ';')
			return 0;
	}
	return words <= 8;
}

/*
 * footer_start: does the line at i start a legal disclaimer ("This e-mail
 * and any attachments are confidential ...", in the nine languages) or a
 * newsletter footer ("To unsubscribe ...", "You are receiving this ...")?
 * A disclaimer needs its opening words and a word of confidentiality
 * within its first three lines: a person may well write "This email is
 * to confirm".
 */
static int
footer_start(const char **ls, const size_t *ln, size_t nl, size_t i)
{
	static const char *legal_open[] = {"this e-mail",
	                                   "this email",
	                                   "this message",
	                                   "this communication",
	                                   "the information contained",
	                                   "the information in this",
	                                   "confidentiality notice",
	                                   "confidentiality note",
	                                   "disclaimer",
	                                   "notice:",
	                                   "important:",
	                                   "important notice",
	                                   "legal notice",
	                                   "diese e-mail",
	                                   "diese email",
	                                   "diese nachricht",
	                                   "vertraulichkeitshinweis",
	                                   "der inhalt dieser",
	                                   "ce message",
	                                   "ce courriel",
	                                   "ce mail",
	                                   "ce courrier",
	                                   "avis de confidentialité",
	                                   "avertissement",
	                                   "este mensaje",
	                                   "este correo",
	                                   "este e-mail",
	                                   "este email",
	                                   "aviso de confidencialidad",
	                                   "aviso legal",
	                                   "la información contenida",
	                                   "questo messaggio",
	                                   "questa e-mail",
	                                   "questa email",
	                                   "questa mail",
	                                   "le informazioni contenute",
	                                   "avvertenza",
	                                   "avviso di riservatezza",
	                                   "esta mensagem",
	                                   "aviso de confidencialidade",
	                                   "as informações contidas",
	                                   "detta e-postmeddelande",
	                                   "detta meddelande",
	                                   "detta mejl",
	                                   "denna e-post",
	                                   "sekretessmeddelande",
	                                   "ta wiadomość",
	                                   "niniejsza wiadomość",
	                                   "treść tej wiadomości",
	                                   "klauzula poufności",
	                                   "dit e-mailbericht",
	                                   "dit bericht",
	                                   "de informatie in dit",
	                                   "de informatie verzonden",
	                                   "dit e-mail",
	                                   NULL};
	static const char *secret[] = {
	    "confiden",     "privileg",      "intended",
	    "vertraulich",  "bestimmt",      "vertrouwelijk",
	    "bestemd",      "destinat",      "riservat",
	    "confidencial", "konfidentiell", "sekretess",
	    "avsedd",       "poufn",         "przeznaczon",
	    "legally",      "rechtlich",     NULL};
	static const char *footer_open[] = {
	    "to unsubscribe",
	    "click here to unsubscribe",
	    "unsubscribe here",
	    "unsubscribe from this",
	    "if you no longer wish to receive",
	    "if you don't want to receive",
	    "if you do not want to receive",
	    "if you'd rather not receive",
	    "you are receiving this",
	    "you're receiving this",
	    "you received this",
	    "this email was sent to",
	    "manage your email preferences",
	    "manage your preferences",
	    "update your preferences",
	    "wenn sie diese e-mail nicht mehr",
	    "wenn sie diesen newsletter",
	    "newsletter abbestellen",
	    "zum abbestellen",
	    "sie erhalten diese e-mail",
	    "si vous ne souhaitez plus recevoir",
	    "pour vous désinscrire",
	    "pour vous désabonner",
	    "vous recevez cet e-mail",
	    "si no desea recibir",
	    "si ya no desea recibir",
	    "para darse de baja",
	    "para cancelar la suscripción",
	    "has recibido este",
	    "se non desideri più ricevere",
	    "per annullare l'iscrizione",
	    "per cancellarti",
	    "hai ricevuto questa",
	    "se não deseja mais receber",
	    "se não quiser receber",
	    "para cancelar a inscrição",
	    "para cancelar a subscrição",
	    "você está recebendo",
	    "om du inte längre vill ta emot",
	    "för att avsluta prenumerationen",
	    "avsluta prenumeration",
	    "du får detta",
	    "jeśli nie chcesz otrzymywać",
	    "aby zrezygnować z subskrypcji",
	    "aby wypisać się",
	    "otrzymujesz tę wiadomość",
	    "als u deze e-mail niet meer wilt",
	    "als je deze e-mail niet meer wilt",
	    "om je af te melden",
	    "klik hier om je af te melden",
	    "u ontvangt deze",
	    NULL};
	size_t n = ln[i], j;
	const char *l = skip_lead(ls[i], &n);
	int k, m;

	int c0;

	if (n < 8)
		return 0;
	/* a mailing list's footer (Mailman, Sympa, Google Groups): a rule of
	 * underscores, then the list's name or its listinfo address */
	if (l[0] == '_' && n >= 10 && strspn(l, "_") >= 10) {
		for (j = i + 1; j < nl && j < i + 4; j++)
			if (line_has(ls[j], ln[j], "mailing list") ||
			    line_has(ls[j], ln[j], "listinfo") ||
			    line_has(ls[j], ln[j], "google groups"))
				return 1;
		return 0;
	}
	/* the first byte first: this runs on every line of a reply (every
	 * phrase starts with a lower-case ASCII letter) */
	c0 = tolower((unsigned char)*l);
	if (c0 < 'a' || c0 > 'z')
		return 0;
	for (k = 0; footer_open[k] != NULL; k++)
		if (footer_open[k][0] == c0 && n >= strlen(footer_open[k]) &&
		    ci_prefix(l, footer_open[k]))
			return 1;
	for (k = 0; legal_open[k] != NULL; k++)
		if (legal_open[k][0] == c0 && n >= strlen(legal_open[k]) &&
		    ci_prefix(l, legal_open[k]))
			break;
	if (legal_open[k] == NULL)
		return 0;
	for (j = i; j < nl && j < i + 3; j++) {
		if (j > i && is_blank(ls[j], ln[j]))
			break;
		for (m = 0; secret[m] != NULL; m++)
			if (line_has(ls[j], ln[j], secret[m]))
				return 1;
	}
	return 0;
}

/* name_line: a name under a sign-off: one to three words, no digits, no
 * sentence punctuation */
static int
name_line(const char *l, size_t n)
{
	size_t i, w = 0;
	int in = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)l[i];
		if (isdigit(c) || c == ':' || c == '?' || c == '@' || c == '|')
			return 0;
		if (isspace(c))
			in = 0;
		else if (!in) {
			in = 1;
			w++;
		}
	}
	return w >= 1 && w <= 3;
}

size_t
cls_words(const char *l, size_t n)
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

/* short_line: a line of a signature block: at most six words, not a
 * question */
static int
short_line(const char *l, size_t n)
{
	while (n > 0 && isspace((unsigned char)l[n - 1]))
		n--;
	if (n == 0 || n > 70 || l[n - 1] == '?' || l[n - 1] == ':')
		return 0;
	return cls_words(l, n) <= 6;
}

/* sig_line: a line of a signature block under a sign-off or a full name:
 * short, or a title, address, phone or legal line ("Unit 4, Riverside
 * Works | Leeds LS9 8AB", "Registered in England No. 01234567") - not a
 * sentence, a question or a postscript */
static int
sig_line(const char *l, size_t n)
{
	unsigned char last;

	while (n > 0 && isspace((unsigned char)l[n - 1]))
		n--;
	while (n > 0 && isspace((unsigned char)*l)) {
		l++;
		n--;
	}
	if (n == 0 || ci_prefix(l, "p.s") || ci_prefix(l, "ps:") ||
	    ci_prefix(l, "ps "))
		return 0;
	if (short_line(l, n))
		return 1;
	last = (unsigned char)l[n - 1];
	if (n > 100 || last == '.' || last == '?' || last == '!' || last == ':')
		return 0;
	return cls_words(l, n) <= 12;
}

/* dash_name: "- O", "-- Sam", "– JM": a name or initials after a dash */
static int
dash_name(const char *l, size_t n)
{
	size_t k = 0, i;

	while (k < n && (l[k] == '-' || l[k] == ' '))
		k++;
	if (k == 0 && n >= 3 &&
	    (strncmp(l, "–", 3) == 0 || strncmp(l, "—", 3) == 0)) {
		k = 3;
		while (k < n && l[k] == ' ')
			k++;
	}
	if (k == 0 || k >= n || k > 4)
		return 0;
	for (i = k; i < n; i++)
		if (!isupper((unsigned char)l[i]) && l[i] != '.' && l[i] != ' ')
			break;
	if (i == n && n - k <= 4)
		return 1; /* initials */
	return proper_name(l + k, n - k);
}

/* proper_name: a name line whose words all start with a capital */
static int
proper_name(const char *l, size_t n)
{
	size_t i;
	int start = 1;

	while (n > 0 && isspace((unsigned char)*l)) {
		l++;
		n--;
	}
	static const char *words[] = {
	    "yes",     "no",     "sure",     "great",  "perfect", "fine",
	    "okay",    "ja",     "nein",     "oui",    "non",     "si",
	    "sí",      "sì",     "sim",      "nej",    "tak",     "nie",
	    "nee",     "prima",  "gerne",    "thanks", "danke",   "merci",
	    "gracias", "grazie", "obrigado", "tack",   "dzięki",  "bedankt",
	    "agreed",  "done",   NULL};
	int lower = 0, k;
	size_t m;

	if (!name_line(l, n))
		return 0;
	for (k = 0; words[k] != NULL; k++) {
		m = strlen(words[k]);
		if (n >= m && strncasecmp(l, words[k], m) == 0 &&
		    (n == m || !isalpha((unsigned char)l[m])))
			return 0;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)l[i];
		if (isspace(c)) {
			start = 1;
			continue;
		}
		if (start && !(isupper(c) || (c >= 0xc3 && c <= 0xc5)))
			return 0;
		if (!start && islower(c))
			lower = 1;
		start = 0;
	}
	/* "OK", "ASAP": not a name */
	return lower;
}

/*
 * sig_block: where the reply text [start, end) ends once a trailing
 * signature block is dropped: after the text, a paragraph that is a
 * sign-off or a name ("Thanks,\nSam", "Paolo Marino", "Mvh Eva"), then
 * paragraphs of short lines (full name, title, company); or, with no such
 * paragraph, a last paragraph of two or more short lines starting with a
 * full name ("Rachel Kim\nPractice Manager\nSummit Dental").
 */
static size_t
sig_block(const char **ls, const size_t *ln, size_t start, size_t end)
{
	size_t par[64], npar = 0, i, j, k, nlines;
	int text_before = 0;

	/* paragraph starts */
	for (i = start; i < end && npar < 64; i++)
		if (!is_blank(ls[i], ln[i]) &&
		    (i == start || is_blank(ls[i - 1], ln[i - 1])))
			par[npar++] = i;
	if (npar < 2 || npar >= 64)
		return end;
	for (k = 0; k + 1 < npar; k++) {
		size_t pe = par[k + 1]; /* paragraph k is [par[k], pe) */
		int sign = 1, all_short = 1;
		while (pe > par[k] && is_blank(ls[pe - 1], ln[pe - 1]))
			pe--;
		nlines = pe - par[k];
		/* is paragraph k a sign line: a name, or a sign-off (and a
		 * name)? */
		if (nlines > 2)
			sign = 0;
		for (j = par[k]; j < pe && sign; j++)
			if (!cls_is_signoff(ls[j], ln[j]) &&
			    !proper_name(ls[j], ln[j]) &&
			    !dash_name(ls[j], ln[j]))
				sign = 0;
		if (nlines == 2 && !cls_is_signoff(ls[par[k]], ln[par[k]]))
			sign = 0;
		if (!sign || (k == 0 && !text_before)) {
			text_before = 1;
			continue;
		}
		/* everything after it: short lines */
		for (j = par[k + 1]; j < end && all_short; j++)
			if (!is_blank(ls[j], ln[j]) && !sig_line(ls[j], ln[j]))
				all_short = 0;
		if (all_short && end - par[k + 1] <= 10) {
			/* "Mit freundlichen Grüßen\n\nMarkus Thiele\n\n
			 * Elbtal Logistik GmbH...": the name under a lone
			 * sign-off is the sender's, its own paragraph */
			if (nlines == 1 &&
			    cls_is_signoff(ls[par[k]], ln[par[k]]) &&
			    k + 2 < npar && par[k + 2] == par[k + 1] + 2 &&
			    proper_name(ls[par[k + 1]], ln[par[k + 1]]))
				return par[k + 1] + 1;
			return pe;
		}
		text_before = 1;
	}
	/* the last paragraph: a full name and more short lines */
	k = npar - 1;
	nlines = end - par[k];
	if (nlines >= 2 && nlines <= 8 && proper_name(ls[par[k]], ln[par[k]]) &&
	    !cls_is_signoff(ls[par[k]], ln[par[k]]) &&
	    count_sp(ls[par[k]], ln[par[k]]) >= 1) {
		for (j = par[k]; j < end; j++)
			if (!sig_line(ls[j], ln[j]))
				return end;
		j = par[k];
		while (j > start && is_blank(ls[j - 1], ln[j - 1]))
			j--;
		return j;
	}
	return end;
}

/* count_sp: the spaces between words of a line */
static size_t
count_sp(const char *l, size_t n)
{
	size_t i, c = 0;

	while (n > 0 && isspace((unsigned char)l[n - 1]))
		n--;
	while (n > 0 && isspace((unsigned char)*l)) {
		l++;
		n--;
	}
	for (i = 0; i < n; i++)
		if (l[i] == ' ')
			c++;
	return c;
}

/* rule_line: a separator of dashes, underscores, '=' or '*' only */
static int
rule_line(const char *l, size_t n)
{
	size_t i, marks = 0;

	for (i = 0; i < n; i++) {
		if (l[i] == '-' || l[i] == '_' || l[i] == '=' || l[i] == '*')
			marks++;
		else if (l[i] != ' ' && l[i] != '\t' && l[i] != '\r')
			return 0;
	}
	return marks >= 3;
}

static char *reply_text(const char *text, int depth);

char *
classify_reply_text(const char *text)
{
	return reply_text(text, 0);
}

static char *
reply_text(const char *text, int depth)
{
	const char **ls = NULL;
	size_t *ln = NULL, nl = 0, cap = 0, i, cut, start, end;
	const char *p = text, *e;
	struct buf b;
	int seen_text = 0;

	if (text == NULL)
		return xstrdup("");
	while (*p != '\0') {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		if (nl == cap) {
			cap = cap ? cap * 2 : 64;
			ls = xreallocarray(ls, cap, sizeof *ls);
			ln = xreallocarray(ln, cap, sizeof *ln);
		}
		ls[nl] = p;
		ln[nl] = (size_t)(e - p);
		if (ln[nl] > 0 && p[ln[nl] - 1] == '\r')
			ln[nl]--;
		nl++;
		p = *e != '\0' ? e + 1 : e;
	}
	cut = nl;
	for (i = 0; i < nl; i++) {
		size_t n = ln[i];
		const char *l = ls[i];

		while (n > 0 && (*l == ' ' || *l == '\t')) {
			l++;
			n--;
		}
		if (n > 0 && *l == '>') {
			/* a quoted line: history starts here (a quote
			 * before any text is skipped over: interleaved
			 * answers below it are the reply) */
			if (seen_text) {
				cut = i;
				/* a header line just above ("... wrote:"
				 * unrecognised) stays; fine */
				break;
			}
			continue;
		}
		if (quote_header(ls, ln, nl, i)) {
			cut = i;
			break;
		}
		if (signature_start(ls[i], ln[i])) {
			cut = i;
			break;
		}
		if (seen_text && footer_start(ls, ln, nl, i)) {
			cut = i;
			break;
		}
		if (!is_blank(ls[i], ln[i]))
			seen_text = 1;
	}
	/* nothing before the history: the answer is below it (bottom
	 * posting).  Drop the attribution and the quoted lines, and look
	 * again at what remains. */
	if (cut < nl && depth < 4) {
		size_t k2, before = 0, blen = 0;
		for (k2 = 0; k2 < cut; k2++)
			if (!is_blank(ls[k2], ln[k2]) &&
			    !(ln[k2] > 0 && ls[k2][0] == '>')) {
				before++;
				blen += ln[k2];
			}
		/* nothing, or just a greeting ("Hi,") above a '>'-quoted
		 * history */
		int greeting = 0, quoted = 0;
		if (before == 1 && blen < 20) {
			for (k2 = 0; k2 < cut; k2++)
				if (!is_blank(ls[k2], ln[k2]))
					greeting =
					    line_ends_with(ls[k2], ln[k2], ",");
		}
		for (k2 = cut; k2 < nl && k2 < cut + 5; k2++)
			if (ln[k2] > 0 && ls[k2][0] == '>')
				quoted = 1;
		if ((before == 0 || greeting) && quoted) {
			struct buf rest;
			char *r;
			size_t j2 = cut;
			/* the attribution: up to the line ending with ':' (<=
			 * 3) */
			for (k2 = cut; k2 < nl && k2 < cut + 3; k2++)
				if (line_ends_with(ls[k2], ln[k2], ":")) {
					j2 = k2;
					break;
				}
			buf_init(&rest);
			for (k2 = j2 + 1; k2 < nl; k2++) {
				size_t n2 = ln[k2];
				const char *l2 = ls[k2];
				while (n2 > 0 && (*l2 == ' ' || *l2 == '\t')) {
					l2++;
					n2--;
				}
				if (n2 > 0 && *l2 == '>')
					continue;
				buf_add(&rest, ls[k2], ln[k2]);
				buf_addc(&rest, '\n');
			}
			if (rest.len > 0 && !is_blank(rest.s, rest.len)) {
				r = reply_text(rest.s, depth + 1);
				buf_free(&rest);
				if (before > 0 && *r != '\0') {
					/* keep the greeting */
					for (k2 = 0; k2 < cut; k2++)
						if (!is_blank(ls[k2], ln[k2]) &&
						    !(ln[k2] > 0 &&
						      ls[k2][0] == '>'))
							break;
					char *g =
					    xasprintf("%.*s\n\n%s", (int)ln[k2],
					              ls[k2], r);
					free(r);
					r = g;
				}
				free(ls);
				free(ln);
				return r;
			}
			buf_free(&rest);
		}
	}
	/* trim blank lines at both ends, and leading '>' lines */
	start = 0;
	while (start < cut && (is_blank(ls[start], ln[start]) ||
	                       (ln[start] > 0 && ls[start][0] == '>')))
		start++;
	end = cut;
	/* a sign-off, the name under it, then a blank line and more: the
	 * rest is a signature block (title, company, phone numbers) */
	for (i = start; i + 1 < end; i++) {
		size_t j = i + 1, k2;
		if (!cls_is_signoff(ls[i], ln[i]))
			continue;
		if (is_blank(ls[j], ln[j]) || !name_line(ls[j], ln[j]))
			continue;
		for (k2 = j + 1; k2 < end && is_blank(ls[k2], ln[k2]); k2++)
			;
		if (k2 > j + 1 && k2 < end && !sig_line(ls[k2], ln[k2]) &&
		    (ci_prefix(ls[k2], "p.s") || ci_prefix(ls[k2], "ps:")))
			continue; /* a postscript is part of the reply */
		if (k2 > j + 1 && k2 < end) {
			end = j + 1;
			break;
		}
		/* no blank line (an HTML signature): the name, then a
		 * signature line with separators ("Emily Carter | Site
		 * Director"), and nothing but signature lines after it (a
		 * title alone under the name stays, as people sign) */
		if (k2 == j + 1 && k2 < end &&
		    line_has(ls[k2], ln[k2], " | ")) {
			size_t m;
			for (m = k2; m < end; m++)
				if (!is_blank(ls[m], ln[m]) &&
				    !sig_line(ls[m], ln[m]))
					break;
			if (m == end && end - k2 <= 10) {
				end = j + 1;
				break;
			}
		}
		/* the name again at the head of a signature block ("Giulia
		 * Bernardi\nGiulia Bernardi\nResponsabile Flotta..."): the
		 * block starts there, whatever it holds */
		if (k2 == j + 1 && k2 < end && count_sp(ls[j], ln[j]) >= 1 &&
		    proper_name(ls[j], ln[j]) && ln[k2] >= ln[j] &&
		    strncmp(ls[k2], ls[j], ln[j]) == 0) {
			end = j + 1;
			break;
		}
	}
	while (end > start && (is_blank(ls[end - 1], ln[end - 1]) ||
	                       rule_line(ls[end - 1], ln[end - 1])))
		end--;
	end = sig_block(ls, ln, start, end);
	buf_init(&b);
	for (i = start; i < end; i++) {
		size_t n = ln[i];
		while (n > 0 && isspace((unsigned char)ls[i][n - 1]))
			n--;
		if (i > start)
			buf_addc(&b, '\n');
		buf_add(&b, ls[i], n);
	}
	free(ls);
	free(ln);
	return buf_steal(&b);
}
