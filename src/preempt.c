// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "preempt.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <zlib.h>

static enum preempt_kind of_mode(const char *mode)
{
	if (!strcmp(mode, "none") || !strcmp(mode, "voluntary"))
		return PREEMPT_NO;
	if (!strcmp(mode, "full") || !strcmp(mode, "lazy") || !strcmp(mode, "rt"))
		return PREEMPT_YES;
	return PREEMPT_UNKNOWN;
}

/* The first line of a file; false if it cannot be read. */
static bool first_line(const char *path, char *line, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	if (!fgets(line, (int)len, f))
		line[0] = '\0';
	fclose(f);
	return true;
}

/* "none voluntary (full) lazy": the current mode is in parentheses. */
static enum preempt_kind from_debugfs(const char *path, char *mode, size_t len)
{
	char line[256], *open, *close;

	if (!first_line(path, line, sizeof(line)))
		return PREEMPT_UNKNOWN;
	open = strchr(line, '(');
	close = open ? strchr(open, ')') : NULL;
	if (!close)
		return PREEMPT_UNKNOWN;
	*close = '\0';
	snprintf(mode, len, "%s", open + 1);
	return of_mode(mode);
}

static enum preempt_kind from_cmdline(const char *path, char *mode, size_t len)
{
	char line[4096], *p;

	if (!first_line(path, line, sizeof(line)))
		return PREEMPT_UNKNOWN;
	for (p = strstr(line, "preempt="); p; p = strstr(p + 1, "preempt=")) {
		if (p != line && p[-1] != ' ')
			continue;
		snprintf(mode, len, "%.*s", (int)strcspn(p + 8, " \n"), p + 8);
		return of_mode(mode);
	}
	return PREEMPT_UNKNOWN;
}

/* The build's default model; gzip or plain text (gzread reads both). */
static enum preempt_kind from_config(const char *path, char *mode, size_t len)
{
	enum preempt_kind k = PREEMPT_UNKNOWN;
	gzFile f = gzopen(path, "r");
	char line[256];

	if (!f)
		return PREEMPT_UNKNOWN;
	while (gzgets(f, line, sizeof(line))) {
		if (!strncmp(line, "CONFIG_PREEMPT_NONE=y", 21) ||
		    !strncmp(line, "CONFIG_PREEMPT_VOLUNTARY=y", 26))
			k = PREEMPT_NO;
		else if (!strncmp(line, "CONFIG_PREEMPT=y", 16) ||
			 !strncmp(line, "CONFIG_PREEMPT_LAZY=y", 21) ||
			 !strncmp(line, "CONFIG_PREEMPT_RT=y", 19))
			k = PREEMPT_YES;
		else
			continue;
		snprintf(mode, len, "%.*s", (int)strcspn(line, "\n"), line);
		break;
	}
	gzclose(f);
	return k;
}

enum preempt_kind preempt_kind(const char *debugfs, const char *cmdline, const char *config,
			       char *how, size_t len)
{
	char mode[64] = "", boot[300];
	struct utsname u;
	enum preempt_kind k;

	k = from_debugfs(debugfs ? debugfs : "/sys/kernel/debug/sched/preempt", mode, sizeof(mode));
	if (k != PREEMPT_UNKNOWN) {
		snprintf(how, len, "preempt mode %s (debugfs sched/preempt)", mode);
		return k;
	}
	k = from_cmdline(cmdline ? cmdline : "/proc/cmdline", mode, sizeof(mode));
	if (k != PREEMPT_UNKNOWN) {
		snprintf(how, len, "preempt=%s on the kernel command line", mode);
		return k;
	}
	if (!config && !uname(&u))
		snprintf(boot, sizeof(boot), "/boot/config-%s", u.release);
	k = from_config(config ? config : boot, mode, sizeof(mode));
	if (k == PREEMPT_UNKNOWN && !config)
		k = from_config("/proc/config.gz", mode, sizeof(mode));
	if (k != PREEMPT_UNKNOWN) {
		snprintf(how, len, "%s in the kernel config", mode);
		return k;
	}
	snprintf(how, len, "the preemption model is unknown (no debugfs sched/preempt, no config): taken as preemptible");
	return PREEMPT_UNKNOWN;
}
