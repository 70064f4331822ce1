/* calendar_country - the country of a lead from a field, a phone number or a
 * time zone (see calendar.h) */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "calendar.h"

/*
 * The countries nudge can name, with the spellings a country field may hold
 * (matched after folding ASCII case, dropping dots and squeezing spaces; "the"
 * in front is dropped too).  The first name is the English one.  A country
 * without a rule file is still worth naming: its leads then get no country
 * holidays instead of another country's.
 */
struct country {
	const char *code;
	const char *names[10];
};

static const struct country countries[] = {
    {"US",
     {"United States", "USA", "US", "United States of America", "America",
      "Vereinigte Staaten", "Etats-Unis", "États-Unis", "Estados Unidos",
      "Stati Uniti"}},
    {"GB",
     {"United Kingdom", "GBR", "UK", "Great Britain", "Britain", "England",
      "Scotland", "Wales", "Northern Ireland", "Vereinigtes Königreich"}},
    {"DE",
     {"Germany", "DEU", "Deutschland", "Allemagne", "Alemania", "Germania",
      "Duitsland", "Federal Republic of Germany",
      "Bundesrepublik Deutschland"}},
    {"FR",
     {"France", "FRA", "Frankreich", "Francia", "Frankrijk",
      "République française"}},
    {"ES",
     {"Spain", "ESP", "España", "Espana", "Spanien", "Espagne", "Spagna",
      "Spanje", "Kingdom of Spain"}},
    {"IT", {"Italy", "ITA", "Italia", "Italien", "Italie", "Italië"}},
    {"NL",
     {"Netherlands", "NLD", "Nederland", "Holland", "Niederlande", "Pays-Bas",
      "Países Bajos", "Paesi Bassi", "Kingdom of the Netherlands"}},
    {"CA", {"Canada", "CAN", "Kanada"}},
    {"AU", {"Australia", "AUS", "Australien", "Australie"}},
    {"JP", {"Japan", "JPN", "Nippon", "Nihon", "日本", "Japon", "Giappone"}},
    {"AT", {"Austria", "AUT", "Österreich", "Osterreich", "Oesterreich"}},
    {"CH", {"Switzerland", "CHE", "Schweiz", "Suisse", "Svizzera"}},
    {"BE", {"Belgium", "BEL", "België", "Belgie", "Belgique", "Belgien"}},
    {"IE", {"Ireland", "IRL", "Éire", "Eire", "Republic of Ireland"}},
    {"PT", {"Portugal", "PRT"}},
    {"LU", {"Luxembourg", "LUX", "Luxemburg"}},
    {"DK", {"Denmark", "DNK", "Danmark"}},
    {"SE", {"Sweden", "SWE", "Sverige"}},
    {"NO", {"Norway", "NOR", "Norge"}},
    {"FI", {"Finland", "FIN", "Suomi"}},
    {"PL", {"Poland", "POL", "Polska"}},
    {"CZ", {"Czechia", "CZE", "Czech Republic", "Česko"}},
    {"NZ", {"New Zealand", "NZL", "Aotearoa"}},
    {"MX", {"Mexico", "MEX", "México"}},
    {"BR", {"Brazil", "BRA", "Brasil"}},
    {"IN", {"India", "IND", "Bharat"}},
    {"CN", {"China", "CHN"}},
    {"KR", {"South Korea", "KOR", "Korea", "Republic of Korea"}},
    {"SG", {"Singapore", "SGP"}},
    {"IL", {"Israel", "ISR"}},
    {"ZA", {"South Africa", "ZAF"}},
};
#define NCOUNTRIES (sizeof countries / sizeof countries[0])

/* Country calling codes (ITU E.164; they are prefix-free). */
static const struct {
	const char *prefix, *code;
} dial[] = {
    {"1", "US"},   {"27", "ZA"},  {"31", "NL"},  {"32", "BE"},  {"33", "FR"},
    {"34", "ES"},  {"39", "IT"},  {"41", "CH"},  {"420", "CZ"}, {"43", "AT"},
    {"44", "GB"},  {"45", "DK"},  {"46", "SE"},  {"47", "NO"},  {"48", "PL"},
    {"49", "DE"},  {"52", "MX"},  {"55", "BR"},  {"61", "AU"},  {"64", "NZ"},
    {"65", "SG"},  {"81", "JP"},  {"82", "KR"},  {"86", "CN"},  {"91", "IN"},
    {"351", "PT"}, {"352", "LU"}, {"353", "IE"}, {"358", "FI"}, {"972", "IL"},
};

/* Canadian area codes of the North American Numbering Plan. */
static const char *const ca_area[] = {
    "204", "226", "236", "249", "250", "257", "263", "289", "306", "343",
    "354", "365", "367", "368", "382", "403", "416", "418", "428", "431",
    "437", "438", "450", "460", "468", "474", "506", "514", "519", "548",
    "579", "581", "584", "587", "600", "604", "613", "639", "647", "672",
    "683", "705", "709", "742", "753", "778", "780", "782", "807", "819",
    "825", "867", "873", "879", "902", "905", "942",
};

/* Time zones: an entry ending in '/' matches every zone under it. */
static const struct {
	const char *zone, *code;
} zones[] = {
    {"America/New_York", "US"},
    {"America/Chicago", "US"},
    {"America/Denver", "US"},
    {"America/Los_Angeles", "US"},
    {"America/Phoenix", "US"},
    {"America/Anchorage", "US"},
    {"America/Adak", "US"},
    {"America/Boise", "US"},
    {"America/Detroit", "US"},
    {"America/Indiana/", "US"},
    {"America/Kentucky/", "US"},
    {"America/North_Dakota/", "US"},
    {"America/Menominee", "US"},
    {"America/Juneau", "US"},
    {"America/Sitka", "US"},
    {"America/Nome", "US"},
    {"America/Yakutat", "US"},
    {"America/Metlakatla", "US"},
    {"America/Indianapolis", "US"},
    {"America/Louisville", "US"},
    {"Pacific/Honolulu", "US"},
    {"US/", "US"},
    {"America/Toronto", "CA"},
    {"America/Vancouver", "CA"},
    {"America/Montreal", "CA"},
    {"America/Edmonton", "CA"},
    {"America/Winnipeg", "CA"},
    {"America/Halifax", "CA"},
    {"America/St_Johns", "CA"},
    {"America/Regina", "CA"},
    {"America/Swift_Current", "CA"},
    {"America/Moncton", "CA"},
    {"America/Glace_Bay", "CA"},
    {"America/Goose_Bay", "CA"},
    {"America/Whitehorse", "CA"},
    {"America/Dawson", "CA"},
    {"America/Dawson_Creek", "CA"},
    {"America/Fort_Nelson", "CA"},
    {"America/Creston", "CA"},
    {"America/Yellowknife", "CA"},
    {"America/Inuvik", "CA"},
    {"America/Iqaluit", "CA"},
    {"America/Rankin_Inlet", "CA"},
    {"America/Resolute", "CA"},
    {"America/Cambridge_Bay", "CA"},
    {"America/Atikokan", "CA"},
    {"America/Blanc-Sablon", "CA"},
    {"America/Nipigon", "CA"},
    {"America/Thunder_Bay", "CA"},
    {"America/Rainy_River", "CA"},
    {"America/Pangnirtung", "CA"},
    {"Canada/", "CA"},
    {"Europe/London", "GB"},
    {"Europe/Belfast", "GB"},
    {"GB", "GB"},
    {"Europe/Berlin", "DE"},
    {"Europe/Busingen", "DE"},
    {"Europe/Paris", "FR"},
    {"Europe/Madrid", "ES"},
    {"Africa/Ceuta", "ES"},
    {"Atlantic/Canary", "ES"},
    {"Europe/Rome", "IT"},
    {"Europe/Amsterdam", "NL"},
    {"Australia/", "AU"},
    {"Asia/Tokyo", "JP"},
    {"Japan", "JP"},
    {"Europe/Vienna", "AT"},
    {"Europe/Zurich", "CH"},
    {"Europe/Brussels", "BE"},
    {"Europe/Dublin", "IE"},
    {"Eire", "IE"},
    {"Europe/Lisbon", "PT"},
    {"Atlantic/Madeira", "PT"},
    {"Atlantic/Azores", "PT"},
    {"Europe/Luxembourg", "LU"},
    {"Europe/Copenhagen", "DK"},
    {"Europe/Stockholm", "SE"},
    {"Europe/Oslo", "NO"},
    {"Europe/Helsinki", "FI"},
    {"Europe/Warsaw", "PL"},
    {"Europe/Prague", "CZ"},
    {"Pacific/Auckland", "NZ"},
    {"NZ", "NZ"},
    {"America/Mexico_City", "MX"},
    {"America/Sao_Paulo", "BR"},
    {"Asia/Kolkata", "IN"},
    {"Asia/Calcutta", "IN"},
    {"Asia/Shanghai", "CN"},
    {"Asia/Seoul", "KR"},
    {"Asia/Singapore", "SG"},
    {"Asia/Jerusalem", "IL"},
    {"Africa/Johannesburg", "ZA"},
};

/* fold: s with ASCII letters in lower case, dots dropped, runs of spaces,
 * tabs, commas and hyphens squeezed into one space, a leading "the " dropped;
 * into buf (truncated). */
static void
fold(const char *s, char *buf, size_t len)
{
	size_t k = 0;
	int space = 1;

	for (; *s && k + 1 < len; s++) {
		char ch = *s;

		if (ch == '.')
			continue;
		if (ch == ' ' || ch == '\t' || ch == ',' || ch == '-' ||
		    ch == '_') {
			if (!space)
				buf[k++] = ' ';
			space = 1;
			continue;
		}
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		buf[k++] = ch;
		space = 0;
	}
	while (k > 0 && buf[k - 1] == ' ')
		k--;
	buf[k] = '\0';
	if (strncmp(buf, "the ", 4) == 0)
		memmove(buf, buf + 4, k - 3);
}

static const char *
from_field(const char *field)
{
	char want[128], have[128];

	fold(field, want, sizeof want);
	if (want[0] == '\0')
		return NULL;
	if (strcmp(want, "uk") == 0)
		return "GB";
	for (size_t i = 0; i < NCOUNTRIES; i++) {
		if (strcasecmp(want, countries[i].code) == 0)
			return countries[i].code;
		for (size_t j = 0; j < 10 && countries[i].names[j]; j++) {
			fold(countries[i].names[j], have, sizeof have);
			if (strcmp(want, have) == 0)
				return countries[i].code;
		}
	}
	return NULL;
}

static int
canadian_zone(const char *tz)
{
	for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
		if (strcmp(zones[i].code, "CA") == 0 &&
		    (strcmp(tz, zones[i].zone) == 0 ||
		     (zones[i].zone[strlen(zones[i].zone) - 1] == '/' &&
		      strncmp(tz, zones[i].zone, strlen(zones[i].zone)) == 0)))
			return 1;
	return 0;
}

/* from_phone: the digits of an international number ("+", or "00" then
 * the digits; spaces, dots, dashes, slashes and parentheses are skipped). */
static const char *
from_phone(const char *phone, const char *tz)
{
	char d[24];
	size_t k = 0;
	const char *p = phone;

	p += strspn(p, " \t");
	if (*p == '+')
		p++;
	else if (p[0] == '0' && p[1] == '0')
		p += 2;
	else
		return NULL;
	for (; *p && k + 1 < sizeof d; p++) {
		if (*p >= '0' && *p <= '9')
			d[k++] = *p;
		else if (strchr(" .-/()\t", *p) == NULL)
			break;
	}
	d[k] = '\0';
	if (k < 4)
		return NULL;
	for (size_t i = 0; i < sizeof dial / sizeof dial[0]; i++) {
		size_t n = strlen(dial[i].prefix);

		if (strncmp(d, dial[i].prefix, n) != 0)
			continue;
		if (strcmp(dial[i].code, "US") != 0)
			return dial[i].code;
		for (size_t j = 0; j < sizeof ca_area / sizeof ca_area[0]; j++)
			if (strncmp(d + 1, ca_area[j], 3) == 0)
				return "CA";
		return tz && canadian_zone(tz) ? "CA" : "US";
	}
	return NULL;
}

static const char *
from_zone(const char *tz)
{
	for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
		size_t n = strlen(zones[i].zone);

		if (strcmp(tz, zones[i].zone) == 0 ||
		    (zones[i].zone[n - 1] == '/' &&
		     strncmp(tz, zones[i].zone, n) == 0))
			return zones[i].code;
	}
	return NULL;
}

const char *
calendar_country(const char *field, const char *phone, const char *tz)
{
	const char *cc = NULL;

	if (field && *field)
		cc = from_field(field);
	if (cc == NULL && phone && *phone)
		cc = from_phone(phone, tz);
	if (cc == NULL && tz && *tz)
		cc = from_zone(tz);
	return cc;
}

const char *
calendar_country_name(const char *cc)
{
	if (cc == NULL)
		return NULL;
	if (strcasecmp(cc, "UK") == 0)
		cc = "GB";
	for (size_t i = 0; i < NCOUNTRIES; i++)
		if (strcasecmp(cc, countries[i].code) == 0)
			return countries[i].names[0];
	return NULL;
}
