// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "fields.h"

#include <string.h>

#include "flags.h"

#define SIZE_OF(type, field) sizeof(((type *)0)->field)
#define IS_SIGNED(t) (__builtin_types_compatible_p(t, __s32) || __builtin_types_compatible_p(t, __s16))

#define COUNTER_ROW(n, ev, fl, h)					\
	{ .name = #n, .kind = VQ_FIELD_COUNTER, .off = offsetof(struct vq_stats, n), \
	  .size = SIZE_OF(struct vq_stats, n), .prom = #n, .evbit = (ev), .flag = (fl), \
	  .help = (h) },
#define KICK_COUNTER_ROW(n, ev, fl, h)					\
	{ .name = #n, .kind = VQ_FIELD_COUNTER, .off = offsetof(struct vq_stats, n), \
	  .size = SIZE_OF(struct vq_stats, n), .prom = #n, .evbit = (ev), .flag = (fl), \
	  .kick = true, .help = (h) },
#define STATE_ROW(ctype, n, k, p, h)					\
	{ .name = #n, .kind = (k) & ~VQ_FK_KICK, .kick = !!((k) & VQ_FK_KICK),	\
	  .off = offsetof(struct vq_stats, n),				\
	  .size = SIZE_OF(struct vq_stats, n), .is_signed = IS_SIGNED(ctype), .prom = (p), \
	  .evbit = VQ_EVB_NONE, .flag = VQ_NO_FLAG, .help = (h) },

const struct vq_field vq_fields[] = {
	VQ_COUNTERS(COUNTER_ROW)
	VQ_KICK_COUNTERS(KICK_COUNTER_ROW)
	VQ_STATE(STATE_ROW)
};
const size_t vq_n_fields = sizeof(vq_fields) / sizeof(vq_fields[0]);

#define COUNT_ONE(...) +1
const size_t vq_n_counters = 0 VQ_COUNTERS(COUNT_ONE) VQ_KICK_COUNTERS(COUNT_ONE);

#define GLOBAL_ROW(n, l, inc, h) { #n, offsetof(struct vq_global, n), (l), (inc), (h) },
const struct vq_global_field vq_global_fields[] = {
	VQ_GLOBALS(GLOBAL_ROW)
};
const size_t vq_n_global_fields = sizeof(vq_global_fields) / sizeof(vq_global_fields[0]);

/* The event bits fit vq_stats.ev_parity and vq_event.bits. */
_Static_assert(VQ_EVB__COUNT <= 8 * SIZE_OF(struct vq_stats, ev_parity),
	       "vq_stats.ev_parity has a bit per event bit");

uint64_t vq_field_get(const struct vq_stats *s, const struct vq_field *f)
{
	const char *p = (const char *)s + f->off;

	switch (f->size) {
	case 1:
		return *(const uint8_t *)p;
	case 2:
		return f->is_signed ? (uint64_t)(int64_t) * (const int16_t *)p : *(const uint16_t *)p;
	case 4:
		return f->is_signed ? (uint64_t)(int64_t) * (const int32_t *)p : *(const uint32_t *)p;
	default:
		return *(const uint64_t *)p;
	}
}

void vq_field_set(struct vq_stats *s, const struct vq_field *f, uint64_t v)
{
	char *p = (char *)s + f->off;

	switch (f->size) {
	case 1:
		*(uint8_t *)p = (uint8_t)v;
		break;
	case 2:
		*(uint16_t *)p = (uint16_t)v;
		break;
	case 4:
		*(uint32_t *)p = (uint32_t)v;
		break;
	default:
		*(uint64_t *)p = v;
	}
}

const struct vq_field *vq_field_by_name(const char *name)
{
	for (size_t i = 0; i < vq_n_fields; i++)
		if (!strcmp(vq_fields[i].name, name))
			return &vq_fields[i];
	return NULL;
}

uint64_t vq_global_get(const struct vq_global *g, const struct vq_global_field *f)
{
	return *(const uint64_t *)((const char *)g + f->off);
}

void vq_global_set(struct vq_global *g, const struct vq_global_field *f, uint64_t v)
{
	*(uint64_t *)((char *)g + f->off) = v;
}

const struct vq_global_field *vq_global_by_name(const char *name)
{
	for (size_t i = 0; i < vq_n_global_fields; i++)
		if (!strcmp(vq_global_fields[i].name, name))
			return &vq_global_fields[i];
	return NULL;
}

const struct vq_field *vq_field_of_evbit(int b)
{
	for (size_t i = 0; i < vq_n_counters; i++)
		if (vq_fields[i].evbit == b)
			return &vq_fields[i];
	return NULL;
}

void help_wrap(FILE *f, const char *text, int first_col, int indent, int width)
{
	int col = first_col;
	const char *p = text;

	if (col > indent - 2) {	/* no room for a gap: start below */
		fputc('\n', f);
		col = 0;
	}
	while (*p) {
		size_t w = strcspn(p, " ");

		if (col > indent && col + 1 + (int)w > width) {
			fputc('\n', f);
			col = 0;
		}
		if (col < indent) {
			fprintf(f, "%*s", indent - col, "");
			col = indent;
		} else {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, w, f);
		col += (int)w;
		p += w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

#define HELP_COL 21	/* where the help text of a field starts */

static void field_line(FILE *f, const char *name, const char *help)
{
	int col = fprintf(f, "  %s", name);

	help_wrap(f, help, col, HELP_COL, 79);
}

void vq_fields_help(FILE *f, bool counters)
{
	for (size_t i = 0; i < vq_n_fields; i++) {
		const struct vq_field *v = &vq_fields[i];
		bool shown = v->kind == VQ_FIELD_INT || v->kind == VQ_FIELD_BOOL ||
			     v->kind == VQ_FIELD_HEX;

		char text[1024];

		if (!(counters ? v->kind == VQ_FIELD_COUNTER : shown))
			continue;
		snprintf(text, sizeof(text), "%s%s", v->kick ? "With --kicks only. " : "", v->help);
		field_line(f, v->name, text);
	}
}

void vq_globals_help(FILE *f)
{
	char text[1024];

	for (size_t i = 0; i < vq_n_global_fields; i++) {
		const struct vq_global_field *g = &vq_global_fields[i];

		snprintf(text, sizeof(text), "%s%s", g->help,
			 g->incomplete ? " Not 0: incomplete." : "");
		field_line(f, g->name, text);
	}
}

bool vq_global_incomplete(const struct vq_global *g, char *why, size_t len)
{
	bool incomplete = false;
	size_t used = 0;

	if (len)
		why[0] = '\0';
	for (size_t i = 0; i < vq_n_global_fields; i++) {
		const struct vq_global_field *f = &vq_global_fields[i];
		uint64_t v = vq_global_get(g, f);

		if (!f->incomplete || !v)
			continue;
		incomplete = true;
		if (used < len)
			used += (size_t)snprintf(why + used, len - used, "%s%s %llu", used ? ", " : "",
						 f->name, (unsigned long long)v);
	}
	return incomplete;
}
