// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target: `vqtrace explain` (explain_run in src/explain.c, over
 * the model in src/model.c). The input is argv after "explain", arguments
 * separated by NUL bytes. Output goes to /dev/null; the exit status must be
 * 0 or 2, and a usage error (2) must be exactly one line on stderr. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"

#define MAX_ARGS 64

static FILE *out;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2], *buf = malloc(size + 1), *msg = NULL;
	size_t msg_len = 0, lines = 0;
	FILE *err;
	int argc = 0, rc;

	if (!buf)
		return 0;
	if (!out)
		out = fopen("/dev/null", "w");
	err = open_memstream(&msg, &msg_len);
	if (!out || !err)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "explain";
	for (char *p = buf; argc <= MAX_ARGS && p < buf + size; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;

	rc = explain_run(argc, argv, out, err);
	fclose(err);
	for (size_t i = 0; i < msg_len; i++)
		lines += msg[i] == '\n';
	if (rc != 0 && rc != 2)
		abort();
	if (rc == 2 && (lines != 1 || msg_len == 0 || msg[msg_len - 1] != '\n' ||
			strncmp(msg, "vqtrace explain: ", 17)))
		abort();
	free(msg);
	free(buf);
	return 0;
}
