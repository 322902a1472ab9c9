// wait.h is header-only; this file keeps the support library's source list non-empty
// even before other helpers land.
#include "support/wait.h"
