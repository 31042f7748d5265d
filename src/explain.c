// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `vqtrace explain`: one notification decision, decided by model.c and explained. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "model.h"

#define PFX "vqtrace explain: "

enum opt_id {
	O_EVENT = 1000, O_OLD, O_NEW, O_INVALID, O_NO_EVENT_IDX, O_NO_INTERRUPT,
	O_NOTIFY_ON_EMPTY, O_EMPTY, O_NUM, O_PACKED, O_FLAGS, O_OFF, O_WRAP,
	O_OLD_WRAP, O_NEW_WRAP, O_SIZE, O_JSON, O_HELP, O_KICK, O_NO_NOTIFY, O__END
};
#define NOPT (O__END - O_EVENT)

static const struct option long_opts[] = {
	{ "event",		required_argument, NULL, O_EVENT },
	{ "old",		required_argument, NULL, O_OLD },
	{ "new",		required_argument, NULL, O_NEW },
	{ "invalid",		no_argument,	   NULL, O_INVALID },
	{ "no-event-idx",	no_argument,	   NULL, O_NO_EVENT_IDX },
	{ "no-interrupt",	no_argument,	   NULL, O_NO_INTERRUPT },
	{ "notify-on-empty",	no_argument,	   NULL, O_NOTIFY_ON_EMPTY },
	{ "empty",		no_argument,	   NULL, O_EMPTY },
	{ "num",		required_argument, NULL, O_NUM },
	{ "packed",		no_argument,	   NULL, O_PACKED },
	{ "flags",		required_argument, NULL, O_FLAGS },
	{ "off",		required_argument, NULL, O_OFF },
	{ "wrap",		required_argument, NULL, O_WRAP },
	{ "old-wrap",		required_argument, NULL, O_OLD_WRAP },
	{ "new-wrap",		required_argument, NULL, O_NEW_WRAP },
	{ "size",		required_argument, NULL, O_SIZE },
	{ "json",		no_argument,	   NULL, O_JSON },
	{ "help",		no_argument,	   NULL, O_HELP },
	{ "kick",		no_argument,	   NULL, O_KICK },
	{ "no-notify",		no_argument,	   NULL, O_NO_NOTIFY },
	{ NULL, 0, NULL, 0 },
};

static const char usage[] =
"Usage: vqtrace explain [--packed | --kick] [OPTIONS] [--json]\n"
"Decide whether the device notifies the driver after adding used entries\n"
"(or, with --kick, whether the driver must kick the device after adding\n"
"buffers), and show why. Values are decimal or 0x-hex. Exit 0, or 2 on bad\n"
"input.\n"
"\n"
"Split ring (Linux vhost's vhost_notify, EVENT_IDX assumed by default):\n"
"  --event E          driver's used_event (avail->ring[num]), u16\n"
"  --old O            vhost signalled_used: last_used_idx at the last signal, u16\n"
"  --new N            vhost last_used_idx now, u16\n"
"  --invalid          signalled_used_valid is false: notify is forced\n"
"                     (--event/--old then optional)\n"
"  --no-event-idx     EVENT_IDX not negotiated: only avail->flags counts\n"
"  --no-interrupt     avail->flags has NO_INTERRUPT (needs --no-event-idx)\n"
"  --notify-on-empty  VIRTIO_F_NOTIFY_ON_EMPTY negotiated\n"
"  --empty            avail ring empty (needs --notify-on-empty): notify\n"
"  --num R            ring size, enables the used_event-too-far-ahead check\n"
"  With EVENT_IDX vhost notifies iff (u16)(new - event - 1) < (u16)(new - old),\n"
"  i.e. event is one of the used indices old .. new-1 written since the last\n"
"  signal; then signalled_used := new.\n"
"\n"
"Packed ring (--packed; virtio 1.1 driver event suppression, read by device):\n"
"  --flags F          enable | disable | desc, or the raw number (low 2 bits)\n"
"  --off P, --wrap W  desc only: notify when slot P is used with wrap counter W\n"
"  --old P, --old-wrap W\n"
"                     device's next slot and used wrap counter before the batch\n"
"  --new P, --new-wrap W\n"
"                     ... and after it (the batch used the slots old .. new-1)\n"
"  --size S           ring size, 1..32768 (positions are 0..S-1)\n"
"  --no-event-idx     EVENT_IDX not negotiated (desc is then invalid)\n"
"  desc: notify iff (off, wrap) is one of the slots used, counting slots with\n"
"  wrap != new-wrap as one ring earlier (position - size).\n"
"\n"
"Kick side, split ring (--kick; the driver after publishing avail entries):\n"
"  --event E          avail_event vhost wrote (used->ring[num]), u16\n"
"  --old O            the driver's avail index before it published, u16\n"
"  --new N            ... and after\n"
"  --no-event-idx     EVENT_IDX not negotiated: only used->flags counts\n"
"  --no-notify        used->flags has NO_NOTIFY (needs --no-event-idx)\n"
"  With EVENT_IDX the driver must kick iff (u16)(new - event - 1) <\n"
"  (u16)(new - old): it published avail index event + 1, the one vhost asked\n"
"  about. A driver that publishes past it and does not kick leaves vhost\n"
"  waiting (vqtrace --kicks: KICK_MISSED).\n"
"\n"
"  --json             one JSON object; keys \"decision\" and \"reason\" always\n"
"  --help             this text\n"
"\n"
"Examples:\n"
"  vqtrace explain --event 0x10 --old 0 --new 0x20\n"
"  vqtrace explain --kick --event 1500 --old 1500 --new 1756\n"
"  vqtrace explain --packed --flags desc --off 7 --wrap 1 --size 8 \\\n"
"                  --old 6 --old-wrap 1 --new 2 --new-wrap 0 --json\n";

struct args {
	bool seen[NOPT];
	unsigned long v[NOPT];		/* numeric values by option */
};

#define SEEN(a, o) ((a)->seen[(o) - O_EVENT])
#define VAL(a, o) ((a)->v[(o) - O_EVENT])

static const char *opt_name(int id)
{
	for (const struct option *o = long_opts; o->name; o++)
		if (o->val == id)
			return o->name;
	return "?";
}

/* A usage error: one line on err, exit status 2. The arguments quoted in
 * it may hold anything (a newline from $(pgrep ...), escapes): control
 * characters are shown as '?' so that it stays one line. */
__attribute__((format(printf, 2, 3)))
static int uerr(FILE *err, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	fputs(PFX, err);
	if (n >= 0) {
		for (char *p = msg; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		fputs(msg, err);
		free(msg);
	}
	fputc('\n', err);
	return 2;
}

/* Decimal, or hex with 0x; no sign, no spaces. 0 ok, -1 not a number, -2 too big. */
static int parse_num(const char *s, unsigned long max, unsigned long *v)
{
	const char *p = s;
	int base = 10;
	char *end;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!(base == 16 ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p)))
		return -1;
	errno = 0;
	*v = strtoul(p, &end, base);
	if (*end)
		return -1;
	if (errno == ERANGE || *v > max)
		return -2;
	return 0;
}

static int take_num(FILE *err, int id, const char *s, unsigned long min,
		    unsigned long max, const char *what, struct args *a)
{
	unsigned long v;
	int r = parse_num(s, max, &v);

	if (r == -1)
		return uerr(err, "--%s '%s' is not a number; give %s as decimal or 0x-hex (%lu..%lu)",
			    opt_name(id), s, what, min, max);
	if (r == -2 || v < min)
		return uerr(err, "--%s %s is out of range; give %s in %lu..%lu",
			    opt_name(id), s, what, min, max);
	VAL(a, id) = v;
	return 0;
}

static int take_flags(FILE *err, const char *s, struct args *a)
{
	static const char *const names[] = { "enable", "disable", "desc" };
	unsigned long v;

	for (unsigned long i = 0; i < 3; i++)
		if (!strcmp(s, names[i])) {
			VAL(a, O_FLAGS) = i;
			return 0;
		}
	if (parse_num(s, 0xffff, &v))
		return uerr(err, "--flags '%s' is not understood; give enable, disable, desc or a number 0..0xffff", s);
	VAL(a, O_FLAGS) = v;
	return 0;
}

static int take_value(FILE *err, int id, const char *s, struct args *a)
{
	switch (id) {
	case O_EVENT:
		return take_num(err, id, s, 0, 0xffff, "a u16 used_event", a);
	case O_OLD:
	case O_NEW:
		return take_num(err, id, s, 0, 0xffff, "a u16 index (packed: a ring position)", a);
	case O_NUM:
	case O_SIZE:
		return take_num(err, id, s, 1, VQ_PACKED_MAX_SIZE, "the ring size", a);
	case O_OFF:
		return take_num(err, id, s, 0, VQ_PACKED_EVENT_OFF_MASK, "a ring position", a);
	case O_WRAP:
	case O_OLD_WRAP:
	case O_NEW_WRAP:
		return take_num(err, id, s, 0, 1, "a wrap counter", a);
	case O_FLAGS:
		return take_flags(err, s, a);
	}
	return 0;
}

static int parse(int argc, char **argv, FILE *err, struct args *a)
{
	int c;

	opterr = 0;
	optind = 0;	/* glibc: full reset, explain may run more than once */
	while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		const char *arg = argv[optind - 1];

		if (c == '?') {
			if (optopt && optopt < O_EVENT)
				return uerr(err, "unknown option '-%c'; see 'vqtrace explain --help'", optopt);
			return uerr(err, "unknown or ambiguous option '%s'; see 'vqtrace explain --help'", arg);
		}
		if (c == ':')
			return uerr(err, "option '%s' needs a value; see 'vqtrace explain --help'", arg);
		if (c == 'h')
			c = O_HELP;
		if (c == O_HELP)
			return -1;
		if (SEEN(a, c))
			return uerr(err, "--%s given twice; give it once", opt_name(c));
		SEEN(a, c) = true;
		if (optarg && take_value(err, c, optarg, a))
			return 2;
	}
	if (optind < argc)
		return uerr(err, "unexpected argument '%s'; all values go through options, see 'vqtrace explain --help'",
			    argv[optind]);
	return 0;
}

/* The first of ids[] that was given, or 0. */
static int any_seen(const struct args *a, const int *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a->seen[ids[i] - O_EVENT])
			return ids[i];
	return 0;
}

#define ANY(a, ...) any_seen(a, (const int[]){ __VA_ARGS__ }, \
			     sizeof((const int[]){ __VA_ARGS__ }) / sizeof(int))

/* One compact JSON object and a newline; consumes o. */
static int emit_json(FILE *out, FILE *err, json_t *o)
{
	int rc = o ? json_dumpf(o, out, JSON_COMPACT) : -1;

	json_decref(o);
	if (rc) {
		fprintf(err, PFX "could not write JSON output\n");
		return 1;
	}
	fputc('\n', out);
	return 0;
}

/* ------------------------------------------------------------ split */

static void hex16(FILE *f, const char *label, unsigned int v)
{
	fprintf(f, "%s0x%04x (%u)", label, v, v);
}

static int check_split(const struct args *a, FILE *err)
{
	int o = ANY(a, O_FLAGS, O_OFF, O_WRAP, O_OLD_WRAP, O_NEW_WRAP, O_SIZE);
	bool short_circuit = SEEN(a, O_NOTIFY_ON_EMPTY) && SEEN(a, O_EMPTY);

	if (o)
		return uerr(err, "--%s only applies to the packed ring; add --packed or drop --%s",
			    opt_name(o), opt_name(o));
	if (SEEN(a, O_NO_INTERRUPT) && !SEEN(a, O_NO_EVENT_IDX))
		return uerr(err, "--no-interrupt needs --no-event-idx (with EVENT_IDX vhost ignores avail->flags); add --no-event-idx or drop --no-interrupt");
	if (SEEN(a, O_EMPTY) && !SEEN(a, O_NOTIFY_ON_EMPTY))
		return uerr(err, "--empty needs --notify-on-empty (vhost only checks emptiness with that feature); add --notify-on-empty or drop --empty");
	if (SEEN(a, O_NO_EVENT_IDX)) {
		o = ANY(a, O_EVENT, O_OLD, O_NEW, O_INVALID);
		if (o)
			return uerr(err, "--%s conflicts with --no-event-idx (vhost only tracks used_event/signalled_used with EVENT_IDX); drop one of them",
				    opt_name(o));
		return 0;
	}
	if (short_circuit)
		return 0;
	if (!SEEN(a, O_NEW))
		return uerr(err, "missing --new (vhost's last_used_idx); pass --new N");
	if (SEEN(a, O_INVALID))
		return 0;
	if (!SEEN(a, O_EVENT))
		return uerr(err, "missing --event (the driver's used_event); pass --event E, or --no-event-idx if EVENT_IDX was not negotiated");
	if (!SEEN(a, O_OLD))
		return uerr(err, "missing --old (vhost's signalled_used); pass --old O, or --invalid if signalled_used_valid was false");
	return 0;
}

static void split_text(FILE *f, const struct args *a, const struct vq_split_in *in,
		       const struct vq_split_result *r)
{
	bool have_ev = SEEN(a, O_EVENT), have_old = SEEN(a, O_OLD), have_new = SEEN(a, O_NEW);

	fprintf(f, "decision: %s (%s)\n", vq_decision_str(r->decision), vq_reason_str(r->reason));
	fprintf(f, "why:      %s\n", vq_reason_text(r->reason));
	fprintf(f, "features: EVENT_IDX %s, NOTIFY_ON_EMPTY %s\n",
		in->features & VQ_FEATURE(VQ_F_RING_EVENT_IDX) ? "on" : "off",
		in->features & VQ_FEATURE(VQ_F_NOTIFY_ON_EMPTY) ? "on" : "off");

	switch (r->reason) {
	case VQ_REASON_NOTIFY_ON_EMPTY:
		fprintf(f, "  avail ring empty (avail_idx == last_avail_idx): vhost returns true\n"
			   "  before looking at flags or used_event; signalled_used is not touched\n");
		return;
	case VQ_REASON_NO_EVENT_IDX_FLAGS_CLEAR:
	case VQ_REASON_NO_EVENT_IDX_NO_INTERRUPT:
		fprintf(f, "  avail->flags = 0x%04x: NO_INTERRUPT (bit 0) %s -> %s\n"
			   "  signalled_used(_valid) are not touched without EVENT_IDX\n",
			in->avail_flags, in->avail_flags & VQ_AVAIL_F_NO_INTERRUPT ? "set" : "clear",
			vq_decision_str(r->decision));
		return;
	default:
		break;
	}

	if (have_ev)
		hex16(f, "  event = used_event     = ", r->event), fputc('\n', f);
	if (have_old) {
		hex16(f, "  old   = signalled_used = ", r->old_idx);
		fprintf(f, ", %s\n", in->signalled_used_valid ? "valid" : "NOT valid");
	} else {
		fprintf(f, "  old   = signalled_used   (not given), NOT valid\n");
	}
	if (have_new)
		hex16(f, "  new   = last_used_idx  = ", r->new_idx), fputc('\n', f);

	if (have_ev && have_old) {
		bool valid = in->signalled_used_valid;

		fprintf(f, "  %s", valid ? "" : "(ignored) ");
		hex16(f, "new - event - 1 = ", r->new_minus_event_minus_1);
		fputs(r->in_window ? " < " : " >= ", f);
		hex16(f, "new - old = ", r->new_minus_old);
		fputc('\n', f);
		if (!valid) {
			fprintf(f, "  -> with a valid old the window alone would say %s\n",
				r->in_window ? "notify" : "suppress");
		} else if (r->in_window) {
			fprintf(f, "  -> event 0x%04x lies in [old, new) = [0x%04x, 0x%04x): the device wrote\n"
				   "     used index 0x%04x since the last signal, the one the driver asked about\n",
				r->event, r->old_idx, r->new_idx, r->event);
		} else if (r->new_minus_old == 0) {
			fprintf(f, "  -> new == old: nothing was used since the last signal\n");
		} else {
			uint16_t ahead = (uint16_t)(r->event - r->new_idx);

			fprintf(f, "  -> event 0x%04x is not in [old, new) = [0x%04x, 0x%04x):\n",
				r->event, r->old_idx, r->new_idx);
			if (ahead < 32768)
				fprintf(f, "     it is written %u used entr%s from now\n",
					ahead + 1u, ahead ? "ies" : "y");
			else
				fprintf(f, "     it is %u behind old; the driver has not moved used_event since\n"
					   "     (usual while it polls with callbacks off)\n",
					(uint16_t)(r->old_idx - r->event));
		}
	}
	if (!in->signalled_used_valid)
		fprintf(f, "  -> forced: vhost does not trust old (first signal, reset, or a 2^16\n"
			   "     wrap cleared signalled_used_valid), so it notifies and restarts from new\n");
	if (r->updates_state)
		fprintf(f, "state after: signalled_used = 0x%04x, signalled_used_valid = true\n",
			r->next_signalled_used);
	if (have_old && have_new && vq_near_wrap(in->last_used_idx, in->signalled_used))
		fprintf(f, "note: new is %u past old (>= 32768): close to the 2^16 wrap that\n"
			   "      invalidates signalled_used\n",
			(uint16_t)(in->last_used_idx - in->signalled_used));
	if (have_ev && have_new && SEEN(a, O_NUM) &&
	    vq_event_ahead(in->used_event, in->last_used_idx, in->num))
		fprintf(f, "note: used_event is %u ahead of new, more than the ring size %u:\n"
			   "      the driver asked for an index the device cannot reach soon\n",
			(uint16_t)(in->used_event - in->last_used_idx), in->num);
}

static json_t *opt_u16(const struct args *a, int id, unsigned long v)
{
	return SEEN(a, id) ? json_integer(v) : json_null();
}

static json_t *split_json(const struct args *a, const struct vq_split_in *in,
			  const struct vq_split_result *r)
{
	bool have_ev = SEEN(a, O_EVENT), have_old = SEEN(a, O_OLD), have_new = SEEN(a, O_NEW);
	json_t *o = json_object(), *w = json_null(), *st = json_null(), *ahead = json_null();

	if (r->has_window && have_ev && have_old)
		w = json_pack("{s:i, s:i, s:b}",
			      "new_minus_event_minus_1", (int)r->new_minus_event_minus_1,
			      "new_minus_old", (int)r->new_minus_old,
			      "in_window", r->in_window);
	if (r->updates_state)
		st = json_pack("{s:i, s:b}", "signalled_used", (int)r->next_signalled_used,
			       "signalled_used_valid", r->next_signalled_used_valid);
	if (have_ev && have_new && SEEN(a, O_NUM))
		ahead = json_boolean(vq_event_ahead(in->used_event, in->last_used_idx, in->num));

	json_object_set_new(o, "ring", json_string("split"));
	json_object_set_new(o, "decision", json_string(vq_decision_str(r->decision)));
	json_object_set_new(o, "reason", json_string(vq_reason_str(r->reason)));
	json_object_set_new(o, "features", json_pack("{s:b, s:b}",
		"event_idx", !!(in->features & VQ_FEATURE(VQ_F_RING_EVENT_IDX)),
		"notify_on_empty", !!(in->features & VQ_FEATURE(VQ_F_NOTIFY_ON_EMPTY))));
	json_object_set_new(o, "event", opt_u16(a, O_EVENT, in->used_event));
	json_object_set_new(o, "old", opt_u16(a, O_OLD, in->signalled_used));
	json_object_set_new(o, "new", opt_u16(a, O_NEW, in->last_used_idx));
	json_object_set_new(o, "signalled_used_valid", r->has_window ?
			    json_boolean(in->signalled_used_valid) : json_null());
	json_object_set_new(o, "avail_flags", json_integer(in->avail_flags));
	json_object_set_new(o, "empty", json_boolean(SEEN(a, O_EMPTY)));
	json_object_set_new(o, "window", w);
	json_object_set_new(o, "state_after", st);
	json_object_set_new(o, "near_wrap", have_old && have_new ?
			    json_boolean(vq_near_wrap(in->last_used_idx, in->signalled_used)) : json_null());
	json_object_set_new(o, "event_ahead", ahead);
	return o;
}

static int run_split(const struct args *a, FILE *out, FILE *err)
{
	struct vq_split_in in = { .features = VQ_FEATURE(VQ_F_RING_EVENT_IDX) };
	struct vq_split_result r;
	int rc = check_split(a, err);

	if (rc)
		return rc;
	if (SEEN(a, O_NO_EVENT_IDX))
		in.features = 0;
	if (SEEN(a, O_NOTIFY_ON_EMPTY))
		in.features |= VQ_FEATURE(VQ_F_NOTIFY_ON_EMPTY);
	in.avail_flags = SEEN(a, O_NO_INTERRUPT) ? VQ_AVAIL_F_NO_INTERRUPT : 0;
	in.used_event = VAL(a, O_EVENT);
	in.signalled_used = VAL(a, O_OLD);
	in.last_used_idx = VAL(a, O_NEW);
	in.signalled_used_valid = !SEEN(a, O_INVALID);
	in.last_avail_idx = 0;
	in.avail_idx = SEEN(a, O_EMPTY) ? 0 : 1;
	in.num = VAL(a, O_NUM);
	vq_split_decide(&in, &r);

	if (SEEN(a, O_JSON))
		return emit_json(out, err, split_json(a, &in, &r));
	split_text(out, a, &in, &r);
	return 0;
}

/* ----------------------------------------------------------- packed */

static const char *flags_str(unsigned int f)
{
	static const char *const n[] = { "enable", "disable", "desc", "reserved" };

	return n[f & VQ_PACKED_EVENT_FLAGS_MASK];
}

static int check_packed(const struct args *a, struct vq_packed_in *in, FILE *err)
{
	int o = ANY(a, O_EVENT, O_INVALID, O_NO_INTERRUPT, O_NOTIFY_ON_EMPTY, O_EMPTY, O_NUM);
	bool desc = (VAL(a, O_FLAGS) & VQ_PACKED_EVENT_FLAGS_MASK) == VQ_PACKED_EVENT_DESC;
	bool need_window = desc && !SEEN(a, O_NO_EVENT_IDX);
	int pos = ANY(a, O_OLD, O_OLD_WRAP, O_NEW, O_NEW_WRAP);
	const char *bad;

	if (o)
		return uerr(err, "--%s only applies to the split ring; drop it or drop --packed",
			    opt_name(o));
	if (!SEEN(a, O_FLAGS))
		return uerr(err, "missing --flags (the driver's event suppression flags); pass --flags enable|disable|desc");
	o = ANY(a, O_OFF, O_WRAP);
	if (o && !desc)
		return uerr(err, "--%s only applies to --flags desc; drop it or use --flags desc",
			    opt_name(o));
	if (need_window || pos) {
		static const int want[] = { O_OFF, O_WRAP, O_SIZE, O_OLD, O_OLD_WRAP, O_NEW, O_NEW_WRAP };

		for (size_t i = need_window ? 0 : 2; i < sizeof(want) / sizeof(want[0]); i++)
			if (!SEEN(a, want[i]))
				return uerr(err, "missing --%s; %s needs --size, --old/--old-wrap and --new/--new-wrap%s",
					    opt_name(want[i]), need_window ? "--flags desc" : "a window",
					    need_window ? ", plus --off/--wrap" : "");
	}
	if (SEEN(a, O_OFF) && !SEEN(a, O_WRAP))
		return uerr(err, "missing --wrap; --off needs the event's wrap counter --wrap 0|1");
	if (SEEN(a, O_WRAP) && !SEEN(a, O_OFF))
		return uerr(err, "missing --off; --wrap needs the event's ring position --off P");

	in->driver_event.flags = VAL(a, O_FLAGS);
	in->driver_event.off_wrap = vq_packed_off_wrap(VAL(a, O_OFF), VAL(a, O_WRAP));
	in->event_idx = !SEEN(a, O_NO_EVENT_IDX);
	in->size = SEEN(a, O_SIZE) ? VAL(a, O_SIZE) : 1;
	in->old_pos = VAL(a, O_OLD);
	in->old_wrap = SEEN(a, O_OLD_WRAP) ? VAL(a, O_OLD_WRAP) : 1;
	in->new_pos = VAL(a, O_NEW);
	in->new_wrap = SEEN(a, O_NEW_WRAP) ? VAL(a, O_NEW_WRAP) : 1;

	for (size_t i = 0; i < 3; i++) {
		static const int ids[] = { O_OLD, O_NEW, O_OFF };
		int id = ids[i];

		if (SEEN(a, id) && VAL(a, id) >= in->size)
			return uerr(err, "--%s %lu is outside a ring of --size %u; give a position in 0..%u",
				    opt_name(id), VAL(a, id), in->size, in->size - 1);
	}
	bad = vq_packed_check(in);
	if (bad)
		return uerr(err, "%s; the batch used the slots from (--old, --old-wrap) up to but not including (--new, --new-wrap), at most --size of them",
			    bad);
	return 0;
}

static void packed_text(FILE *f, const struct args *a, const struct vq_packed_in *in,
			const struct vq_packed_result *r)
{
	unsigned int fl = in->driver_event.flags;

	fprintf(f, "decision: %s (%s)\n", vq_decision_str(r->decision), vq_reason_str(r->reason));
	fprintf(f, "why:      %s\n", vq_reason_text(r->reason));
	fprintf(f, "  driver event suppression: flags 0x%04x (%s), EVENT_IDX %s\n",
		fl, flags_str(fl), in->event_idx ? "on" : "off");
	if (!SEEN(a, O_OLD))
		return;
	fprintf(f, "  ring size %u; the device used %u slot%s: old (%u, wrap %d) -> new (%u, wrap %d)\n",
		in->size, r->used, r->used == 1 ? "" : "s",
		in->old_pos, in->old_wrap, in->new_pos, in->new_wrap);
	if (!r->has_event)
		return;
	fprintf(f, "  on new's lap (wrap %d) a slot with the other wrap counter counts as position - %u:\n",
		in->new_wrap, in->size);
	fprintf(f, "  old = %d, new = %d, event (%u, wrap %d) = %d\n",
		r->old_lin, r->new_lin, r->event_off, r->event_wrap, r->event_lin);
	if (r->decision == VQ_NOTIFY)
		fprintf(f, "  -> %d <= %d < %d: slot %u was used with wrap counter %d in this batch\n",
			r->old_lin, r->event_lin, r->new_lin, r->event_off, r->event_wrap);
	else if (r->event_lin >= r->new_lin)
		fprintf(f, "  -> %d >= new %d: slot %u with wrap %d is not used yet (%d more slot%s)\n",
			r->event_lin, r->new_lin, r->event_off, r->event_wrap,
			r->event_lin - r->new_lin + 1, r->event_lin == r->new_lin ? "" : "s");
	else
		fprintf(f, "  -> %d < old %d: slot %u with wrap %d was used before this batch\n",
			r->event_lin, r->old_lin, r->event_off, r->event_wrap);
}

static json_t *pos_json(const struct args *a, int id, unsigned int pos, bool wrap)
{
	return SEEN(a, id) ? json_pack("{s:i, s:i}", "pos", (int)pos, "wrap", (int)wrap) : json_null();
}

static json_t *packed_json(const struct args *a, const struct vq_packed_in *in,
			   const struct vq_packed_result *r)
{
	bool win = SEEN(a, O_OLD);
	json_t *o = json_object();

	json_object_set_new(o, "ring", json_string("packed"));
	json_object_set_new(o, "decision", json_string(vq_decision_str(r->decision)));
	json_object_set_new(o, "reason", json_string(vq_reason_str(r->reason)));
	json_object_set_new(o, "flags", json_string(flags_str(in->driver_event.flags)));
	json_object_set_new(o, "flags_value", json_integer(in->driver_event.flags));
	json_object_set_new(o, "event_idx", json_boolean(in->event_idx));
	json_object_set_new(o, "size", SEEN(a, O_SIZE) ? json_integer(in->size) : json_null());
	json_object_set_new(o, "event", pos_json(a, O_OFF, VAL(a, O_OFF), VAL(a, O_WRAP)));
	json_object_set_new(o, "old", pos_json(a, O_OLD, in->old_pos, in->old_wrap));
	json_object_set_new(o, "new", pos_json(a, O_NEW, in->new_pos, in->new_wrap));
	json_object_set_new(o, "used", win ? json_integer(r->used) : json_null());
	json_object_set_new(o, "window", win && r->has_event ?
		json_pack("{s:i, s:i, s:i, s:b}", "old", (int)r->old_lin, "new", (int)r->new_lin,
			  "event", (int)r->event_lin, "in_window", r->decision == VQ_NOTIFY) :
		json_null());
	return o;
}

static int run_packed(const struct args *a, FILE *out, FILE *err)
{
	struct vq_packed_in in = { 0 };
	struct vq_packed_result r;
	int rc = check_packed(a, &in, err);

	if (rc)
		return rc;
	if (vq_packed_decide(&in, &r))	/* cannot happen: checked above */
		return uerr(err, "inconsistent packed ring input; see 'vqtrace explain --help'");
	if (SEEN(a, O_JSON))
		return emit_json(out, err, packed_json(a, &in, &r));
	packed_text(out, a, &in, &r);
	return 0;
}

/* ------------------------------------------------------------ kick */

static int check_kick(const struct args *a, FILE *err)
{
	int o = ANY(a, O_PACKED, O_FLAGS, O_OFF, O_WRAP, O_OLD_WRAP, O_NEW_WRAP, O_SIZE, O_INVALID,
		    O_NO_INTERRUPT, O_NOTIFY_ON_EMPTY, O_EMPTY, O_NUM);

	if (o)
		return uerr(err, "--%s does not apply to --kick (the driver's side); drop --%s",
			    opt_name(o), opt_name(o));
	if (SEEN(a, O_NO_NOTIFY) && !SEEN(a, O_NO_EVENT_IDX))
		return uerr(err, "--no-notify needs --no-event-idx (with EVENT_IDX the driver ignores used->flags); add --no-event-idx or drop --no-notify");
	if (SEEN(a, O_NO_EVENT_IDX)) {
		o = ANY(a, O_EVENT, O_OLD, O_NEW);
		if (o)
			return uerr(err, "--%s conflicts with --no-event-idx (avail_event is only read with EVENT_IDX); drop one of them",
				    opt_name(o));
		return 0;
	}
	o = !SEEN(a, O_EVENT) ? O_EVENT : !SEEN(a, O_OLD) ? O_OLD : !SEEN(a, O_NEW) ? O_NEW : 0;
	if (o)
		return uerr(err, "missing --%s (%s); pass it, or --no-event-idx if EVENT_IDX was not negotiated",
			    opt_name(o), o == O_EVENT ? "the avail_event vhost wrote" :
			    o == O_OLD ? "the driver's avail index before publishing" :
			    "the driver's avail index after publishing");
	return 0;
}

static int run_kick(const struct args *a, FILE *out, FILE *err)
{
	uint16_t ev = (uint16_t)VAL(a, O_EVENT), old = (uint16_t)VAL(a, O_OLD);
	uint16_t new = (uint16_t)VAL(a, O_NEW);
	uint16_t d1 = (uint16_t)(new - ev - 1), d2 = (uint16_t)(new - old);
	bool evidx = !SEEN(a, O_NO_EVENT_IDX);
	bool kick = evidx ? vq_need_event(ev, new, old) : !SEEN(a, O_NO_NOTIFY);
	const char *why = evidx ? (kick ? "avail_event_crossed" : "avail_event_not_crossed") :
			  (kick ? "no_notify_clear" : "no_notify_set");
	int rc = check_kick(a, err);

	if (rc)
		return rc;
	if (SEEN(a, O_JSON)) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "ring", "split", "side", "kick",
				      "decision", kick ? "kick" : "no_kick", "reason", why,
				      "event_idx", evidx);

		json_object_set_new(o, "event", opt_u16(a, O_EVENT, ev));
		json_object_set_new(o, "old", opt_u16(a, O_OLD, old));
		json_object_set_new(o, "new", opt_u16(a, O_NEW, new));
		json_object_set_new(o, "window", evidx ?
			json_pack("{s:i, s:i, s:b}", "new_minus_event_minus_1", (int)d1,
				  "new_minus_old", (int)d2, "in_window", kick) : json_null());
		return emit_json(out, err, o);
	}
	fprintf(out, "decision: %s (%s)\n", kick ? "kick" : "no_kick", why);
	if (!evidx) {
		fprintf(out, "  used->flags NO_NOTIFY %s: the driver %s\n",
			kick ? "clear" : "set", kick ? "must kick after publishing" :
			"need not kick (vhost is working the ring, or polling)");
		return 0;
	}
	hex16(out, "  event = avail_event      = ", ev), fputc('\n', out);
	hex16(out, "  old   = avail idx before = ", old), fputc('\n', out);
	hex16(out, "  new   = avail idx after  = ", new), fputc('\n', out);
	hex16(out, "  new - event - 1 = ", d1);
	fputs(kick ? " < " : " >= ", out);
	hex16(out, "new - old = ", d2);
	fputc('\n', out);
	if (kick)
		fprintf(out, "  -> event 0x%04x lies in [old, new): the driver published avail index\n"
			     "     0x%04x, which vhost asked to be kicked for: it must kick now\n",
			ev, (uint16_t)(ev + 1));
	else
		fprintf(out, "  -> event 0x%04x is not in [old, new) = [0x%04x, 0x%04x): no kick needed\n",
			ev, old, new);
	return 0;
}

/* ------------------------------------------------------------ entry */

int explain_run(int argc, char **argv, FILE *out, FILE *err)
{
	struct args a;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse(argc, argv, err, &a);
	if (rc == -1) {
		fputs(usage, out);
		return 0;
	}
	if (rc)
		return rc;
	rc = SEEN(&a, O_KICK) ? run_kick(&a, out, err) :
	     SEEN(&a, O_PACKED) ? run_packed(&a, out, err) : run_split(&a, out, err);
	fflush(out);
	return rc;
}

int explain_main(int argc, char **argv)
{
	return explain_run(argc, argv, stdout, stderr);
}
