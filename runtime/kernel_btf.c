#include <fnmatch.h>
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

struct type *kernel_btf_type(struct arena *a, const struct btf *btf, int id)
{
	const struct btf_type *t = btf__type_by_id(btf, (__u32)id);
	while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
		id = (int)t->type;
		t = btf__type_by_id(btf, (__u32)id);
	}
	if (!t || btf_is_void(t)) {
		struct type *v = type_new(a, TY_RECORD);
		v->name = "void";
		return v;
	}
	if (btf_is_int(t)) {
		__u32 enc = btf_int_encoding(t);
		return type_int(a, t->size, (enc & BTF_INT_SIGNED) != 0);
	}
	if (btf_is_any_enum(t))
		return type_int(a, t->size, btf_kflag(t));
	if (btf_is_ptr(t))
		return type_ptr(a, kernel_btf_type(a, btf, (int)t->type));
	if (btf_is_array(t)) {
		const struct btf_array *arr = btf_array(t);
		struct type *elem = kernel_btf_type(a, btf, (int)arr->type);
		if (elem->kind == TY_INT && elem->size == 1)
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
	return r;
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
