// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "ksyms.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool module_wanted(const char *mod)
{
	return !strncmp(mod, "vhost", 5) || !strcmp(mod, "tun") || !strcmp(mod, "tap");
}

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int ksyms_load(struct ksyms *ks, FILE *f)
{
	char line[512], name[256], mod[64], type;
	unsigned long long addr;
	size_t cap = 0;
	bool any_nonzero = false;

	memset(ks, 0, sizeof(*ks));
	while (fgets(line, sizeof(line), f)) {
		mod[0] = '\0';
		if (sscanf(line, "%llx %c %255s [%63[^]]]", &addr, &type, name, mod) < 3)
			continue;
		if (!mod[0] || !module_wanted(mod))
			continue;
		if (ks->n == cap) {
			cap = cap ? cap * 2 : 256;
			struct ksym *n = realloc(ks->syms, cap * sizeof(*n));
			if (!n)
				goto nomem;
			ks->syms = n;
		}
		ks->syms[ks->n].addr = addr;
		ks->syms[ks->n].name = strdup(name);
		ks->syms[ks->n].module = strdup(mod);
		ks->n++;	/* counted now so that ksyms_free frees a partial entry */
		if (!ks->syms[ks->n - 1].name || !ks->syms[ks->n - 1].module)
			goto nomem;
		any_nonzero |= addr != 0;
	}
	ks->zero_addrs = ks->n && !any_nonzero;
	if (ks->n)
		qsort(ks->syms, ks->n, sizeof(*ks->syms), cmp_addr);
	return 0;
nomem:
	ksyms_free(ks);
	return -ENOMEM;
}

void ksyms_free(struct ksyms *ks)
{
	for (size_t i = 0; i < ks->n; i++) {
		free(ks->syms[i].name);
		free(ks->syms[i].module);
	}
	free(ks->syms);
	memset(ks, 0, sizeof(*ks));
}

const struct ksym *ksyms_by_addr(const struct ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr == addr)
			return &ks->syms[mid];
		if (ks->syms[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ".constprop.0", ".isra.12", ".part.3": a known clone suffix and digits. */
static const char *skip_clone_suffix(const char *s)
{
	static const char *const kinds[] = { ".constprop.", ".isra.", ".part." };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t len = strlen(kinds[i]);

		if (strncmp(s, kinds[i], len))
			continue;
		s += len;
		if (!isdigit((unsigned char)*s))
			return NULL;
		while (isdigit((unsigned char)*s))
			s++;
		return s;
	}
	return NULL;
}

bool ksym_is_clone_of(const char *name, const char *base)
{
	size_t len = strlen(base);

	if (strncmp(name, base, len))
		return false;
	name += len;
	while (*name) {
		name = skip_clone_suffix(name);
		if (!name)
			return false;
	}
	return true;
}

bool ksyms_module_loaded(const struct ksyms *ks, const char *module)
{
	for (size_t i = 0; i < ks->n; i++)
		if (!strcmp(ks->syms[i].module, module))
			return true;
	return false;
}

size_t ksyms_find_clones(const struct ksyms *ks, const char *module,
			 const char *base, const char **out, size_t max)
{
	size_t found = 0;

	for (size_t i = 0; i < ks->n && found < max; i++) {
		if (strcmp(ks->syms[i].module, module))
			continue;
		if (ksym_is_clone_of(ks->syms[i].name, base))
			out[found++] = ks->syms[i].name;
	}
	return found;
}
