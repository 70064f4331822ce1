/* cmd_craft - nudge lead set | hot | pick: the lead data the messages use.
 *
 * Handlers for cmd_lead.c's dispatch (one line each there):
 *   if (strcmp(argv[0], "set") == 0) return craft_cmd_lead_set(n, argc, argv);
 *   if (strcmp(argv[0], "hot") == 0) return craft_cmd_lead_hot(n, argc, argv);
 *   if (strcmp(argv[0], "pick") == 0) return craft_cmd_lead_pick(n, argc, argv);
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "clock.h"
#include "commands.h"
#include "craft.h"
#include "xalloc.h"

const char craft_usage_lead[] =
    "       nudge lead set EMAIL KEY=VALUE...   (KEY=  removes the field)\n"
    "       nudge lead hot EMAIL [--off]\n"
    "       nudge lead pick EMAIL [--stage S]\n";

/* key_ok: custom field names are template variables: [a-z0-9_], 1-64. */
static int
key_ok(const char *k, size_t n)
{
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)k[i]) &&
		    !isdigit((unsigned char)k[i]) && k[i] != '_')
			return 0;
	return 1;
}

/* save: write l's fields back, with an event naming what changed. */
static int
save(struct nudge *n, struct lead *l, const char *what, const char *cmd)
{
	char *err = NULL;
	time_t now = clock_now();

	l->updated = now;
	if (store_begin(n->st, &err) != STORE_OK ||
	    store_lead_update(n->st, l, &err) != STORE_OK ||
	    store_event_add(n->st, l->id, now, "fields", what, NULL, &err) !=
		STORE_OK ||
	    store_commit(n->st, &err) != STORE_OK) {
		lead_free(l);
		return cli_fail_tx(n, err, EX_SOFTWARE);
	}
	printf("%s: %s\n", l->email, what);
	(void)cmd;
	lead_free(l);
	return EX_OK;
}

int
craft_cmd_lead_set(struct nudge *n, int argc, char **argv)
{
	struct lead *l;
	struct buf what;
	int rc, i;

	if (argc < 3) {
		fprintf(stderr, "usage:\n%s", craft_usage_lead);
		return EX_USAGE;
	}
	for (i = 2; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		if (eq == NULL || !key_ok(argv[i], (size_t)(eq - argv[i]))) {
			fprintf(stderr, "nudge lead set: '%s': want KEY=VALUE, "
					"KEY of a-z, 0-9 and _\n", argv[i]);
			return EX_USAGE;
		}
		for (const char *p = eq + 1; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				fprintf(stderr, "nudge lead set: control "
						"character in '%s'\n", argv[i]);
				return EX_USAGE;
			}
	}
	if ((rc = cli_open(n, 0)) != EX_OK)
		return rc;
	if ((l = cli_lead(n, argv[1])) == NULL)
		return EX_DATAERR;
	buf_init(&what);
	for (i = 2; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		char *k = xstrndup(argv[i], (size_t)(eq - argv[i]));
		lead_field_set(l, k, eq + 1);
		buf_printf(&what, "%s%s %s", what.len ? ", " : "",
		    eq[1] ? "set" : "removed", k);
		free(k);
	}
	rc = save(n, l, what.s, "set");
	buf_free(&what);
	return rc;
}

int
craft_cmd_lead_hot(struct nudge *n, int argc, char **argv)
{
	struct lead *l;
	int rc, off = 0;

	if (argc == 4 && strcmp(argv[3], "--off") == 0)
		off = 1;
	else if (argc == 3 && strcmp(argv[2], "--off") == 0) {
		off = 1;
	} else if (argc != 2) {
		fprintf(stderr, "usage:\n%s", craft_usage_lead);
		return EX_USAGE;
	}
	if ((rc = cli_open(n, 0)) != EX_OK)
		return rc;
	if ((l = cli_lead(n, argv[1])) == NULL)
		return EX_DATAERR;
	lead_field_set(l, "hot", off ? NULL : "yes");
	if (off) {
		/* a CRM column that said "hot" would keep it hot */
		lead_field_set(l, "rating", NULL);
		lead_field_set(l, "lead_status", NULL);
	}
	return save(n, l, off ? "no longer hot" : "marked hot", "hot");
}

int
craft_cmd_lead_pick(struct nudge *n, int argc, char **argv)
{
	const char *stage = "X";
	struct value_item *items = NULL;
	const struct value_item *v = NULL;
	size_t nitems = 0;
	struct lead *l;
	char *dir, *err = NULL, *why = NULL;
	int rc;

	if (argc == 4 && strcmp(argv[2], "--stage") == 0)
		stage = argv[3];
	else if (argc != 2) {
		fprintf(stderr, "usage:\n%s", craft_usage_lead);
		return EX_USAGE;
	}
	if ((rc = cli_open(n, 0)) != EX_OK)
		return rc;
	if ((l = cli_lead(n, argv[1])) == NULL)
		return EX_DATAERR;
	dir = xasprintf("%s/value", n->templates_dir);
	if (value_load_dir(dir, &items, &nitems, &err) != TEMPLATE_OK) {
		fprintf(stderr, "nudge lead pick: %s\n", err);
		free(err);
		free(dir);
		lead_free(l);
		return EX_DATAERR;
	}
	if (craft_value_pick(n, items, nitems, l, stage, &v, &why, &err) !=
	    CRAFT_OK) {
		fprintf(stderr, "nudge lead pick: %s\n", err);
		free(err);
		rc = EX_SOFTWARE;
	} else {
		struct value_lead vl = {craft_field(l, "interests"),
		    craft_field(l, "industry"), NULL};

		for (size_t i = 0; i < nitems; i++) {
			const char *b = value_blocked(&items[i]);
			printf("%s %-36s %-8s score %d%s%s\n",
			    v == &items[i] ? "*" : " ", items[i].name,
			    value_kind_name(items[i].kind),
			    value_score(&items[i], &vl, NULL), b ? ": " : "",
			    b ? "never sent (draft or example)" : "");
		}
		if (v)
			printf("stage %s of %s carries: %s (%s/%s.md)\n", stage,
			    l->email, v->title, dir, v->name);
		else
			printf("stage %s of %s carries no value item%s%s\n",
			    stage, l->email, why ? ": " : "", why ? why : "");
		rc = EX_OK;
	}
	free(why);
	free(dir);
	value_free(items, nitems);
	lead_free(l);
	return rc;
}
