/* A struct or union copied out of the kernel, printed the way bpftrace
 * prints one: "{ .a = 1, .b = { .c = 2 }, .d = [1,2], .name = text }".
 * The layout comes from kernel BTF by the record's type id; members of
 * anonymous structs and unions are printed as members of the record that
 * holds them. */
#include <inttypes.h>
#include <string.h>

#include <bpf/btf.h>

#include "ast/types.h"
#include "runtime/json.h"
#include "runtime/kernel_btf.h"
#include "runtime/record_print.h"

static const struct btf_type *resolve(const struct btf *btf, uint32_t *id)
{
	const struct btf_type *t = btf__type_by_id(btf, *id);
	while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
		*id = t->type;
		t = btf__type_by_id(btf, *id);
	}
	return t;
}

static uint64_t load(const uint8_t *d, uint32_t size)
{
	uint64_t v = 0;
	memcpy(&v, d, size > 8 ? 8 : size);	/* little-endian */
	return v;
}

static int64_t sign_extend(uint64_t v, uint32_t bits)
{
	if (bits >= 64)
		return (int64_t)v;
	uint64_t m = 1ull << (bits - 1);
	v &= (1ull << bits) - 1;
	return (int64_t)((v ^ m) - m);
}

static bool is_char(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = resolve(btf, &id);
	return t && btf_is_int(t) && t->size == 1 &&
	       (btf_int_encoding(t) & BTF_INT_CHAR || !strcmp(btf__name_by_offset(btf, t->name_off), "char"));
}

static void print_type(FILE *f, const struct btf *btf, uint32_t id, const uint8_t *d, int depth,
		       bool json);

/* ".name = " in text, "\"name\": " in JSON, after ", " unless first */
static void member_name(FILE *f, const char *name, bool first, bool json)
{
	if (!first)
		fputs(", ", f);
	if (json) {
		json_write_string(f, name, strlen(name));
		fputs(": ", f);
	} else {
		fprintf(f, ".%s = ", name);
	}
}

static void text(FILE *f, const char *s, size_t len, bool json)
{
	if (json)
		json_write_string(f, s, len);
	else
		fwrite(s, 1, len, f);
}

static void print_int(FILE *f, const struct btf_type *t, uint64_t v, uint32_t bits)
{
	if (btf_int_encoding(t) & BTF_INT_BOOL)
		fputs(v ? "true" : "false", f);
	else if (btf_int_encoding(t) & BTF_INT_SIGNED)
		fprintf(f, "%" PRId64, sign_extend(v, bits));
	else
		fprintf(f, "%" PRIu64, bits >= 64 ? v : v & (uint64_t)((1ull << bits) - 1));
}

/* The members of a struct or union, anonymous ones flattened; *first says
 * whether a separator is due. */
static void print_members(FILE *f, const struct btf *btf, const struct btf_type *t, const uint8_t *d,
			  int depth, bool *first, bool json)
{
	const struct btf_member *m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		uint32_t off = btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);
		const char *name = btf__name_by_offset(btf, m->name_off);
		uint32_t mid = m->type;
		const struct btf_type *mt = resolve(btf, &mid);
		if (!mt)
			continue;
		if ((!name || !*name) && btf_is_composite(mt)) {
			print_members(f, btf, mt, d + off / 8, depth, first, json);
			continue;
		}
		member_name(f, name ? name : "", *first, json);
		*first = false;
		if (bits) {
			/* a bitfield: bits of the word at its byte, shifted */
			uint32_t byte = off / 8, shift = off % 8;
			uint64_t v = load(d + byte, (shift + bits + 7) / 8) >> shift;
			if (btf_is_any_enum(mt))
				fprintf(f, "%" PRIu64, v & (uint64_t)((1ull << bits) - 1));
			else
				print_int(f, mt, v, bits);
			continue;
		}
		print_type(f, btf, mid, d + off / 8, depth + 1, json);
	}
}

static void print_type(FILE *f, const struct btf *btf, uint32_t id, const uint8_t *d, int depth,
		       bool json)
{
	const struct btf_type *t = resolve(btf, &id);
	if (!t || depth > 32)
		return;
	if (btf_is_int(t)) {
		print_int(f, t, load(d, t->size), t->size * 8);
	} else if (btf_is_any_enum(t)) {
		uint64_t v = load(d, t->size);
		if (btf_kflag(t))
			fprintf(f, "%" PRId64, sign_extend(v, t->size * 8));
		else
			fprintf(f, "%" PRIu64, v);
	} else if (btf_is_ptr(t)) {
		/* as bpftrace prints pointer values: signed decimal */
		fprintf(f, "%" PRId64, (int64_t)load(d, 8));
	} else if (btf_is_array(t)) {
		const struct btf_array *a = btf_array(t);
		if (is_char(btf, a->type)) {
			text(f, (const char *)d, strnlen((const char *)d, a->nelems), json);
			return;
		}
		uint32_t eid = a->type;
		const struct btf_type *et = resolve(btf, &eid);
		int64_t es = et ? btf__resolve_size(btf, eid) : 0;
		fputc('[', f);
		for (uint32_t i = 0; es > 0 && i < a->nelems; i++) {
			if (i)
				fputc(',', f);
			print_type(f, btf, eid, d + i * es, depth + 1, json);
		}
		fputc(']', f);
	} else if (btf_is_composite(t)) {
		bool first = true;
		fputs("{ ", f);
		print_members(f, btf, t, d, depth, &first, json);
		fputs(" }", f);
	}
}

/* A value of a probe's args record, by sonde's type. */
static void print_value(FILE *f, const struct type *t, const uint8_t *d, bool json)
{
	switch (t->kind) {
	case TY_INT:
		if (t->is_signed)
			fprintf(f, "%" PRId64, sign_extend(load(d, t->size), t->size * 8));
		else
			fprintf(f, "%" PRIu64, load(d, t->size));
		break;
	case TY_BOOL:
		fputs(d[0] ? "true" : "false", f);
		break;
	case TY_PTR:
		fprintf(f, "%" PRId64, (int64_t)load(d, 8));
		break;
	case TY_STRING:
		text(f, (const char *)d, strnlen((const char *)d, t->size), json);
		break;
	case TY_ARRAY: {
		uint32_t es = t->elem ? t->elem->size : 0;
		fputc('[', f);
		for (uint32_t i = 0; es && i < t->count; i++) {
			if (i)
				fputc(',', f);
			print_value(f, t->elem, d + i * es, json);
		}
		fputc(']', f);
		break;
	}
	default:
		break;
	}
}

bool record_printable(const struct type *t)
{
	return t && t->kind == TY_RECORD && (t->names || (t->btf_id > 0 && kernel_btf()));
}

static void record_write(FILE *f, const struct type *t, const uint8_t *d, bool json)
{
	if (t->names) {
		fputs("{ ", f);
		for (int i = 0; i < t->nfields; i++) {
			member_name(f, t->names[i], i == 0, json);
			print_value(f, t->fields[i], d + t->offsets[i], json);
		}
		fputs(" }", f);
		return;
	}
	const struct btf *btf = kernel_btf();
	if (!btf || t->btf_id <= 0) {
		if (json)
			fputs("null", f);
		return;
	}
	print_type(f, btf, (uint32_t)t->btf_id, d, 0, json);
}

void record_print(FILE *f, const struct type *t, const uint8_t *d)
{
	record_write(f, t, d, false);
}

void record_print_json(FILE *f, const struct type *t, const uint8_t *d)
{
	record_write(f, t, d, true);
}
