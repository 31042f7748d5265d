// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "hist.h"

#include <string.h>

#include "fields.h"

const struct hist_def hist_defs[VQ_HIST__COUNT] = {
	[VQ_HIST_ENTRIES_PER_ADD] = { "entries_per_add",
		"used entries published per add_used call", "vqtrace_entries_per_add", false },
	[VQ_HIST_USED_PER_SIGNAL] = { "used_per_signal",
		"used entries per interrupt (coalescing)", "vqtrace_used_per_signal", false },
	[VQ_HIST_SIGNAL_GAP_NS] = { "signal_gap_ns",
		"time between interrupts", "vqtrace_signal_gap_seconds", true },
	[VQ_HIST_COMPLETION_WAIT_NS] = { "completion_wait_ns",
		"first unsignalled used entry to its interrupt", "vqtrace_completion_wait_seconds", true },
	[VQ_HIST_GUEST_LAG] = { "guest_lag",
		"last_used_idx - used_event at notify (entries)", "vqtrace_guest_lag", false },
	[VQ_HIST_KICK_WAIT_NS] = { "kick_wait_ns",
		"guest kick to its handler's start (worker wake-up)", "vqtrace_kick_wait_seconds", true,
		true },
	[VQ_HIST_HANDLER_RUN_NS] = { "handler_run_ns",
		"a kick handler's run, from its start to its return", "vqtrace_handler_run_seconds",
		true, true },
	[VQ_HIST_USED_PER_RUN] = { "used_per_run",
		"used entries vhost published during a kick handler's run", "vqtrace_used_per_run",
		false, true },
	[VQ_HIST_KICK_TO_SIGNAL_NS] = { "kick_to_signal_ns",
		"the kick a handler run served to that run's first interrupt (runs that sent none, and interrupts sent outside a run, give no sample)",
		"vqtrace_kick_to_signal_seconds", true, true },
};

uint64_t hist_slot_hi(int slot)
{
	if (slot <= 0)
		return 0;
	return 1ULL << (slot - 1);
}

uint64_t hist_slot_lo(int slot)
{
	return slot <= 1 ? hist_slot_hi(slot) : hist_slot_hi(slot - 1) + 1;
}

int hist_slot_of(uint64_t v)
{
	int slot = 1;

	if (!v)
		return 0;
	while (slot < VQ_HIST_SLOTS - 1 && v > hist_slot_hi(slot))
		slot++;
	return slot;
}

void hist_sub(const struct vq_hists *a, const struct vq_hists *b, struct vq_hists *out)
{
	for (int i = 0; i < VQ_HIST__COUNT; i++) {
		for (int k = 0; k < VQ_HIST_SLOTS; k++)
			out->h[i].slots[k] = a->h[i].slots[k] - b->h[i].slots[k];
		out->h[i].sum = a->h[i].sum - b->h[i].sum;
	}
}

void hist_add_into(struct vq_hists *acc, const struct vq_hists *h)
{
	for (int i = 0; i < VQ_HIST__COUNT; i++) {
		for (int k = 0; k < VQ_HIST_SLOTS; k++)
			acc->h[i].slots[k] += h->h[i].slots[k];
		acc->h[i].sum += h->h[i].sum;
	}
}

uint64_t hist_count(const struct vq_hist *h)
{
	uint64_t n = 0;

	for (int k = 0; k < VQ_HIST_SLOTS; k++)
		n += h->slots[k];
	return n;
}

static void fmt_value(char *buf, size_t len, uint64_t v, bool ns)
{
	static const char *const units[] = { "ns", "us", "ms", "s" };
	int u = 0;

	if (!ns) {
		snprintf(buf, len, "%llu", (unsigned long long)v);
		return;
	}
	while (u < 3 && v >= 1000 && v % 1000 == 0) {
		v /= 1000;
		u++;
	}
	if (u < 3 && v >= 1000) {	/* powers of two: 1024ns -> 1.024us */
		double d = (double)v;

		while (u < 3 && d >= 1000) {
			d /= 1000;
			u++;
		}
		snprintf(buf, len, "%.3g%s", d, units[u]);
		return;
	}
	snprintf(buf, len, "%llu%s", (unsigned long long)v, units[u]);
}

void hist_print(FILE *f, const struct vq_hist *h, const struct hist_def *d)
{
	int first = -1, last = -1;
	uint64_t max = 0, n = hist_count(h);
	char lo[24], hi[24];

	for (int k = 0; k < VQ_HIST_SLOTS; k++) {
		if (!h->slots[k])
			continue;
		if (first < 0)
			first = k;
		last = k;
		if (h->slots[k] > max)
			max = h->slots[k];
	}
	fprintf(f, "    %s: %llu samples", d->title, (unsigned long long)n);
	if (n && !d->ns)
		fprintf(f, ", mean %.1f", (double)h->sum / n);
	else if (n)
		fmt_value(lo, sizeof(lo), h->sum / n, true), fprintf(f, ", mean %s", lo);
	fputc('\n', f);
	for (int k = first; k >= 0 && k <= last; k++) {
		int stars = max ? (int)(h->slots[k] * 40 / max) : 0;

		fmt_value(lo, sizeof(lo), hist_slot_lo(k), d->ns);
		fmt_value(hi, sizeof(hi), hist_slot_hi(k), d->ns);
		if (k == VQ_HIST_SLOTS - 1)
			snprintf(hi, sizeof(hi), "inf");
		fprintf(f, "    %10s -> %-10s: %-10llu |%-40.*s|\n", lo, hi,
			(unsigned long long)h->slots[k], stars,
			"****************************************");
	}
}

json_t *hist_json(const struct vq_hists *h)
{
	json_t *o = json_object();

	for (int i = 0; i < VQ_HIST__COUNT; i++) {
		json_t *a = json_array();

		for (int k = 0; k < VQ_HIST_SLOTS; k++) {
			if (!h->h[i].slots[k])
				continue;
			/* the last bucket is open-ended: hi is null */
			json_array_append_new(a, json_pack("[I, o, I]", (json_int_t)hist_slot_lo(k),
							   k == VQ_HIST_SLOTS - 1 ? json_null() :
							   json_integer((json_int_t)hist_slot_hi(k)),
							   (json_int_t)h->h[i].slots[k]));
		}
		json_object_set_new(o, hist_defs[i].name, a);
	}
	return o;
}

json_t *hist_sums_json(const struct vq_hists *h)
{
	json_t *o = json_object();

	for (int i = 0; i < VQ_HIST__COUNT; i++)
		json_object_set_new(o, hist_defs[i].name, json_integer((json_int_t)h->h[i].sum));
	return o;
}

void hist_help(FILE *f)
{
	for (int i = 0; i < VQ_HIST__COUNT; i++) {
		fprintf(f, "  %s", hist_defs[i].name);
		help_wrap(f, hist_defs[i].title, 2 + (int)strlen(hist_defs[i].name), 22, 79);
	}
}
