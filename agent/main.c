/* main - the nudge program: everything lives in the library; see cli.h. */
#include "autoconf.h"

#include <malloc.h>

#include "cli.h"

int
main(int argc, char **argv)
{
	/* keep freed memory instead of giving it back to the kernel after every
	 * large free: a bulk import otherwise spends a fifth of its time in brk
	 * and page faults */
	mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	mallopt(M_TOP_PAD, 4 * 1024 * 1024);
	return cli_main(argc, argv);
}
