/* main - the nudge program: everything lives in the library; see cli.h. */
#include "autoconf.h"

#include "cli.h"

int
main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
