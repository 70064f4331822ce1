/*
 * fuzz_config - the configuration file parser (config_parse), and config_set
 * with a key and value taken from the input (first line = key, the rest =
 * value) on a fresh config.
 *
 * Checks: an error comes with a message and no config; a config that parses
 * has from_addr set (config_check passed).
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c = NULL;
	char *text, *err = NULL, *nl;

	text = fuzz_strndup(data, size);
	if (config_parse("/nonexistent/fuzz/config", text, &c, &err) ==
	    CONFIG_OK) {
		fuzz_check(c != NULL && c->from_addr != NULL &&
		               *c->from_addr != '\0',
		           "config without from_addr");
		config_free(c);
	} else {
		fuzz_check(c == NULL, "config set on failure");
		fuzz_check(err != NULL && *err != '\0',
		           "error without message");
		free(err);
	}
	err = NULL;
	if ((nl = strchr(text, '\n')) != NULL) {
		*nl = '\0';
		c = config_new();
		if (config_set(c, text, nl + 1, &err) != CONFIG_OK)
			free(err);
		err = NULL;
		if (config_check(c, &err) != CONFIG_OK)
			free(err);
		config_free(c);
	}
	free(text);
	return 0;
}
