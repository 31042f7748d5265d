// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/ksyms.c (kallsyms parsing, clone names, module-scoped
 * lookups) and src/vqident.c (naming a vq from its kick handler).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ksyms.h"
#include "vqident.h"

/* ---- ksym_is_clone_of ---------------------------------------------------- */

static const struct {
	const char *name, *base;
	bool want;
} clone_cases[] = {
	/* the base itself and the clone suffixes gcc emits */
	{ "vhost_notify", "vhost_notify", true },
	{ "vhost_notify.constprop.0", "vhost_notify", true },
	{ "vhost_notify.isra.3", "vhost_notify", true },
	{ "vhost_notify.part.1", "vhost_notify", true },
	{ "vhost_notify.constprop.0.isra.0", "vhost_notify", true },
	{ "vhost_notify.isra.0.constprop.12", "vhost_notify", true },
	{ "vhost_notify.part.0.constprop.0.isra.0", "vhost_notify", true },
	{ "vhost_notify.constprop.123", "vhost_notify", true },
	/* a longer name, an empty or bad suffix, an unknown clone kind */
	{ "vhost_notifyx", "vhost_notify", false },
	{ "vhost_notify_foo", "vhost_notify", false },
	{ "vhost_notify.", "vhost_notify", false },
	{ "vhost_notify.constprop.", "vhost_notify", false },
	{ "vhost_notify.constprop", "vhost_notify", false },
	{ "vhost_notify.constprop.x", "vhost_notify", false },
	{ "vhost_notify.constprop.0x", "vhost_notify", false },
	{ "vhost_notify.constprop.0.", "vhost_notify", false },
	{ "vhost_notify.isra.", "vhost_notify", false },
	{ "vhost_notify.part.", "vhost_notify", false },
	{ "vhost_notify.cold", "vhost_notify", false },
	{ "vhost_notify.constprop.0.cold", "vhost_notify", false },
	{ "vhost_notify.lto_priv.0", "vhost_notify", false },
	{ "vhost_notify.isra3", "vhost_notify", false },
	/* a prefix of the base, or the base not at the start */
	{ "vhost_notif", "vhost_notify", false },
	{ "", "vhost_notify", false },
	{ "__vhost_notify", "vhost_notify", false },
	{ "__vhost_add_used_n", "vhost_add_used_n", false },
	{ "vhost_add_used_n_in_order", "vhost_add_used_n", false },
	{ "__vhost_add_used_n", "__vhost_add_used_n", true },
	{ "__vhost_add_used_n.constprop.0", "__vhost_add_used_n", true },
	{ "vhost_add_used_n_in_order.isra.0", "vhost_add_used_n_in_order", true },
};

static void test_is_clone_of(void **state)
{
	for (size_t i = 0; i < sizeof(clone_cases) / sizeof(clone_cases[0]); i++) {
		bool got = ksym_is_clone_of(clone_cases[i].name, clone_cases[i].base);

		if (got != clone_cases[i].want)
			fail_msg("ksym_is_clone_of(\"%s\", \"%s\") = %d, want %d",
				 clone_cases[i].name, clone_cases[i].base, got,
				 clone_cases[i].want);
	}
}

/* ---- ksyms_load ---------------------------------------------------------- */

/* As /proc/kallsyms prints them (module names after a tab), deliberately not
 * in address order, with vmlinux symbols, modules that are not wanted and a
 * few lines that are not symbol lines at all. */
static const char kallsyms_text[] =
	"ffffffff81000000 T _text\n"
	"ffffffff81a00000 T vhost_notify\n"			/* vmlinux: no module */
	"ffffffff81a00100 t handle_tx_kick\n"			/* vmlinux: no module */
	"ffffffffc0a02100 t handle_rx_kick\t[vhost_net]\n"
	"ffffffffc0a02000 t handle_tx_kick\t[vhost_net]\n"
	"ffffffffc0a02200 t vhost_notify.isra.0\t[vhost_net]\n"
	"ffffffffc0a01000 T vhost_notify\t[vhost]\n"
	"ffffffffc0a01080 t vhost_notify.cold\t[vhost]\n"
	"ffffffffc0a01100 t vhost_notify.constprop.0\t[vhost]\n"
	"ffffffffc0a01200 T __vhost_add_used_n\t[vhost]\n"
	"ffffffffc0a01300 T vhost_add_used_n\t[vhost]\n"
	"ffffffffc0a01400 T vhost_add_used_n_in_order\t[vhost]\n"
	"ffffffffc0a03000 t tun_chr_write_iter\t[tun]\n"
	"ffffffffc0a04000 t tap_open\t[tap]\n"
	"ffffffffc0b00000 t kvm_vcpu_ioctl\t[kvm]\n"		/* other module */
	"ffffffffc0b00100 t vhost_notify\t[kvm]\n"		/* other module */
	"ffffffffc0b00200 t tun_get_socket\t[tun_ext]\n"	/* not "tun" */
	"ffffffffc0b00300 t tap_get_socket\t[tapx]\n"		/* not "tap" */
	"ffffffffc0b00400 t virtnet_poll\t[virtio_net]\n"
	"not a kallsyms line\n"
	"\n"
	"ffffffffc0b00500 t\n"					/* no name */
	"ffffffffc0b00600\n"					/* no type, no name */
	"zzzzzzzzzzzzzzzz t bogus_addr\t[vhost]\n"		/* address not hex */
	"ffffffffc0a05000 t vhost_scsi_handle_kick [vhost_scsi]\n" /* space, not tab */
	"ffffffffc0a06000 t vhost_vsock_handle_tx_kick\t[vhost_vsock]"; /* no final \n */

static const struct {
	uint64_t addr;
	const char *name, *module;
} kallsyms_want[] = {	/* in address order */
	{ 0xffffffffc0a01000ULL, "vhost_notify", "vhost" },
	{ 0xffffffffc0a01080ULL, "vhost_notify.cold", "vhost" },
	{ 0xffffffffc0a01100ULL, "vhost_notify.constprop.0", "vhost" },
	{ 0xffffffffc0a01200ULL, "__vhost_add_used_n", "vhost" },
	{ 0xffffffffc0a01300ULL, "vhost_add_used_n", "vhost" },
	{ 0xffffffffc0a01400ULL, "vhost_add_used_n_in_order", "vhost" },
	{ 0xffffffffc0a02000ULL, "handle_tx_kick", "vhost_net" },
	{ 0xffffffffc0a02100ULL, "handle_rx_kick", "vhost_net" },
	{ 0xffffffffc0a02200ULL, "vhost_notify.isra.0", "vhost_net" },
	{ 0xffffffffc0a03000ULL, "tun_chr_write_iter", "tun" },
	{ 0xffffffffc0a04000ULL, "tap_open", "tap" },
	{ 0xffffffffc0a05000ULL, "vhost_scsi_handle_kick", "vhost_scsi" },
	{ 0xffffffffc0a06000ULL, "vhost_vsock_handle_tx_kick", "vhost_vsock" },
};

#define N_WANT (sizeof(kallsyms_want) / sizeof(kallsyms_want[0]))

static void load_text(struct ksyms *ks, const char *text)
{
	/* fmemopen needs a non-empty buffer; /dev/null stands for no input */
	FILE *f = text[0] ? fmemopen((void *)text, strlen(text), "r")
			  : fopen("/dev/null", "r");

	assert_non_null(f);
	assert_int_equal(ksyms_load(ks, f), 0);
	fclose(f);
}

static void test_load_filters_and_sorts(void **state)
{
	struct ksyms ks;

	load_text(&ks, kallsyms_text);
	assert_int_equal(ks.n, N_WANT);
	assert_false(ks.zero_addrs);
	for (size_t i = 0; i < N_WANT; i++) {
		if (ks.syms[i].addr != kallsyms_want[i].addr ||
		    strcmp(ks.syms[i].name, kallsyms_want[i].name) ||
		    strcmp(ks.syms[i].module, kallsyms_want[i].module))
			fail_msg("sym %zu: got %#llx %s [%s], want %#llx %s [%s]", i,
				 (unsigned long long)ks.syms[i].addr, ks.syms[i].name,
				 ks.syms[i].module, (unsigned long long)kallsyms_want[i].addr,
				 kallsyms_want[i].name, kallsyms_want[i].module);
	}
	ksyms_free(&ks);
	assert_int_equal(ks.n, 0);
	assert_null(ks.syms);
}

static void test_load_empty_and_unwanted(void **state)
{
	struct ksyms ks;

	load_text(&ks, "");
	assert_int_equal(ks.n, 0);
	assert_false(ks.zero_addrs);	/* nothing read: no verdict */
	assert_null(ksyms_by_addr(&ks, 0));
	ksyms_free(&ks);

	load_text(&ks, "ffffffff81000000 T _text\n"
		       "ffffffffc0b00000 t kvm_vcpu_ioctl\t[kvm]\n"
		       "ffffffffc0b00100 t vhost_notify\t[kvm]\n");
	assert_int_equal(ks.n, 0);
	assert_false(ks.zero_addrs);
	ksyms_free(&ks);
}

static void test_load_zero_addrs(void **state)
{
	static const struct {
		const char *text;
		size_t n;
		bool zero;
	} cases[] = {
		/* kptr_restrict: every address shows as 0 */
		{ "0000000000000000 T _text\n"
		  "0000000000000000 t vhost_notify\t[vhost]\n"
		  "0000000000000000 t handle_tx_kick\t[vhost_net]\n"
		  "0000000000000000 t handle_rx_kick\t[vhost_net]\n", 3, true },
		/* only module symbols count: vmlinux ones are not loaded */
		{ "ffffffff81000000 T _text\n"
		  "0000000000000000 t vhost_notify\t[vhost]\n", 1, true },
		/* one real address is enough */
		{ "0000000000000000 t vhost_notify\t[vhost]\n"
		  "ffffffffc0a02000 t handle_tx_kick\t[vhost_net]\n", 2, false },
		{ "ffffffffc0a02000 t handle_tx_kick\t[vhost_net]\n", 1, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ksyms ks;

		load_text(&ks, cases[i].text);
		if (ks.n != cases[i].n || ks.zero_addrs != cases[i].zero)
			fail_msg("case %zu: n=%zu zero_addrs=%d, want n=%zu zero_addrs=%d", i,
				 ks.n, ks.zero_addrs, cases[i].n, cases[i].zero);
		ksyms_free(&ks);
	}
}

/* ---- ksyms_by_addr ------------------------------------------------------- */

static void test_by_addr(void **state)
{
	static const uint64_t misses[] = {
		0,
		0xffffffff81a00000ULL,	/* a vmlinux symbol: not loaded */
		0xffffffffc0a00fffULL,	/* just below the first */
		0xffffffffc0a01001ULL,	/* inside a function, not its start */
		0xffffffffc0a020ffULL,
		0xffffffffc0a05fffULL,
		0xffffffffc0a06001ULL,	/* just above the last */
		0xffffffffc0b00000ULL,	/* a [kvm] symbol: not loaded */
		UINT64_MAX,
	};
	struct ksyms ks;

	load_text(&ks, kallsyms_text);
	for (size_t i = 0; i < N_WANT; i++) {
		const struct ksym *k = ksyms_by_addr(&ks, kallsyms_want[i].addr);

		if (!k || k->addr != kallsyms_want[i].addr ||
		    strcmp(k->name, kallsyms_want[i].name) ||
		    strcmp(k->module, kallsyms_want[i].module))
			fail_msg("ksyms_by_addr(%#llx): got %s, want %s",
				 (unsigned long long)kallsyms_want[i].addr,
				 k ? k->name : "NULL", kallsyms_want[i].name);
	}
	for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++) {
		const struct ksym *k = ksyms_by_addr(&ks, misses[i]);

		if (k)
			fail_msg("ksyms_by_addr(%#llx) = %s, want NULL",
				 (unsigned long long)misses[i], k->name);
	}
	ksyms_free(&ks);
}

/* ---- ksyms_find_clones --------------------------------------------------- */

static void test_find_clones(void **state)
{
	static const struct {
		const char *module, *base;
		size_t max;
		size_t n;
		const char *want[3];
	} cases[] = {
		/* .cold is skipped; vhost_net's and kvm's vhost_notify are not vhost's */
		{ "vhost", "vhost_notify", 8, 2, { "vhost_notify", "vhost_notify.constprop.0" } },
		{ "vhost", "vhost_notify", 1, 1, { "vhost_notify" } },
		{ "vhost", "vhost_notify", 0, 0, { NULL } },
		{ "vhost_net", "vhost_notify", 8, 1, { "vhost_notify.isra.0" } },
		{ "kvm", "vhost_notify", 8, 0, { NULL } },	/* not loaded */
		{ "vhos", "vhost_notify", 8, 0, { NULL } },	/* module names are exact */
		{ "vhost", "vhost_add_used_n", 8, 1, { "vhost_add_used_n" } },
		{ "vhost", "__vhost_add_used_n", 8, 1, { "__vhost_add_used_n" } },
		{ "vhost", "vhost_add_used_n_in_order", 8, 1, { "vhost_add_used_n_in_order" } },
		{ "vhost", "vhost_add_used", 8, 0, { NULL } },
		{ "vhost_net", "handle_tx_kick", 8, 1, { "handle_tx_kick" } },
		{ "vhost", "handle_tx_kick", 8, 0, { NULL } },
		{ "tun", "tun_chr_write_iter", 8, 1, { "tun_chr_write_iter" } },
	};
	struct ksyms ks;

	load_text(&ks, kallsyms_text);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *out[8] = { NULL };
		size_t n = ksyms_find_clones(&ks, cases[i].module, cases[i].base, out,
					     cases[i].max);

		if (n != cases[i].n)
			fail_msg("find_clones(%s, %s, max %zu) found %zu, want %zu",
				 cases[i].module, cases[i].base, cases[i].max, n, cases[i].n);
		for (size_t j = 0; j < n; j++)
			if (strcmp(out[j], cases[i].want[j]))
				fail_msg("find_clones(%s, %s)[%zu] = %s, want %s", cases[i].module,
					 cases[i].base, j, out[j], cases[i].want[j]);
		for (size_t j = n; j < 8; j++)
			if (out[j])
				fail_msg("find_clones(%s, %s) wrote out[%zu] past its count",
					 cases[i].module, cases[i].base, j);
	}
	ksyms_free(&ks);
}

/* ---- vq_identify --------------------------------------------------------- */

static void test_vq_identify(void **state)
{
	static const struct {
		const char *sym, *module, *kind, *dir;
	} cases[] = {
		/* every known kick handler */
		{ "handle_tx_kick", "vhost_net", "net", "tx" },
		{ "handle_rx_kick", "vhost_net", "net", "rx" },
		{ "vhost_scsi_handle_kick", "vhost_scsi", "scsi", "io" },
		{ "vhost_scsi_ctl_handle_kick", "vhost_scsi", "scsi", "ctl" },
		{ "vhost_scsi_evt_handle_kick", "vhost_scsi", "scsi", "evt" },
		{ "vhost_vsock_handle_tx_kick", "vhost_vsock", "vsock", "tx" },
		{ "vhost_vsock_handle_rx_kick", "vhost_vsock", "vsock", "rx" },
		/* their compiler clones */
		{ "handle_tx_kick.isra.0", "vhost_net", "net", "tx" },
		{ "handle_rx_kick.constprop.0", "vhost_net", "net", "rx" },
		{ "vhost_scsi_evt_handle_kick.part.0", "vhost_scsi", "scsi", "evt" },
		/* the symbol decides, whatever the module */
		{ "handle_tx_kick", NULL, "net", "tx" },
		{ "vhost_vsock_handle_rx_kick", "vhost_foo", "vsock", "rx" },
		/* unknown handlers: the kind from a vhost_* module, no direction */
		{ "handle_vq_kick", "vhost_foo", "foo", "?" },
		{ "handle_kick", "vhost_vdpa", "vdpa", "?" },
		{ "handle_tx_kicker", "vhost_net", "net", "?" },
		{ "handle_tx_kick.cold", "vhost_net", "net", "?" },
		{ "some_kick", "vhost_abcdefghijklmnopqrst", "abcdefghijklmno", "?" },
		{ "some_kick", "vhost", "?", "?" },
		{ "some_kick", "vhost_", "?", "?" },
		{ "some_kick", "tun", "?", "?" },
		{ "some_kick", "xvhost_net", "?", "?" },
		{ "some_kick", NULL, "?", "?" },
		/* no symbol at all (handler address not in kallsyms) */
		{ NULL, NULL, "?", "?" },
		{ NULL, "vhost_net", "?", "?" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vq_ident id;

		memset(&id, 'X', sizeof(id));	/* must be overwritten */
		vq_identify(cases[i].sym, cases[i].module, &id);
		if (strcmp(id.kind, cases[i].kind) || strcmp(id.dir, cases[i].dir))
			fail_msg("vq_identify(%s, %s) = %.16s/%.8s, want %s/%s",
				 cases[i].sym ? cases[i].sym : "NULL",
				 cases[i].module ? cases[i].module : "NULL", id.kind, id.dir,
				 cases[i].kind, cases[i].dir);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_clone_of),
		cmocka_unit_test(test_load_filters_and_sorts),
		cmocka_unit_test(test_load_empty_and_unwanted),
		cmocka_unit_test(test_load_zero_addrs),
		cmocka_unit_test(test_by_addr),
		cmocka_unit_test(test_find_clones),
		cmocka_unit_test(test_vq_identify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
