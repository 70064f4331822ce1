/* classify_intent - what a human reply wants; see classify.h, classify_p.h */
#include "autoconf.h"

#include "classify_p.h"
