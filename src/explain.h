/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `vqtrace explain`: run one notification decision through the model
 * (model.h) and say why, with the index arithmetic written out.
 */
#ifndef __VQTRACE_EXPLAIN_H
#define __VQTRACE_EXPLAIN_H

#include <stdio.h>

/* argv[0] is "explain". Writes to stdout/stderr; returns the exit status:
 * 0 on success (whatever the decision), 2 on a usage error. */
int explain_main(int argc, char **argv);

/* Same, with explicit streams (tests capture them). Usage errors are one
 * line on err: "vqtrace explain: <what is wrong>; <what to do>". */
int explain_run(int argc, char **argv, FILE *out, FILE *err);

#endif /* __VQTRACE_EXPLAIN_H */
