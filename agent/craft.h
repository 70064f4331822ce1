/*
 * craft - what a message or a task says for one lead: the render variables
 * (the lead, the salesperson, the value item), the value-library pick for a
 * touch, and the scripts of the manual tasks (call, text, note, research).
 *
 * The send path (outbox), preview and the agenda all render through these, so
 * a lead sees in `agenda --full` and `preview` exactly what tick would send.
 * Errors follow the project contract: CRAFT_OK or a CRAFT_E* code, with a
 * malloc'd one-line message in *errstr on failure only.
 */
#ifndef NUDGE_CRAFT_H
#define NUDGE_CRAFT_H

#include <time.h>

#include "lifecycle.h"
#include "store.h"
#include "template.h"

enum {
	CRAFT_OK = 0,
	CRAFT_EDB,      /* the store failed */
	CRAFT_ENOFILE,  /* no template for this stage and channel */
	CRAFT_ETEMPLATE /* a template is broken or does not render */
};

/* The variables of one render; fill with craft_vars_init, free with
 * craft_vars_free. */
struct craft_vars {
	struct nudge *n;
	const struct lead *l;
	const char *stage;
	const struct value_item *value; /* set by the caller for X touches */
	time_t now;
	char date[48];
	char weekday[16];
	char local_time[96];
	char sender_first[128];
	char *signature;  /* the signature file, or built from name/title/phone */
	char *last_notes; /* the lead's last three notes, one a line */
	char *ask_source; /* "Ask SOURCE about NAME." when the lead has a source */
};

/*
 * craft_vars_init: the variables for lead l at stage `stage` (a label such as
 * "3" or "X2") and time now.  Reads the signature file and the lead's notes;
 * a failure there leaves that variable unset (a warning is logged).
 */
void craft_vars_init(struct craft_vars *v, struct nudge *n,
                     const struct lead *l, const char *stage, time_t now);
void craft_vars_free(struct craft_vars *v);

/*
 * craft_lookup: the template_lookup callback over a struct craft_vars: the
 * lead's fields (custom fields included), sender.* from the config (NULL when
 * not configured: the render then names the key to set), date, weekday,
 * local_time, last_notes, ask_source and value.*.
 */
const char *craft_lookup(void *arg, const char *var);

/* craft_field: the value of the lead's custom field key, or NULL. */
const char *craft_field(const struct lead *l, const char *key);

/*
 * craft_is_hot: 1 when the lead is marked hot: its custom field hot, rating or
 * lead_status says "hot" (or hot is yes/true/1).
 */
int craft_is_hot(const struct lead *l);

/*
 * craft_sender_set: the sender.* variables the config defines, written to
 * set[] (room for 8, static strings); returns how many.
 */
size_t craft_sender_set(const struct config *c, const char **set);

/*
 * craft_value_pick: the value item for this touch of lead l: at an X stage the
 * best unused item (value_pick), at stage 3 or 4 the personal item that
 * matches the lead's interests (value_pick_personal), else none.  *out is NULL
 * when nothing is picked; at an X stage *why then says why (malloc'd; the
 * touch must be held).  CRAFT_EDB when the store fails.
 */
int craft_value_pick(struct nudge *n, const struct value_item *items,
                     size_t nitems, const struct lead *l, const char *stage,
                     const struct value_item **out, char **why,
                     char **errstr);


/* craft_local_time: "Tuesday 09:05 (America/New_York)", the lead's local time
 * at now (its own zone, else the salesperson's), into buf. */
void craft_local_time(struct nudge *n, const struct lead *l, time_t now,
                      char *buf, size_t len);

/* craft_is_x: 1 when stage is an X label ("X", "X3", "x1"). */
int craft_is_x(const char *stage);

/*
 * craft_render_task: the script of a manual task: templates/[SEQ/]STEP.CHANNEL
 * (e.g. 2.call, x.research) rendered for lead l, in *text (malloc'd).
 * CRAFT_ENOFILE when the sequence ships no such file, CRAFT_ETEMPLATE when it
 * is broken or a variable has no value (*errstr says which).
 */
int craft_render_task(struct nudge *n, const struct lead *l, const char *stage,
                      const char *channel, time_t now, char **text,
                      char **errstr);

#endif
