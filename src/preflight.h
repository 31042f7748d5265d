/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Checks made before anything is loaded, each failing with one line that
 * says what to do. */
#ifndef __VQTRACE_PREFLIGHT_H
#define __VQTRACE_PREFLIGHT_H

#include "env.h"

/* Returns 0, or the exit status to leave with after the message. */
int preflight(const struct env *env);

#endif
