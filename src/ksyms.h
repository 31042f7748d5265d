/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The vhost modules' symbols from /proc/kallsyms: find the real (possibly
 * compiler-cloned) names of vhost functions, and name kick handlers. */
#ifndef __VQTRACE_KSYMS_H
#define __VQTRACE_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ksym {
	uint64_t addr;
	char *name;
	char *module;
};

struct ksyms {
	struct ksym *syms;	/* sorted by address */
	size_t n;
	bool zero_addrs;	/* addresses hidden (kptr_restrict, not root) */
};

/* Reads the symbols of modules whose name starts with "vhost" and of the
 * tun/tap modules from `f` (a /proc/kallsyms stream). Returns 0 or -errno. */
int ksyms_load(struct ksyms *ks, FILE *f);
void ksyms_free(struct ksyms *ks);
const struct ksym *ksyms_by_addr(const struct ksyms *ks, uint64_t addr);

/* True if `name` is `base` or a compiler clone of it: base followed by one
 * or more of .constprop.N, .isra.N, .part.N (never .cold: a split-off
 * cold path, not an attachable function). */
bool ksym_is_clone_of(const char *name, const char *base);

/* Fills out[] with up to max names in module `module` that are `base` or a
 * clone of it; returns how many were found. */
/* Whether module has any symbol in ks (it is loaded). */
bool ksyms_module_loaded(const struct ksyms *ks, const char *module);
size_t ksyms_find_clones(const struct ksyms *ks, const char *module,
			 const char *base, const char **out, size_t max);

#endif
