#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "runtime/kernel_btf.h"

static struct btf *vmlinux;
static bool tried;

struct btf *kernel_btf(void)
{
	if (!tried) {
		tried = true;
		libbpf_print_fn_t old = libbpf_set_print(NULL);
		vmlinux = btf__load_vmlinux_btf();
		libbpf_set_print(old);
		if (libbpf_get_error(vmlinux))
			vmlinux = NULL;
	}
	return vmlinux;
}

static const char *record_name(struct arena *a, const struct btf *btf, const struct btf_type *t)
{
	const char *kw = btf_is_union(t) ? "union" : btf_is_enum(t) ? "enum" : "struct";
	const char *name = btf__name_by_offset(btf, t->name_off);
	return arena_printf(a, "%s %s", kw, name && *name ? name : "(anon)");
}

/* char arrays are strings; arrays of u8 (unsigned char) stay arrays */
static bool is_char(const struct btf *btf, int id)
{
	const struct btf_type *t = btf__type_by_id(btf, (__u32)id);
	while (t && btf_is_mod(t))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_int(t))
		return false;
	const char *name = btf__name_by_offset(btf, t->name_off);
	return name && (!strcmp(name, "char") || !strcmp(name, "signed char"));
}

struct type *kernel_btf_type(struct arena *a, const struct btf *btf, int id)
{
	const struct btf_type *t = btf__type_by_id(btf, (__u32)id);
	while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
		id = (int)t->type;
		t = btf__type_by_id(btf, (__u32)id);
	}
	if (t && btf_is_fwd(t)) {
		/* a forward declaration: the definition of the same name */
		const char *name = btf__name_by_offset(btf, t->name_off);
		int def = name ? btf__find_by_name_kind(btf, name, btf_kflag(t) ? BTF_KIND_UNION
									      : BTF_KIND_STRUCT) : -1;
		if (def > 0) {
			id = def;
			t = btf__type_by_id(btf, (__u32)id);
		}
	}
	if (!t || btf_is_void(t) || btf_is_func_proto(t))
		return type_void(a);
	if (btf_is_int(t)) {
		__u32 enc = btf_int_encoding(t);
		return type_int(a, t->size, (enc & BTF_INT_SIGNED) != 0);
	}
	if (btf_is_any_enum(t)) {
		/* an integer that remembers its enum: printf's %s names it */
		struct type *e = type_int(a, t->size, btf_kflag(t));
		e->btf_id = id;
		return e;
	}
	if (btf_is_ptr(t))
		return type_ptr(a, kernel_btf_type(a, btf, (int)t->type));
	if (btf_is_array(t)) {
		const struct btf_array *arr = btf_array(t);
		struct type *elem = kernel_btf_type(a, btf, (int)arr->type);
		if (elem->kind == TY_INT && elem->size == 1 && is_char(btf, (int)arr->type))
			return type_string(a, arr->nelems ? arr->nelems : 1);
		struct type *r = type_new(a, TY_ARRAY);
		r->elem = elem;
		r->count = arr->nelems;
		r->size = elem->size * arr->nelems;
		r->align = elem->align ? elem->align : 1;
		return r;
	}
	struct type *r = type_new(a, TY_RECORD);
	r->name = record_name(a, btf, t);
	r->size = btf_is_composite(t) ? t->size : 8;
	r->align = 8;
	r->btf_id = btf_is_composite(t) ? id : 0;
	return r;
}

int kernel_btf_find(const char *kw, const char *name)
{
	struct btf *btf = kernel_btf();
	if (!btf || !name)
		return -1;
	int kind = !kw ? BTF_KIND_TYPEDEF : !strcmp(kw, "union") ? BTF_KIND_UNION
				 : !strcmp(kw, "enum") ? BTF_KIND_ENUM : BTF_KIND_STRUCT;
	int id = btf__find_by_name_kind(btf, name, kind);
	if (id < 0 && kind == BTF_KIND_ENUM)
		id = btf__find_by_name_kind(btf, name, BTF_KIND_ENUM64);
	return id;
}

/* Depth-first through anonymous struct and union members, offsets summed. */
static bool member_find(const struct btf *btf, int rec_id, const char *name, uint32_t base,
			struct kernel_btf_member *out, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, (__u32)rec_id);
	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_composite(t) || depth > 16)
		return false;
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		uint32_t off = base + btf_member_bit_offset(t, (__u32)i);
		if (mn && *mn) {
			if (strcmp(mn, name))
				continue;
			out->bit_offset = off;
			out->bitfield_size = btf_member_bitfield_size(t, (__u32)i);
			out->type_id = (int)m->type;
			return true;
		}
		if (member_find(btf, (int)m->type, name, off, out, depth + 1))
			return true;
	}
	return false;
}

bool kernel_btf_member(const struct btf *btf, int rec_id, const char *name,
		       struct kernel_btf_member *out)
{
	return btf && member_find(btf, rec_id, name, 0, out, 0);
}

static void member_names(const struct btf *btf, int rec_id, const char **out, int *n, int max,
			 int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, (__u32)rec_id);
	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_composite(t) || depth > 16)
		return;
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t) && *n < max; i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		if (mn && *mn)
			out[(*n)++] = mn;
		else
			member_names(btf, (int)m->type, out, n, max, depth + 1);
	}
}

int kernel_btf_member_names(const struct btf *btf, int rec_id, const char **out, int max)
{
	int n = 0;
	if (btf)
		member_names(btf, rec_id, out, &n, max, 0);
	return n;
}

const char *kernel_btf_closest(const char *kw, const char *name)
{
	struct btf *btf = kernel_btf();
	if (!btf)
		return NULL;
	int kind = !kw ? BTF_KIND_TYPEDEF : !strcmp(kw, "union") ? BTF_KIND_UNION
				 : !strcmp(kw, "enum") ? BTF_KIND_ENUM : BTF_KIND_STRUCT;
	__u32 n = btf__type_cnt(btf);
	const char **names = malloc(sizeof(*names) * n);
	if (!names)
		return NULL;
	int k = 0;
	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (btf_kind(t) != kind)
			continue;
		const char *tn = btf__name_by_offset(btf, t->name_off);
		if (tn && *tn)
			names[k++] = tn;
	}
	const char *c = diag_closest(name, names, k);
	free(names);
	return c;
}

/* Every enumerator of every enum, sorted by name, built on first use. */
struct enumerator {
	const char *name;
	int64_t value;
	int type_id;
};
static struct enumerator *enums;
static size_t nenums;
static bool enums_built;

static int enum_cmp(const void *a, const void *b)
{
	return strcmp(((const struct enumerator *)a)->name, ((const struct enumerator *)b)->name);
}

static void enums_build(void)
{
	enums_built = true;
	struct btf *btf = kernel_btf();
	if (!btf)
		return;
	size_t cap = 0;
	__u32 n = btf__type_cnt(btf);
	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!btf_is_any_enum(t))
			continue;
		for (int i = 0; i < btf_vlen(t); i++) {
			if (nenums == cap) {
				cap = cap ? cap * 2 : 4096;
				struct enumerator *e = realloc(enums, sizeof(*e) * cap);
				if (!e)
					return;
				enums = e;
			}
			struct enumerator *e = &enums[nenums++];
			if (btf_is_enum(t)) {
				const struct btf_enum *v = btf_enum(t) + i;
				e->name = btf__name_by_offset(btf, v->name_off);
				e->value = btf_kflag(t) ? v->val : (int64_t)(uint32_t)v->val;
			} else {
				const struct btf_enum64 *v = btf_enum64(t) + i;
				e->name = btf__name_by_offset(btf, v->name_off);
				e->value = (int64_t)btf_enum64_value(v);
			}
			e->type_id = (int)id;
			if (!e->name)
				nenums--;
		}
	}
	qsort(enums, nenums, sizeof(*enums), enum_cmp);
}

bool kernel_btf_enumerator(const char *name, int64_t *value, int *type_id)
{
	if (!enums_built)
		enums_build();
	struct enumerator key = {.name = name};
	const struct enumerator *e = enums ? bsearch(&key, enums, nenums, sizeof(*enums), enum_cmp) : NULL;
	if (!e)
		return false;
	*value = e->value;
	if (type_id)
		*type_id = e->type_id;
	return true;
}

const char *kernel_btf_enumerator_name(int type_id, int64_t value)
{
	struct btf *btf = kernel_btf();
	const struct btf_type *t = btf ? btf__type_by_id(btf, (__u32)type_id) : NULL;
	if (!t || !btf_is_any_enum(t))
		return NULL;
	for (int i = 0; i < btf_vlen(t); i++) {
		if (btf_is_enum(t)) {
			const struct btf_enum *v = btf_enum(t) + i;
			int64_t x = btf_kflag(t) ? v->val : (int64_t)(uint32_t)v->val;
			if (x == value)
				return btf__name_by_offset(btf, v->name_off);
		} else {
			const struct btf_enum64 *v = btf_enum64(t) + i;
			if ((int64_t)btf_enum64_value(v) == value)
				return btf__name_by_offset(btf, v->name_off);
		}
	}
	return NULL;
}

int kernel_btf_params(struct arena *a, const struct btf *btf, int proto_id, int skip,
		      struct ctx_field **out)
{
	const struct btf_type *t = btf__type_by_id(btf, (__u32)proto_id);
	if (!t || !btf_is_func_proto(t))
		return -1;
	int n = btf_vlen(t) - skip;
	if (n < 0)
		n = 0;
	const struct btf_param *p = btf_params(t) + skip;
	struct ctx_field *f = arena_alloc(a, sizeof(*f) * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		const char *name = btf__name_by_offset(btf, p[i].name_off);
		f[i].name = name && *name ? arena_strdup(a, name) : arena_printf(a, "arg%d", i);
		f[i].type = kernel_btf_type(a, btf, (int)p[i].type);
		f[i].offset = (uint32_t)(8 * i);
	}
	*out = f;
	return n;
}

void kernel_btf_names(int kind, const char *prefix, const char *glob,
		      void (*emit)(void *ctx, const char *name), void *ctx)
{
	struct btf *btf = kernel_btf();
	if (!btf)
		return;
	size_t plen = prefix ? strlen(prefix) : 0;
	__u32 n = btf__type_cnt(btf);
	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (btf_kind(t) != kind)
			continue;
		const char *name = btf__name_by_offset(btf, t->name_off);
		if (!name || (plen && strncmp(name, prefix, plen)))
			continue;
		if (!fnmatch(glob, name + plen, 0))
			emit(ctx, name + plen);
	}
}
