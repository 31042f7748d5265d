// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target: vqtrace's command line (env_parse in src/env.c).
 * The input is argv after the program name, arguments separated by NUL
 * bytes. Besides the sanitizers' own checks: the result is 0, 1 or 2; an
 * error (2) is exactly one line on stderr starting "vqtrace: " (the CLI
 * contract tests/cli/run.sh checks by hand), anything else writes nothing
 * there; and a successful parse leaves a consistent env. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2], *buf = malloc(size + 1), *msg = NULL;
	FILE *saved = stderr, *capture;
	struct env env;
	int argc = 0, rc;
	size_t n = 0, lines = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "vqtrace";
	for (char *p = buf; argc <= MAX_ARGS && p < buf + size; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;

	/* vqtrace's messages only: the sanitizers write to fd 2 directly */
	capture = open_memstream(&msg, &n);
	if (!capture)
		abort();
	stderr = capture;
	rc = env_parse(&env, argc, argv);
	stderr = saved;
	fclose(capture);
	for (size_t i = 0; i < n; i++)
		lines += msg[i] == '\n';
	if (rc < 0 || rc > 2)
		abort();
	if (rc == 2 && (lines != 1 || !n || msg[n - 1] != '\n' || strncmp(msg, "vqtrace: ", 9))) {
		fprintf(stderr, "fuzz_env: error message is not one line: '%s'\n", msg);
		abort();
	}
	if (rc != 2 && n) {
		fprintf(stderr, "fuzz_env: status %d but stderr says '%s'\n", rc, msg);
		abort();
	}
	if (rc == 0) {
		/* what the rest of vqtrace relies on after a successful parse */
		if (env.npids < 0 || env.npids > VQ_MAX_TARGETS)
			abort();
		for (int i = 0; i < env.npids; i++)
			if (env.pids[i] <= 0)
				abort();
		if (!(env.interval_s >= 0.01) || env.duration_s < 0 || env.max_vqs < 1)
			abort();
		if (env.command && (env.npids || !env.command[0]))
			abort();
		if (env.prom_port > 65535 || !memchr(env.prom_addr, '\0', sizeof(env.prom_addr)))
			abort();
	}
	free(msg);
	free(buf);
	return 0;
}
