/* tracepoint:CATEGORY:NAME, wildcards in either part.  The context is the
 * tracepoint's record as its tracefs format file describes it. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/probes/probe.h"
#include "runtime/syscalls.h"
#include "runtime/tracefs.h"

/* Strings bpftrace reads from a __data_loc char[] field: its default strlen. */
#define DATA_LOC_STRLEN 64

static bool has_wildcard(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* ------------------------------------------------------------ field types */

/* C integer type names seen in format files, with their size and sign.
 * Format files give the size of the slot; the declared type gives the sign
 * where the format's "signed:" does not (syscall records store every
 * argument as an unsigned long, so "int dfd" says signed:0). */
static const struct {
	const char *name;
	uint8_t size;
	bool is_signed;
} int_names[] = {
	{"char", 1, true},	      {"signed char", 1, true},	     {"unsigned char", 1, false},
	{"short", 2, true},	      {"short int", 2, true},	     {"unsigned short", 2, false},
	{"unsigned short int", 2, false},
	{"int", 4, true},	      {"signed", 4, true},	     {"signed int", 4, true},
	{"unsigned", 4, false},	      {"unsigned int", 4, false},    {"uint", 4, false},
	{"long", 8, true},	      {"long int", 8, true},	     {"unsigned long", 8, false},
	{"unsigned long int", 8, false},
	{"long long", 8, true},	      {"long long int", 8, true},    {"unsigned long long", 8, false},
	{"unsigned long long int", 8, false},
	{"bool", 1, false},	      {"_Bool", 1, false},
	{"s8", 1, true},	      {"s16", 2, true},		     {"s32", 4, true},
	{"s64", 8, true},	      {"__s8", 1, true},	     {"__s16", 2, true},
	{"__s32", 4, true},	      {"__s64", 8, true},	     {"int8_t", 1, true},
	{"int16_t", 2, true},	      {"int32_t", 4, true},	     {"int64_t", 8, true},
	{"u8", 1, false},	      {"u16", 2, false},	     {"u32", 4, false},
	{"u64", 8, false},	      {"__u8", 1, false},	     {"__u16", 2, false},
	{"__u32", 4, false},	      {"__u64", 8, false},	     {"uint8_t", 1, false},
	{"uint16_t", 2, false},	      {"uint32_t", 4, false},	     {"uint64_t", 8, false},
	{"size_t", 8, false},	      {"ssize_t", 8, true},	     {"loff_t", 8, true},
	{"off_t", 8, true},	      {"time_t", 8, true},	     {"time64_t", 8, true},
	{"ktime_t", 8, true},	      {"clockid_t", 4, true},	     {"timer_t", 4, true},
	{"key_t", 4, true},	      {"mqd_t", 4, true},	     {"key_serial_t", 4, true},
	{"pid_t", 4, true},	      {"uid_t", 4, false},	     {"gid_t", 4, false},
	{"qid_t", 4, false},	      {"umode_t", 2, false},	     {"dev_t", 4, false},
	{"gfp_t", 4, false},	      {"ino_t", 8, false},	     {"sector_t", 8, false},
	{"blkcnt_t", 8, false},	      {"dma_addr_t", 8, false},	     {"phys_addr_t", 8, false},
	{"resource_size_t", 8, false}, {"aio_context_t", 8, false},
};

static int int_name_find(const char *name)
{
	for (size_t i = 0; i < sizeof(int_names) / sizeof(int_names[0]); i++)
		if (!strcmp(int_names[i].name, name))
			return (int)i;
	return -1;
}

/* "const char *const *" → base "char", depth 2.  Qualifiers dropped. */
static char *base_type(struct arena *a, const char *decl, int *depth)
{
	char buf[256];
	size_t n = 0;
	*depth = 0;
	const char *p = decl;
	while (*p) {
		if (*p == '*') {
			(*depth)++;
			p++;
			continue;
		}
		if (*p == ' ' || *p == '\t') {
			p++;
			continue;
		}
		const char *w = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '*')
			p++;
		size_t wl = (size_t)(p - w);
		if ((wl == 5 && !strncmp(w, "const", 5)) || (wl == 8 && !strncmp(w, "volatile", 8)) ||
		    (wl == 6 && !strncmp(w, "__user", 6)) || (wl == 8 && !strncmp(w, "restrict", 8)))
			continue;
		if (n && n < sizeof(buf) - 1)
			buf[n++] = ' ';
		if (n + wl >= sizeof(buf))
			wl = sizeof(buf) - 1 - n;
		memcpy(buf + n, w, wl);
		n += wl;
	}
	buf[n] = '\0';
	return arena_strdup(a, buf);
}

static struct type *record_type(struct arena *a, const char *name)
{
	struct type *t = type_new(a, TY_RECORD);
	t->name = arena_strdup(a, name);
	t->align = 1;
	return t;
}

static struct type *array_type(struct arena *a, struct type *elem, uint32_t count, uint32_t size)
{
	struct type *t = type_new(a, TY_ARRAY);
	t->elem = elem;
	t->count = count;
	t->size = size;
	t->align = elem->align ? elem->align : 1;
	return t;
}

/* What a pointer field points to: ints by name, records by name. */
static struct type *pointee_type(struct arena *a, const char *base)
{
	if (!strcmp(base, "void"))
		return type_void(a);
	int i = int_name_find(base);
	if (i >= 0)
		return type_int(a, int_names[i].size, int_names[i].is_signed);
	if (!strncmp(base, "enum ", 5))
		return type_int(a, 4, false);
	/* "struct sockaddr", "union bpf_attr", or a typedef such as sigset_t:
	 * a record by that name, for whoever resolves it through BTF. */
	return record_type(a, base);
}

static struct type *scalar_type(struct arena *a, const char *base, unsigned size, bool fmt_signed)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return array_type(a, type_int(a, 1, false), size, size);
	bool is_signed = fmt_signed;
	int i = int_name_find(base);
	if (i >= 0) {
		is_signed = int_names[i].is_signed;
		/* bpftrace widens these to u64 in an 8-byte slot */
		if (size == 8 && (!strcmp(base, "pid_t") || !strcmp(base, "uid_t") ||
				  !strcmp(base, "gid_t") || !strcmp(base, "u32")))
			is_signed = false;
	}
	return type_int(a, size, is_signed);
}

static struct type *field_type(struct arena *a, const struct tracefs_field *f, bool user,
			       bool *data_loc)
{
	int depth;
	*data_loc = false;
	if (!strncmp(f->decl_type, "__data_loc", 10)) {
		/* "__data_loc char[]": a 32-bit word, offset in the low half and
		 * length in the high half, locating the data inside the record. */
		*data_loc = true;
		char *inner = base_type(a, f->decl_type + 10, &depth);
		size_t n = strlen(inner);
		if (n >= 2 && !strcmp(inner + n - 2, "[]"))
			inner[n - 2] = '\0';
		n = strlen(inner);
		while (n && inner[n - 1] == ' ')
			inner[--n] = '\0';
		if (!strcmp(inner, "char"))
			return type_string(a, DATA_LOC_STRLEN);
		int i = int_name_find(inner);
		struct type *elem = i >= 0 ? type_int(a, int_names[i].size, int_names[i].is_signed)
					   : type_int(a, 1, false);
		return array_type(a, elem, 0, 0);
	}

	char *base = base_type(a, f->decl_type, &depth);
	if (depth > 0) {
		struct type *t = pointee_type(a, base);
		for (int i = 0; i < depth; i++) {
			t = type_ptr(a, t);
			t->user_ptr = user;
		}
		return t;
	}
	if (f->array_len >= 0) {
		/* bpftrace reads a fixed char array as a string; other arrays stay arrays */
		if (!strcmp(base, "char") && f->size > 0)
			return type_string(a, f->size);
		uint32_t count = (uint32_t)f->array_len;
		uint32_t esize = count ? f->size / count : 0;
		struct type *elem;
		if (esize == 1 || esize == 2 || esize == 4 || esize == 8) {
			elem = scalar_type(a, base, esize, f->is_signed);
		} else {
			int i = int_name_find(base);
			elem = i >= 0 ? type_int(a, int_names[i].size, int_names[i].is_signed)
				      : type_int(a, 1, false);
		}
		return array_type(a, elem, count, f->size);
	}
	return scalar_type(a, base, f->size, f->is_signed);
}

/* The record's fields as args exposes them: the common_* header is not
 * among them (bpftrace hides it too). */
static int tracepoint_fields(struct arena *a, struct attach_point *ap)
{
	struct tracefs_field *tf;
	int n = tracefs_format(a, ap->target, ap->func, &tf);
	if (n < 0)
		return n;
	bool user = !strcmp(ap->target, "syscalls");
	ap->fields = arena_alloc(a, (n ? n : 1) * sizeof(*ap->fields));
	ap->nfields = 0;
	for (int i = 0; i < n; i++) {
		if (!strncmp(tf[i].name, "common_", 7))
			continue;
		struct ctx_field *cf = &ap->fields[ap->nfields++];
		cf->name = tf[i].name;
		cf->offset = tf[i].offset;
		cf->type = field_type(a, &tf[i], user, &cf->data_loc);
	}
	return 0;
}

static int tracepoint_load_fields(struct arena *a, struct diags *d, struct attach_point *ap)
{
	if (tracepoint_fields(a, ap) < 0) {
		diag_error(d, ap->loc, "%s", tracefs_error());
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- expansion */

/* A wide wildcard over syscall tracepoints is served by raw_syscalls:
 * sys_enter / sys_exit and a switch on the syscall number, not by one perf
 * event per tracepoint: detaching hundreds of those takes the kernel tens
 * of seconds.  Their records agree with raw_syscalls' (the number at 8, the
 * arguments or the return value from 16), so args keep their offsets.
 * A syscall unknown to this build keeps its own tracepoint. */
#define FUSE_MIN 8

/* A fused syscall tracepoint's program runs on raw_syscalls. */
static const char *raw_syscall(const struct attach_point *ap)
{
	return !strncmp(ap->func, "sys_enter_", 10) ? "sys_enter" : "sys_exit";
}

static void fuse_syscalls(struct attach_point **aps, int n)
{
	int candidates = 0;
	for (int i = 0; i < n; i++)
		candidates += !strcmp(aps[i]->target, "syscalls");
	if (candidates < FUSE_MIN)
		return;
	for (int i = 0; i < n; i++) {
		struct attach_point *ap = aps[i];
		const char *f = ap->func;
		if (strcmp(ap->target, "syscalls"))
			continue;
		const char *sys = !strncmp(f, "sys_enter_", 10) ? f + 10
				  : !strncmp(f, "sys_exit_", 9) ? f + 9 : NULL;
		int nr = sys ? syscall_number(sys) : -1;
		if (nr < 0)
			continue;
		ap->dispatch = true;
		ap->dispatch_offset = 8;
		ap->dispatch_key = (uint64_t)nr;
	}
}

static void push_tracepoint(struct probe_env *env, const struct ast_node *node, const char *cat,
			    const char *name, struct attach_list *out)
{
	struct attach_point *ap = attach_point_new(env->arena, &probe_tracepoint, node);
	ap->target = arena_strdup(env->arena, cat);
	ap->func = arena_strdup(env->arena, name);
	ap->name = arena_printf(env->arena, "tracepoint:%s:%s", cat, name);
	/* its format file is read when args are first needed: a wildcard
	 * over hundreds of tracepoints whose body never reads them reads none */
	ap->fields_pending = true;
	attach_list_push(env->arena, out, ap);
}

static void hint_closest(struct probe_env *env, const char *cat, const char *name,
			 const struct tracefs_event *ev, int n)
{
	const char **cands = malloc((n ? n : 1) * sizeof(*cands));
	if (!cands)
		return;
	char *want = arena_printf(env->arena, "%s:%s", cat, name);
	for (int i = 0; i < n; i++)
		cands[i] = ev[i].full;
	const char *best = diag_closest(want, cands, n);
	if (best)
		diag_hint(env->diags, "did you mean tracepoint:%s?", best);
	free(cands);
}

/* A wildcard on the event name in a mistyped category: suggest the category. */
static void hint_category(struct probe_env *env, const char *cat, const char *name,
			  const struct tracefs_event *ev, int n)
{
	const char **cands = malloc((n ? n : 1) * sizeof(*cands));
	if (!cands)
		return;
	int nc = 0;
	for (int i = 0; i < n; i++)
		if (!nc || strcmp(cands[nc - 1], ev[i].category))
			cands[nc++] = ev[i].category;
	const char *best = diag_closest(cat, cands, nc);
	if (best)
		diag_hint(env->diags, "did you mean tracepoint:%s:%s?", best, name);
	free(cands);
}

static int tracepoint_expand(struct probe_env *env, const struct ast_node *node, char **parts,
			     int nparts, struct attach_list *out)
{
	const char *cat, *name;
	if (nparts == 2 && has_wildcard(parts[1])) {
		/* "tracepoint:*open*": the category is a wildcard too (bpftrace) */
		cat = "*";
		name = parts[1];
	} else if (nparts == 3) {
		cat = parts[1];
		name = parts[2];
	} else {
		diag_error(env->diags, node->loc,
			   "tracepoint probe type requires 2 arguments, found %d", nparts - 1);
		diag_hint(env->diags, "write tracepoint:CATEGORY:NAME, e.g. tracepoint:syscalls:sys_enter_openat");
		return -1;
	}
	if (!*cat || !*name) {
		diag_error(env->diags, node->loc,
			   "tracepoint needs a category and an event name, found '%s:%s'", cat, name);
		return -1;
	}
	const struct tracefs_event *ev;
	int n;
	if (!has_wildcard(cat) && !has_wildcard(name)) {
		if (!tracefs_root()) {
			diag_error(env->diags, node->loc, "%s", tracefs_error());
			return -1;
		}
		if (!tracefs_event_exists(cat, name)) {
			diag_error(env->diags, node->loc, "tracepoint not found: %s:%s", cat, name);
			/* the list only for the hint */
			if ((n = tracefs_events(&ev)) > 0)
				hint_closest(env, cat, name, ev, n);
			return -1;
		}
		push_tracepoint(env, node, cat, name, out);
		return 0;
	}

	n = tracefs_events(&ev);
	if (n < 0) {
		diag_error(env->diags, node->loc, "%s", tracefs_error());
		return -1;
	}

	int matched = 0, first = out->len;
	for (int i = 0; i < n; i++) {
		if (fnmatch(cat, ev[i].category, 0) || fnmatch(name, ev[i].name, 0))
			continue;
		push_tracepoint(env, node, ev[i].category, ev[i].name, out);
		matched++;
	}
	if (matched)	/* out->items may still be NULL */
		fuse_syscalls(out->items + first, out->len - first);
	if (!matched) {
		diag_error(env->diags, node->loc, "no tracepoint matches tracepoint:%s:%s", cat, name);
		if (!has_wildcard(cat) && !tracefs_category_exists(cat))
			hint_category(env, cat, name, ev, n);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------ program and attach */

static const char *tracepoint_section(struct arena *a, const struct attach_point *ap)
{
	if (ap->dispatch)
		return arena_printf(a, "tracepoint/raw_syscalls/%s", raw_syscall(ap));
	return arena_printf(a, "tracepoint/%s/%s", ap->target, ap->func);
}

/* -lv: the format file's declarations, as bpftrace shows them */
static void tracepoint_describe(const struct attach_point *ap, FILE *out)
{
	struct arena a = {0};
	struct tracefs_field *tf;
	int n = tracefs_format(&a, ap->target, ap->func, &tf);
	for (int i = 0; i < n; i++) {
		if (!strncmp(tf[i].name, "common_", 7))
			continue;
		if (tf[i].array_len >= 0)
			fprintf(out, "    %s %s[%d]\n", tf[i].decl_type, tf[i].name, tf[i].array_len);
		else
			fprintf(out, "    %s %s\n", tf[i].decl_type, tf[i].name);
	}
	arena_free(&a);
}

static bool tracepoint_attach_once(const struct attach_point *ap)
{
	return ap->dispatch;
}

/* Fused syscall tracepoints (see fuse_syscalls) share one program when the
 * body does not read args, or when their args agree field by field. */
static bool same_fields(const struct attach_point *x, const struct attach_point *y)
{
	if (x->nfields != y->nfields)
		return false;
	for (int i = 0; i < x->nfields; i++)
		if (strcmp(x->fields[i].name, y->fields[i].name) ||
		    x->fields[i].offset != y->fields[i].offset ||
		    !type_equal(x->fields[i].type, y->fields[i].type))
			return false;
	return true;
}

static bool tracepoint_same_context(const struct attach_point *x, const struct attach_point *y,
				    bool uses_args)
{
	if (x->dispatch && y->dispatch && !strcmp(raw_syscall(x), raw_syscall(y)))
		return !uses_args || same_fields(x, y);
	return !strcmp(x->target, y->target) && !strcmp(x->func, y->func);
}

static int tracepoint_attach(struct loaded_probe *lp)
{
	const struct attach_point *ap = lp->ap;
	LIBBPF_OPTS(bpf_tracepoint_opts, opts, .bpf_cookie = (uint64_t)ap->index);
	const char *cat = ap->dispatch ? "raw_syscalls" : ap->target;
	const char *name = ap->dispatch ? raw_syscall(ap) : ap->func;
	return probe_link_add(lp, bpf_program__attach_tracepoint_opts(lp->prog, cat, name, &opts),
			      NULL);
}

/* ---------------------------------------------------------------- listing */

static void tracepoint_list(const struct probe_provider *p, char **parts, int nparts,
			    probe_list_emit_fn emit, void *ctx)
{
	const char *cat = "*", *name = "*";
	if (nparts == 1) {
		name = parts[0];
	} else if (nparts == 2) {
		cat = parts[0];
		name = parts[1];
	} else if (nparts > 2) {
		return;
	}
	const struct tracefs_event *ev;
	int n = tracefs_events(&ev);
	if (n < 0) {
		fprintf(stderr, "sonde: %s\n", tracefs_error());
		return;
	}
	char buf[512];
	for (int i = 0; i < n; i++) {
		if (fnmatch(cat, ev[i].category, 0) || fnmatch(name, ev[i].name, 0))
			continue;
		snprintf(buf, sizeof(buf), "%s:%s", p->name, ev[i].full);
		emit(ctx, buf);
	}
}

const struct probe_provider probe_tracepoint = {
	.name = "tracepoint",
	.alias = "t",
	.expand = tracepoint_expand,
	.prog_type = BPF_PROG_TYPE_TRACEPOINT,
	.section = tracepoint_section,
	.load_fields = tracepoint_load_fields,
	.same_context = tracepoint_same_context,
	.attach_once = tracepoint_attach_once,
	.describe = tracepoint_describe,
	.attach = tracepoint_attach,
	.list = tracepoint_list,
};
