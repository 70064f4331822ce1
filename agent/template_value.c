/* template_value - the value library: items, their checks and the pick
 * (see template.h) */
#include "autoconf.h"

#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "template_p.h"
#include "xalloc.h"

/* ---- value library */

static const char *const kind_names[] = {"article", "video", "guide",
                                         "personal"};

const char *
value_kind_name(enum value_kind k)
{
	return (unsigned)k < 4 ? kind_names[k] : "article";
}

/* split_tags: "Fly fishing, trout ,golf" -> {"fly fishing", "trout", "golf"}. */
static void
split_tags(struct value_item *it, const char *v, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *s = v + i;
		const char *comma = memchr(s, ',', len - i);
		size_t n = comma ? (size_t)(comma - s) : len - i, q;

		i += n + 1;
		tp_trim(&s, &n);
		if (n == 0)
			continue;
		it->tags = xreallocarray(it->tags, it->ntags + 1,
		                         sizeof(*it->tags));
		it->tags[it->ntags] = xstrndup(s, n);
		for (q = 0; q < n; q++)
			if (it->tags[it->ntags][q] >= 'A' &&
			    it->tags[it->ntags][q] <= 'Z')
				it->tags[it->ntags][q] += 'a' - 'A';
		it->ntags++;
	}
}

int
value_parse(const char *name, const char *text, size_t len,
            struct value_item *item, char **errstr)
{
	struct hdr h[] = {{"Title", 1, NULL, 0, 0, 0},
	                  {"Pitch", 0, NULL, 0, 0, 0},
	                  {"URL", 1, NULL, 0, 0, 0},
	                  {"Tags", 0, NULL, 0, 0, 0},
	                  {"Kind", 0, NULL, 0, 0, 0},
	                  {"Draft", 0, NULL, 0, 0, 0}};
	char *norm;
	const char *base, *dot;
	size_t nlen, off, blen, k;
	int line, rc, kind = VALUE_ARTICLE, draft = 0;

	memset(item, 0, sizeof(*item));
	if ((rc = tp_normalize(name, text, len, &norm, &nlen, errstr)) != 0)
		return rc;
	rc = tp_parse_headers(name, norm, nlen, h, 6, &off, &line, errstr);
	if (rc) {
		free(norm);
		return rc;
	}
	if (h[4].seen) {
		for (kind = -1, k = 0; k < 4; k++)
			if (h[4].vlen == strlen(kind_names[k]) &&
			    strncasecmp(h[4].v, kind_names[k], h[4].vlen) == 0)
				kind = (int)k;
		if (kind < 0) {
			*errstr = xasprintf("%s:%d: Kind must be article, "
			                    "video, guide or personal",
			                    name, h[4].line);
			free(norm);
			return TEMPLATE_ESYNTAX;
		}
	}
	if (h[5].seen) {
		if (h[5].vlen == 3 && strncasecmp(h[5].v, "yes", 3) == 0)
			draft = 1;
		else if (!(h[5].vlen == 2 && strncasecmp(h[5].v, "no", 2) == 0)) {
			*errstr = xasprintf("%s:%d: Draft must be \"yes\" or "
			                    "\"no\"",
			                    name, h[5].line);
			free(norm);
			return TEMPLATE_ESYNTAX;
		}
	}
	base = tp_basename_of(name);
	dot = strrchr(base, '.');
	item->name = xstrndup(base, dot ? (size_t)(dot - base) : strlen(base));
	item->title = xstrndup(h[0].v, h[0].vlen);
	item->pitch = h[1].seen ? xstrndup(h[1].v, h[1].vlen) : xstrdup("");
	item->url = xstrndup(h[2].v, h[2].vlen);
	if (h[3].seen)
		split_tags(item, h[3].v, h[3].vlen);
	item->kind = (enum value_kind)kind;
	item->draft = draft;
	blen = nlen - off;
	while (blen &&
	       (norm[off + blen - 1] == '\n' || norm[off + blen - 1] == ' ' ||
	        norm[off + blen - 1] == '\t'))
		blen--;
	item->body = xstrndup(norm + off, blen);
	free(norm);
	return TEMPLATE_OK;
}

void
value_item_clear(struct value_item *it)
{
	size_t i;

	free(it->name);
	free(it->title);
	free(it->pitch);
	free(it->url);
	free(it->body);
	for (i = 0; i < it->ntags; i++)
		free(it->tags[i]);
	free(it->tags);
	memset(it, 0, sizeof(*it));
}

void
value_free(struct value_item *items, size_t n)
{
	size_t i;

	for (i = 0; items && i < n; i++)
		value_item_clear(&items[i]);
	free(items);
}

/* names_example: 1 if s mentions a host example.com/.org/.net (or a
 * subdomain of one), the documentation domains of RFC 2606. */
static int
names_example(const char *s)
{
	static const char *const doms[] = {"example.com", "example.org",
	                                   "example.net"};
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < 3; i++) {
		const char *p = s;
		size_t n = strlen(doms[i]);

		while ((p = strcasestr(p, doms[i])) != NULL) {
			char before = p == s ? ' ' : p[-1];
			char after = p[n];

			if ((before == ' ' || before == '/' || before == '.' ||
			     before == '@' || before == '\n' || before == '(' ||
			     before == '<') &&
			    !((after >= 'a' && after <= 'z') ||
			      (after >= 'A' && after <= 'Z') ||
			      (after >= '0' && after <= '9') || after == '-'))
				return 1;
			p += n;
		}
	}
	return 0;
}

const char *
value_blocked(const struct value_item *it)
{
	if (it->draft)
		return "it is a draft (Draft: yes): write your own piece, then "
		       "set Draft: no";
	if (names_example(it->url) || names_example(it->body) ||
	    names_example(it->pitch))
		return "it links to an example domain (example.com/.org/.net): "
		       "put your real link in Url:";
	return NULL;
}

/* word_hit: 1 if tag occurs in text at the start of a word, any case. */
static int
word_hit(const char *text, const char *tag)
{
	const char *p = text;
	size_t n = strlen(tag);

	if (text == NULL || n == 0)
		return 0;
	while ((p = strcasestr(p, tag)) != NULL) {
		unsigned char b = p == text ? ' ' : (unsigned char)p[-1];

		if (!((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
		      (b >= '0' && b <= '9') || b >= 0x80))
			return 1;
		p += n;
	}
	return 0;
}

int
value_score(const struct value_item *it, const struct value_lead *lead,
            int *interest_hit)
{
	int score = 0, ih = 0;
	size_t i;

	for (i = 0; lead && i < it->ntags; i++) {
		if (word_hit(lead->interests, it->tags[i])) {
			score += 4;
			ih = 1;
		}
		if (word_hit(lead->industry, it->tags[i]))
			score += 2;
		if (word_hit(lead->notes, it->tags[i]))
			score += 1;
	}
	if (interest_hit)
		*interest_hit = ih;
	return score;
}

static int
is_used(const char *name, const char *const *used, size_t nused)
{
	size_t j;

	for (j = 0; j < nused; j++)
		if (used[j] && strcmp(used[j], name) == 0)
			return 1;
	return 0;
}

const struct value_item *
value_pick(const struct value_item *items, size_t n, const char *const *used,
           size_t nused, const struct value_lead *lead, char **why)
{
	const struct value_item *best = NULL;
	size_t i, nused_items = 0, nblocked = 0, npersonal = 0;
	int best_score = -1;

	for (i = 0; i < n; i++) {
		int score, ih;

		if (is_used(items[i].name, used, nused)) {
			nused_items++;
			continue;
		}
		if (value_blocked(&items[i])) {
			nblocked++;
			continue;
		}
		score = value_score(&items[i], lead, &ih);
		if (items[i].kind == VALUE_PERSONAL && !ih) {
			npersonal++;
			continue;
		}
		if (score > best_score) {
			best = &items[i];
			best_score = score;
		}
	}
	if (best == NULL && why) {
		if (n == 0)
			*why = xstrdup("the value library is empty: add an "
			               "item to templates/value/");
		else
			*why = xasprintf(
			    "no value item left to send: of %zu, %zu already "
			    "sent to this lead, %zu draft or example "
			    "(see nudge template check), %zu personal "
			    "without a matching interest; add a new item to "
			    "templates/value/",
			    n, nused_items, nblocked, npersonal);
	}
	return best;
}

const struct value_item *
value_pick_personal(const struct value_item *items, size_t n,
                    const char *const *used, size_t nused,
                    const struct value_lead *lead)
{
	const struct value_item *best = NULL;
	size_t i;
	int best_score = 0;

	for (i = 0; i < n; i++)
		if (items[i].kind == VALUE_PERSONAL &&
		    is_used(items[i].name, used, nused))
			return NULL; /* one personal touch per lead */
	for (i = 0; i < n; i++) {
		int score, ih;

		if (items[i].kind != VALUE_PERSONAL ||
		    value_blocked(&items[i]))
			continue;
		score = value_score(&items[i], lead, &ih);
		if (ih && score > best_score) {
			best = &items[i];
			best_score = score;
		}
	}
	return best;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
value_load_dir(const char *dir, struct value_item **items, size_t *n,
               char **errstr)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t nn = 0, i, len, ni = 0;
	struct value_item *it = NULL;
	int rc = TEMPLATE_OK;

	if ((d = opendir(dir)) == NULL) {
		*errstr = xasprintf("%s: %s", dir, strerror(errno));
		return TEMPLATE_EIO;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 4 ||
		    strcmp(de->d_name + len - 3, ".md") != 0)
			continue;
		names = xreallocarray(names, nn + 1, sizeof(*names));
		names[nn++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (nn)
		qsort(names, nn, sizeof(*names), cmp_str);
	it = xcalloc(nn ? nn : 1, sizeof(*it));
	for (i = 0; i < nn; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]), *data;

		rc = tp_read_file(path, &data, &len, errstr);
		if (rc == 0) {
			rc = value_parse(path, data, len, &it[ni], errstr);
			free(data);
		}
		free(path);
		if (rc)
			break;
		ni++;
	}
	for (i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	if (rc) {
		value_free(it, ni);
		return rc;
	}
	*items = it;
	*n = ni;
	return TEMPLATE_OK;
}


