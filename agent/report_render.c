/* report_render - the renderings of a report: text, JSON, SVG, HTML (see
 * report.h).  The SVG is drawn here: plain rects and text, no library. */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "json.h"
#include "report.h"
#include "xalloc.h"

#define C_BAR "#3b6ea8"
#define C_REPLY "#e07b39"
#define C_BAND "#f3ede0"
#define C_INK "#222222"
#define C_MUTED "#666666"
#define C_RULE "#cccccc"

static const char *
day_str(const struct report *r, int d, const char *tz, char *buf, size_t len)
{
	(void)r;
	clock_format_date(clock_at(d, 0, tz), tz, buf, len);
	return buf;
}

/* safe: s with control characters (C0, DEL, and the C1 range as UTF-8)
 * replaced by '?', for a terminal. */
static void
add_safe(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			buf_addc(b, '?');
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			buf_addc(b, '?');
			p++;
		} else
			buf_addc(b, (char)*p);
	}
}

static int
manual(const struct report_stage *s)
{
	int n = 0;

	for (int c = 1; c < REPORT_NCHAN; c++)
		n += s->channel[c];
	return n;
}

static const char *
plural(int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* ---- text */

static void
text_funnel(struct buf *b, const struct report_stage *s, size_t n)
{
	buf_adds(b,
	         "  Stage   Leads  Touches  Email  By hand  Replies   Rate\n");
	for (size_t i = 0; i < n; i++) {
		buf_adds(b, "  ");
		add_safe(b, s[i].label);
		buf_printf(
		    b, "%*s%5d  %7d  %5d  %7d  %7d  %5.1f%%\n",
		    (int)(6 -
		          (strlen(s[i].label) < 6 ? strlen(s[i].label) : 6)),
		    "", s[i].leads, s[i].touches, s[i].channel[0],
		    manual(&s[i]), s[i].replies,
		    100.0 * report_rate(s[i].replies, s[i].leads));
	}
}

void
report_text(const struct report *r, const char *tz, struct buf *b)
{
	char d0[16], d1[16];
	int first = 1, maxc = 0;

	buf_printf(b, "Follow-up report %s to %s (%d %s)\n\n",
	           day_str(r, r->first_day, tz, d0, sizeof d0),
	           day_str(r, r->first_day + r->ndays - 1, tz, d1, sizeof d1),
	           r->ndays, plural(r->ndays, "day", "days"));
	buf_printf(b, "  Leads entered      %d\n", r->entered);
	buf_printf(b, "  Leads touched      %d\n", r->leads_touched);
	buf_printf(b, "  Touches            %d", r->touches);
	for (int c = 0; c < REPORT_NCHAN; c++)
		if (r->channel[c]) {
			buf_printf(b, "%s%s %d", first ? " (" : ", ",
			           report_channels[c], r->channel[c]);
			first = 0;
		}
	buf_adds(b, first ? "\n" : ")\n");
	buf_printf(b,
	           "  Replies            %d (%.1f%% of leads touched; "
	           "%d reply %s)\n",
	           r->replies,
	           100.0 * report_rate(r->replies, r->leads_touched),
	           r->reply_messages,
	           plural(r->reply_messages, "message", "messages"));
	if (r->nbdays > 0)
		buf_printf(b,
		           "  Time to reply      median %.1f business days "
		           "after the first touch\n",
		           r->median_bdays);
	else
		buf_adds(b, "  Time to reply      -\n");
	buf_adds(b, "  Intents           ");
	first = 1;
	for (int i = 0; i < REPORT_NINTENT; i++)
		if (r->intents[i]) {
			buf_printf(b, "%s%s %d", first ? " " : ", ",
			           report_intents[i], r->intents[i]);
			first = 0;
		}
	buf_adds(b, first ? " -\n" : "\n");
	buf_printf(b, "  Out of office      %d\n", r->out_of_office);
	buf_printf(b, "  Bounces            %d hard, %d soft; %d %s bounced\n",
	           r->bounce_hard, r->bounce_soft, r->bounced,
	           plural(r->bounced, "lead", "leads"));
	buf_printf(b, "  Opt-outs           %d\n", r->opted_out);
	buf_printf(b, "  Reviews            %d (%d still open)\n", r->reviews,
	           r->reviews_open);
	buf_printf(b, "  Sends per day      at most %d", r->sent_max);
	if (r->cap > 0)
		buf_printf(b, " of the cap of %ld; %d %s at the cap\n", r->cap,
		           r->days_at_cap,
		           plural(r->days_at_cap, "day", "days"));
	else
		buf_adds(b, " (no cap)\n");

	buf_adds(b, "\nFunnel, all sequences\n");
	if (r->nstages == 0)
		buf_adds(b, "  no touches in this period\n");
	else
		text_funnel(b, r->stages, r->nstages);
	for (size_t i = 0; r->nseqs > 1 && i < r->nseqs; i++) {
		const struct report_seq *s = &r->seqs[i];
		if (s->nstages == 0)
			continue;
		buf_adds(b, "\nSequence ");
		add_safe(b, s->name);
		buf_printf(b, " (%d enrolled in the period)\n", s->enrolled);
		text_funnel(b, s->stages, s->nstages);
	}

	if (r->nversions > 0) {
		buf_adds(b, "\nBy template version (emails sent, first replies "
		            "to them)\n  Stage   Version    Sent  Replies   "
		            "Rate\n");
		for (size_t i = 0; i < r->nversions; i++) {
			const struct report_version *v = &r->versions[i];
			buf_printf(b, "  %-6s  %-8s  %5d  %7d  %4.0f%%\n",
			    v->stage, v->version, v->sent, v->replies,
			    100.0 * report_rate(v->replies, v->sent));
		}
	}

	buf_adds(b, "\nContacts before the first reply "
	            "(often quoted: the 5th to the 12th)\n");
	for (int k = 0; k < REPORT_NCONTACTS; k++)
		if (r->contacts[k] > maxc)
			maxc = r->contacts[k];
	for (int k = 0; k < REPORT_NCONTACTS; k++) {
		int w = maxc ? (r->contacts[k] * 40 + maxc - 1) / maxc : 0;
		buf_printf(b, "  %3d%s ", k + 1,
		           k == REPORT_NCONTACTS - 1 ? "+" : " ");
		for (int j = 0; j < w; j++)
			buf_addc(b, '#');
		buf_printf(b, "%s%d\n", w ? " " : "", r->contacts[k]);
	}
	if (r->replies_untouched)
		buf_printf(b, "  (and %d before any touch)\n",
		           r->replies_untouched);
}

/* ---- JSON */

/* json_rate: a fraction with four decimals */
static void
json_rate(struct buf *b, int *first, const char *key, double v)
{
	json_key(b, first, key);
	buf_printf(b, "%.4f", v);
}

static void
json_channels(struct buf *b, int *first, const int *ch)
{
	int f = 1;

	json_key(b, first, "channels");
	buf_addc(b, '{');
	for (int c = 0; c < REPORT_NCHAN; c++)
		json_ki(b, &f, report_channels[c], ch[c]);
	buf_addc(b, '}');
}

static void
json_stages(struct buf *b, int *first, const struct report_stage *s, size_t n)
{
	json_key(b, first, "stages");
	buf_addc(b, '[');
	for (size_t i = 0; i < n; i++) {
		int f = 1;
		buf_adds(b, i ? ",{" : "{");
		json_kv(b, &f, "stage", s[i].label);
		json_ki(b, &f, "leads", s[i].leads);
		json_ki(b, &f, "touches", s[i].touches);
		json_channels(b, &f, s[i].channel);
		json_ki(b, &f, "replies", s[i].replies);
		json_rate(b, &f, "reply_rate",
		          report_rate(s[i].replies, s[i].leads));
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
}

void
report_json(const struct report *r, const char *tz, struct buf *b)
{
	char d[16];
	int f = 1, t = 1, i2 = 1;

	buf_addc(b, '{');
	json_kv(b, &f, "since", day_str(r, r->first_day, tz, d, sizeof d));
	json_kv(b, &f, "until",
	        day_str(r, r->first_day + r->ndays - 1, tz, d, sizeof d));
	json_ki(b, &f, "days", r->ndays);
	json_key(b, &f, "totals");
	buf_addc(b, '{');
	json_ki(b, &t, "leads_entered", r->entered);
	json_ki(b, &t, "leads_touched", r->leads_touched);
	json_ki(b, &t, "touches", r->touches);
	json_channels(b, &t, r->channel);
	json_ki(b, &t, "replies", r->replies);
	json_ki(b, &t, "reply_messages", r->reply_messages);
	json_rate(b, &t, "reply_rate",
	          report_rate(r->replies, r->leads_touched));
	json_ki(b, &t, "replies_before_any_touch", r->replies_untouched);
	json_key(b, &t, "median_business_days_to_reply");
	if (r->nbdays > 0)
		buf_printf(b, "%.1f", r->median_bdays);
	else
		buf_adds(b, "null");
	json_key(b, &t, "intents");
	buf_addc(b, '{');
	for (int i = 0; i < REPORT_NINTENT; i++)
		json_ki(b, &i2, report_intents[i], r->intents[i]);
	buf_addc(b, '}');
	json_ki(b, &t, "out_of_office", r->out_of_office);
	json_ki(b, &t, "bounces_hard", r->bounce_hard);
	json_ki(b, &t, "bounces_soft", r->bounce_soft);
	json_ki(b, &t, "leads_bounced", r->bounced);
	json_ki(b, &t, "opt_outs", r->opted_out);
	json_ki(b, &t, "reviews", r->reviews);
	json_ki(b, &t, "reviews_open", r->reviews_open);
	json_ki(b, &t, "daily_cap", r->cap);
	json_ki(b, &t, "sent_max_day", r->sent_max);
	json_ki(b, &t, "days_at_cap", r->days_at_cap);
	buf_addc(b, '}');
	json_key(b, &f, "contacts_to_reply");
	buf_addc(b, '[');
	for (int k = 0; k < REPORT_NCONTACTS; k++)
		buf_printf(b, "%s%d", k ? "," : "", r->contacts[k]);
	buf_addc(b, ']');
	json_key(b, &f, "sends_per_day");
	buf_addc(b, '[');
	for (int k = 0; k < r->ndays; k++) {
		int g = 1;
		buf_adds(b, k ? ",{" : "{");
		json_kv(b, &g, "date",
		        day_str(r, r->first_day + k, tz, d, sizeof d));
		json_ki(b, &g, "sent", r->sent_per_day[k]);
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
	json_stages(b, &f, r->stages, r->nstages);
	json_key(b, &f, "versions");
	buf_addc(b, '[');
	for (size_t i = 0; i < r->nversions; i++) {
		const struct report_version *v = &r->versions[i];
		int g = 1;
		buf_adds(b, i ? ",{" : "{");
		json_kv(b, &g, "stage", v->stage);
		json_kv(b, &g, "version", v->version);
		json_ki(b, &g, "sent", v->sent);
		json_ki(b, &g, "replies", v->replies);
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
	json_key(b, &f, "sequences");
	buf_addc(b, '[');
	for (size_t i = 0; i < r->nseqs; i++) {
		const struct report_seq *s = &r->seqs[i];
		int g = 1;
		buf_adds(b, i ? ",{" : "{");
		json_kv(b, &g, "name", s->name);
		json_ki(b, &g, "enrolled", s->enrolled);
		json_ki(b, &g, "leads_touched", s->leads);
		json_ki(b, &g, "touches", s->touches);
		json_ki(b, &g, "replies", s->replies);
		json_stages(b, &g, s->stages, s->nstages);
		buf_addc(b, '}');
	}
	buf_adds(b, "]}\n");
}

/* ---- SVG */

#define SVG_W 760
#define FUN_X 96   /* where the funnel bars start */
#define FUN_W 400  /* the longest bar */
#define FUN_ROW 40 /* one stage */
#define HIST_X 64
#define HIST_W 640
#define HIST_H 180

static void
svg_text(struct buf *b, int x, int y, const char *anchor, int size,
         const char *fill, const char *weight, const char *text)
{
	buf_printf(b,
	           "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" "
	           "font-size=\"%d\" fill=\"%s\"%s%s%s>",
	           x, y, anchor, size, fill, weight ? " font-weight=\"" : "",
	           weight ? weight : "", weight ? "\"" : "");
	buf_add_html(b, text);
	buf_adds(b, "</text>\n");
}

void
report_svg(const struct report *r, int standalone, struct buf *b)
{
	int maxl = 1, maxc = 1, y, fun_h, h, base;
	char line[160];

	for (size_t i = 0; i < r->nstages; i++)
		if (r->stages[i].leads > maxl)
			maxl = r->stages[i].leads;
	for (int k = 0; k < REPORT_NCONTACTS; k++)
		if (r->contacts[k] > maxc)
			maxc = r->contacts[k];
	fun_h = 70 + (int)(r->nstages ? r->nstages : 1) * FUN_ROW;
	h = fun_h + 60 + HIST_H + 60;
	if (standalone)
		buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	buf_printf(b,
	           "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	           "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	           "font-family=\"Helvetica, Arial, sans-serif\" "
	           "role=\"img\" aria-label=\"follow-up funnel and contacts "
	           "before the first reply\">\n",
	           SVG_W, h, SVG_W, h);
	buf_printf(b,
	           "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" "
	           "fill=\"#ffffff\"/>\n",
	           SVG_W, h);

	/* the funnel: per stage, the leads touched and the replies */
	svg_text(b, 16, 30, "start", 18, C_INK, "bold", "Follow-up funnel");
	buf_printf(b,
	           "<rect x=\"%d\" y=\"42\" width=\"12\" height=\"12\" "
	           "fill=\"%s\"/>\n",
	           FUN_X, C_BAR);
	svg_text(b, FUN_X + 18, 52, "start", 12, C_MUTED, NULL,
	         "leads touched");
	buf_printf(b,
	           "<rect x=\"%d\" y=\"42\" width=\"12\" height=\"12\" "
	           "fill=\"%s\"/>\n",
	           FUN_X + 130, C_REPLY);
	svg_text(b, FUN_X + 148, 52, "start", 12, C_MUTED, NULL,
	         "replied after this stage");
	if (r->nstages == 0)
		svg_text(b, FUN_X, 90, "start", 13, C_MUTED, NULL,
		         "No touches in this period.");
	for (size_t i = 0; i < r->nstages; i++) {
		const struct report_stage *s = &r->stages[i];
		int wl = s->leads ? s->leads * FUN_W / maxl : 0;
		int wr = s->replies ? s->replies * FUN_W / maxl : 0;

		y = 70 + (int)i * FUN_ROW;
		if (s->leads && wl < 3)
			wl = 3;
		if (s->replies && wr < 3)
			wr = 3;
		snprintf(line, sizeof line, "Stage %s", s->label);
		svg_text(b, FUN_X - 10, y + 14, "end", 13, C_INK, NULL, line);
		buf_printf(b, "<rect class=\"bar stage\" data-stage=\"");
		buf_add_html(b, s->label);
		buf_printf(b,
		           "\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\" "
		           "rx=\"2\" fill=\"%s\"><title>",
		           FUN_X, y, wl, C_BAR);
		buf_add_html(b, line);
		buf_printf(b, ": %d leads, %d touches</title></rect>\n",
		           s->leads, s->touches);
		if (wr)
			buf_printf(b,
			           "<rect class=\"reply\" x=\"%d\" y=\"%d\" "
			           "width=\"%d\" height=\"8\" rx=\"1\" "
			           "fill=\"%s\"/>\n",
			           FUN_X, y + 21, wr, C_REPLY);
		snprintf(line, sizeof line, "%d %s, %d %s (%.1f%%)", s->leads,
		         plural(s->leads, "lead", "leads"), s->replies,
		         plural(s->replies, "reply", "replies"),
		         100.0 * report_rate(s->replies, s->leads));
		svg_text(b, FUN_X + wl + 8, y + 14, "start", 12, C_MUTED, NULL,
		         line);
	}

	/* contacts before the first reply, with the often-quoted band */
	y = fun_h + 40;
	base = y + 30 + HIST_H;
	svg_text(b, 16, y, "start", 18, C_INK, "bold",
	         "Contacts before the first reply");
	{
		int slot = HIST_W / REPORT_NCONTACTS;
		int bx = HIST_X + 4 * slot;
		buf_printf(b,
		           "<rect x=\"%d\" y=\"%d\" width=\"%d\" "
		           "height=\"%d\" fill=\"%s\"/>\n",
		           bx, y + 14, 8 * slot, HIST_H + 16, C_BAND);
		svg_text(b, bx + 4 * slot, y + 28, "middle", 11, C_MUTED, NULL,
		         "often quoted: the 5th to the 12th contact");
		buf_printf(b,
		           "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		           "stroke=\"%s\"/>\n",
		           HIST_X, base, HIST_X + HIST_W, base, C_RULE);
		for (int k = 0; k < REPORT_NCONTACTS; k++) {
			int bh = r->contacts[k] * (HIST_H - 30) / maxc;
			int x = HIST_X + k * slot + 6;
			if (r->contacts[k] && bh < 3)
				bh = 3;
			if (bh)
				buf_printf(b,
				           "<rect class=\"bar contacts\" "
				           "data-contacts=\"%d\" x=\"%d\" "
				           "y=\"%d\" width=\"%d\" "
				           "height=\"%d\" rx=\"2\" "
				           "fill=\"%s\"/>\n",
				           k + 1, x, base - bh, slot - 12, bh,
				           C_REPLY);
			snprintf(line, sizeof line, "%d", r->contacts[k]);
			if (r->contacts[k])
				svg_text(b, x + (slot - 12) / 2, base - bh - 5,
				         "middle", 11, C_INK, NULL, line);
			snprintf(line, sizeof line, "%d%s", k + 1,
			         k == REPORT_NCONTACTS - 1 ? "+" : "");
			svg_text(b, x + (slot - 12) / 2, base + 16, "middle",
			         12, C_INK, NULL, line);
		}
		svg_text(b, HIST_X + HIST_W / 2, base + 36, "middle", 12,
		         C_MUTED, NULL,
		         "touches received before the first reply");
	}
	buf_adds(b, "</svg>\n");
}

/* ---- HTML */

/* html_funnel: the stage table; the channel columns are email and those
 * used in the period (used[c] != 0) */
static void
html_funnel(struct buf *b, const struct report_stage *s, size_t n,
            const int *used)
{
	buf_adds(b, "<table><thead><tr><th>Stage</th><th>Leads</th>"
	            "<th>Touches</th>");
	for (int c = 0; c < REPORT_NCHAN; c++) {
		if (c > 0 && used[c] == 0)
			continue;
		buf_adds(b, "<th>");
		buf_adds(b, report_channels[c]);
		buf_adds(b, "</th>");
	}
	buf_adds(b, "<th>Replies</th><th>Rate</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < n; i++) {
		buf_adds(b, "<tr><td>");
		buf_add_html(b, s[i].label);
		buf_printf(b, "</td><td>%d</td><td>%d</td>", s[i].leads,
		           s[i].touches);
		for (int c = 0; c < REPORT_NCHAN; c++)
			if (c == 0 || used[c])
				buf_printf(b, "<td>%d</td>", s[i].channel[c]);
		buf_printf(b, "<td>%d</td><td>%.1f%%</td></tr>\n", s[i].replies,
		           100.0 * report_rate(s[i].replies, s[i].leads));
	}
	buf_adds(b, "</tbody></table>\n");
}

static void
html_row(struct buf *b, const char *k, const char *v)
{
	buf_adds(b, "<tr><th>");
	buf_add_html(b, k);
	buf_adds(b, "</th><td>");
	buf_add_html(b, v);
	buf_adds(b, "</td></tr>\n");
}

void
report_html(const struct report *r, const char *tz, const char *title,
            struct buf *b)
{
	char d0[16], d1[16], v[200];
	struct buf t;

	buf_init(&t);
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	            "<meta charset=\"utf-8\">\n"
	            "<meta name=\"viewport\" content=\"width=device-width\">\n"
	            "<title>");
	buf_add_html(b, title ? title : "nudge report");
	buf_adds(b, "</title>\n<style>\n"
	            "body{font-family:Helvetica,Arial,sans-serif;color:#222;"
	            "max-width:820px;margin:2em auto;padding:0 1em}\n"
	            "h1{font-size:1.6em;margin-bottom:.2em}"
	            "h2{font-size:1.2em;margin-top:1.6em}\n"
	            ".period{color:#666;margin-top:0}\n"
	            "table{border-collapse:collapse;margin:.5em 0}\n"
	            "th,td{padding:.25em .6em;border-bottom:1px solid #ddd;"
	            "text-align:right}\n"
	            "th:first-child,td:first-child{text-align:left}\n"
	            "table.totals th{text-align:left;font-weight:normal;"
	            "color:#555}\n"
	            "svg{max-width:100%;height:auto}\n"
	            "@media print{body{margin:0;max-width:none}"
	            "h2{break-after:avoid}svg,table{break-inside:avoid}}\n"
	            "</style></head><body>\n<h1>");
	buf_add_html(b, title ? title : "Follow-up report");
	buf_printf(b, "</h1>\n<p class=\"period\">%s to %s (%d %s)</p>\n",
	           day_str(r, r->first_day, tz, d0, sizeof d0),
	           day_str(r, r->first_day + r->ndays - 1, tz, d1, sizeof d1),
	           r->ndays, plural(r->ndays, "day", "days"));

	buf_adds(b, "<h2>Totals</h2>\n<table class=\"totals\">\n");
	snprintf(v, sizeof v, "%d", r->entered);
	html_row(b, "Leads entered", v);
	snprintf(v, sizeof v, "%d", r->leads_touched);
	html_row(b, "Leads touched", v);
	snprintf(v, sizeof v, "%d", r->touches);
	html_row(b, "Touches", v);
	snprintf(v, sizeof v, "%d (%.1f%% of leads touched; %d reply %s)",
	         r->replies, 100.0 * report_rate(r->replies, r->leads_touched),
	         r->reply_messages,
	         plural(r->reply_messages, "message", "messages"));
	html_row(b, "Replies", v);
	if (r->nbdays)
		snprintf(v, sizeof v, "median %.1f business days",
		         r->median_bdays);
	else
		snprintf(v, sizeof v, "-");
	html_row(b, "Time to first reply", v);
	for (int i = 0; i < REPORT_NINTENT; i++)
		if (r->intents[i])
			buf_printf(&t, "%s%s %d", t.len ? ", " : "",
			           report_intents[i], r->intents[i]);
	html_row(b, "Intents", t.len ? t.s : "-");
	snprintf(v, sizeof v, "%d", r->out_of_office);
	html_row(b, "Out of office", v);
	snprintf(v, sizeof v, "%d hard, %d soft; %d %s bounced", r->bounce_hard,
	         r->bounce_soft, r->bounced,
	         plural(r->bounced, "lead", "leads"));
	html_row(b, "Bounces", v);
	snprintf(v, sizeof v, "%d", r->opted_out);
	html_row(b, "Opt-outs", v);
	snprintf(v, sizeof v, "%d (%d still open)", r->reviews,
	         r->reviews_open);
	html_row(b, "Reviews", v);
	if (r->cap > 0)
		snprintf(v, sizeof v,
		         "at most %d of the cap of %ld; %d %s at "
		         "the cap",
		         r->sent_max, r->cap, r->days_at_cap,
		         plural(r->days_at_cap, "day", "days"));
	else
		snprintf(v, sizeof v, "at most %d (no cap)", r->sent_max);
	html_row(b, "Sends per day", v);
	buf_adds(b, "</table>\n<h2>Charts</h2>\n");
	report_svg(r, 0, b);
	buf_adds(b, "<h2>Funnel, all sequences</h2>\n");
	html_funnel(b, r->stages, r->nstages, r->channel);
	for (size_t i = 0; r->nseqs > 1 && i < r->nseqs; i++) {
		if (r->seqs[i].nstages == 0)
			continue;
		buf_adds(b, "<h2>Sequence ");
		buf_add_html(b, r->seqs[i].name);
		buf_printf(b, "</h2>\n<p>%d enrolled in the period</p>\n",
		           r->seqs[i].enrolled);
		html_funnel(b, r->seqs[i].stages, r->seqs[i].nstages,
		            r->channel);
	}
	if (r->nversions > 0) {
		buf_adds(b, "<h2>By template version</h2>\n<table><thead><tr>"
		            "<th>Stage</th><th>Version</th><th>Sent</th>"
		            "<th>Replies</th><th>Rate</th></tr></thead><tbody>\n");
		for (size_t i = 0; i < r->nversions; i++) {
			const struct report_version *tv = &r->versions[i];
			buf_adds(b, "<tr><td>");
			buf_add_html(b, tv->stage);
			buf_adds(b, "</td><td>");
			buf_add_html(b, tv->version);
			buf_printf(b, "</td><td>%d</td><td>%d</td><td>%.0f%%</td>"
			              "</tr>\n",
			    tv->sent, tv->replies,
			    100.0 * report_rate(tv->replies, tv->sent));
		}
		buf_adds(b, "</tbody></table>\n");
	}
	buf_adds(b, "<h2>Contacts before the first reply</h2>\n<table>"
	            "<thead><tr><th>Contacts</th><th>Replies</th></tr></thead>"
	            "<tbody>\n");
	for (int k = 0; k < REPORT_NCONTACTS; k++)
		buf_printf(b, "<tr><td>%d%s</td><td>%d</td></tr>\n", k + 1,
		           k == REPORT_NCONTACTS - 1 ? "+" : "",
		           r->contacts[k]);
	buf_adds(b, "</tbody></table>\n</body></html>\n");
	buf_free(&t);
}
