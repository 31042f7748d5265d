// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The hook-mode table (src/hooks.c) against the BPF object it drives: every
 * program a row names exists with the right kind, every add_used program of
 * the object belongs to a row, and each row's kprobe twin hooks the same
 * function with kprobes. Opening the skeleton parses the object only; no
 * kernel is involved. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "hooks.h"
#include "vqtrace.skel.h"

static void test_rows_name_real_programs(void **state)
{
	struct vqtrace_bpf *skel = vqtrace_bpf__open();

	assert_non_null(skel);
	for (int i = 0; i < ADD_HOOK__COUNT; i++) {
		const struct add_hook_def *d = &add_hooks[i];
		int n = 0;

		for (const char *const *p = d->progs; *p; p++, n++) {
			struct bpf_program *prog = bpf_object__find_program_by_name(skel->obj, *p);
			bool tracing;

			if (!prog)
				fail_msg("row %s names %s, which bpf/vqtrace.bpf.c lacks", d->name, *p);
			tracing = bpf_program__type(prog) == BPF_PROG_TYPE_TRACING;
			if (tracing != d->trampoline)
				fail_msg("row %s: %s is %s", d->name, *p,
					 tracing ? "a trampoline in a kprobe row" : "a kprobe in a trampoline row");
		}
		assert_true(n > 0);
		if (d->kprobe_twin >= 0) {
			const struct add_hook_def *t = &add_hooks[d->kprobe_twin];

			assert_true(d->trampoline && !t->trampoline);
			assert_string_equal(t->target, d->target);
			assert_int_equal(t->in_order, d->in_order);
		}
		assert_int_equal(add_hook_by_name(d->name), i);
	}
	vqtrace_bpf__destroy(skel);
}

static void test_every_add_used_program_has_a_row(void **state)
{
	struct vqtrace_bpf *skel = vqtrace_bpf__open();
	struct bpf_program *prog;
	int found = 0;

	assert_non_null(skel);
	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);

		if (strstr(name, "add_used") || strstr(name, "init_access")) {
			found++;
			if (!add_hook_prog(name))
				fail_msg("%s is in no row of src/hooks.c: it would never load", name);
		}
	}
	assert_int_equal(found, 7);	/* fexit, n_fentry, n_fexit, kprobe, kretprobe, init_access x2 */
	vqtrace_bpf__destroy(skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_name_real_programs),
		cmocka_unit_test(test_every_add_used_program_has_a_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
