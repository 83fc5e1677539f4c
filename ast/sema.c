/* The semantic passes.
 *
 *  1. expand probes: every attach point through its provider, and group a
 *     probe's attach points into programs that share a context;
 *  2. resolve names and infer types: repeated until map and variable types
 *     stop changing (a map may be read in one probe before the probe that
 *     assigns it), then once more with errors enabled.
 *
 * Errors are reported only in the final pass, so each is reported once. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ast/sema.h"
#include "ast/sema_internal.h"
#include "ast/sema_share.h"
#include "stdlib/stdlib.h"
#include "stdlib/entries.h"

struct arena *sema_arena(struct sema *s) { return s->a; }
bool sema_final(struct sema *s) { return s->final; }
struct sema_prog *sema_current_prog(struct sema *s) { return s->prog; }
const struct sema_program *sema_program(struct sema *s) { return s->sp; }
const char *sema_source_name(struct sema *s)
{
	return s->d && s->d->src && s->d->src->name ? s->d->src->name : "script";
}

void sema_error(struct sema *s, struct src_loc loc, const char *fmt, ...)
{
	if (!s->final)
		return;
	va_list ap;
	va_start(ap, fmt);
	diag_verror(s->d, loc, fmt, ap);
	va_end(ap);
}

void sema_hint(struct sema *s, const char *fmt, ...)
{
	if (!s->final)
		return;
	va_list ap;
	va_start(ap, fmt);
	diag_vhint(s->d, fmt, ap);
	va_end(ap);
}

void sema_unsupported(struct sema *s, struct src_loc loc, const char *what)
{
	sema_error(s, loc, "%s is not supported yet", what);
}

/* Appends to an arena array whose capacity is the next power of two: a new
 * copy at 0, 1, 2, 4, 8, ... elements (growing by one each time made a
 * 20,000-point wildcard cost gigabytes). */
#define PUSH(arr, n, item)                                                            \
	do {                                                                          \
		if (((n) & ((n) - 1)) == 0) {                                         \
			void *_old = (arr);                                           \
			(arr) = arena_alloc(s->a, sizeof(*(arr)) * ((n) ? 2 * (n) : 1)); \
			if (n)                                                        \
				memcpy((arr), _old, sizeof(*(arr)) * (n));            \
		}                                                                     \
		(arr)[(n)++] = (item);                                                \
	} while (0)

struct sema_event *sema_add_event(struct sema *s, const struct stdlib_fn *fn,
				  struct ast_node *call)
{
	/* An event is created once per call site, whatever the pass. */
	if (call->extra)
		return call->extra;
	struct sema_event *ev = arena_alloc(s->a, sizeof(*ev));
	ev->id = s->sp->nevents;
	ev->fn = fn;
	ev->call = call;
	PUSH(s->sp->events, s->sp->nevents, ev);
	call->extra = ev;
	s->sp->needs_ringbuf = true;
	return ev;
}

struct type *sema_storage_type(struct arena *a, struct type *t)
{
	if (!t)
		return NULL;
	switch (t->kind) {
	case TY_INT:
		return t->size == 8 ? t : type_int(a, 8, t->is_signed);
	case TY_BOOL:
		return t;
	case TY_TUPLE: {
		struct type **f = arena_alloc(a, sizeof(*f) * t->nfields);
		bool same = true;
		for (int i = 0; i < t->nfields; i++) {
			f[i] = sema_storage_type(a, t->fields[i]);
			same &= f[i] == t->fields[i];
		}
		return same ? t : type_tuple(a, f, t->nfields);
	}
	default:
		return t;
	}
}

bool sema_const_int(struct sema *s, struct ast_node *e, int64_t *out)
{
	switch (e->kind) {
	case AST_INT:
		*out = (int64_t)e->ival;
		return true;
	case AST_UNARY:
		if (e->op == OP_NEG && sema_const_int(s, e->lhs, out)) {
			*out = -*out;
			return true;
		}
		return false;
	case AST_POSITIONAL: {
		long n = (long)e->ival;
		if (n >= 1 && n <= s->opts->npositional) {
			char *end;
			const char *v = s->opts->positional[n - 1];
			long long x = strtoll(v, &end, 0);
			if (*v && !*end) {
				*out = x;
				return true;
			}
		}
		return false;
	}
	default:
		return false;
	}
}

/* ---------------------------------------------------------------- probes */

static void sema_config(struct sema *s, struct ast_node *cfg)
{
	for (int i = 0; i < cfg->list.len; i++) {
		struct ast_node *a = cfg->list.items[i];
		const char *key = a->lhs && a->lhs->name ? a->lhs->name : "";
		int64_t v;
		if (!strcmp(key, "max_map_keys") || !strcmp(key, "BPFTRACE_MAP_KEYS_MAX")) {
			if (!a->rhs || !sema_const_int(s, a->rhs, &v) || v < 1 || v > (1 << 24)) {
				diag_error(s->d, a->loc, "config max_map_keys must be an integer from 1 to 16777216");
				continue;
			}
			s->sp->max_map_keys = (uint32_t)v;
		} else if (!strcmp(key, "strlen") || !strcmp(key, "BPFTRACE_STRLEN")) {
			if (!a->rhs || !sema_const_int(s, a->rhs, &v) || v < 1 || v > 1024) {
				diag_error(s->d, a->loc, "config strlen must be an integer from 1 to 1024");
				continue;
			}
			s->sp->strlen = (uint32_t)v;
		} else if (!strcmp(key, "max_probes") || !strcmp(key, "BPFTRACE_MAX_PROBES")) {
			if (!a->rhs || !sema_const_int(s, a->rhs, &v) || v < 1 || v > 100000) {
				diag_error(s->d, a->loc, "config max_probes must be an integer from 1 to 100000");
				continue;
			}
			s->max_programs = (int)v;
		} else if (!strcmp(key, "missing_probes")) {
			const char *v = a->rhs && a->rhs->kind == AST_STR ? a->rhs->str
					: a->rhs && a->rhs->kind == AST_IDENT ? a->rhs->name : "";
			if (!strcmp(v, "error") || !strcmp(v, "warn") || !strcmp(v, "ignore"))
				s->missing_probes = v;
			else
				diag_error(s->d, a->loc,
					   "config missing_probes must be \"error\", \"warn\" or \"ignore\"");
		} else {
			diag_error(s->d, a->loc, "config option '%s' is not supported yet", key);
		}
	}
}

/* The hidden program an attach point asks for (watchpoint:FUNC+argN): a
 * program of its own, which sends an event the stdlib's sl_probe_setup
 * hands to the provider in the runtime. */
static void add_setup_prog(struct sema *s, struct ast_node *probe, struct attach_point *ap)
{
	struct probe_setup ps;
	if (!ap->provider->setup || !ap->provider->setup(ap, &ps))
		return;
	struct sema_event *ev = arena_alloc(s->a, sizeof(*ev));
	ev->id = s->sp->nevents;
	ev->fn = &sl_probe_setup;
	PUSH(s->sp->events, s->sp->nevents, ev);
	s->sp->needs_ringbuf = true;
	struct sema_prog *prog = arena_alloc(s->a, sizeof(*prog));
	prog->probe = probe;
	prog->provider = ap->provider;
	prog->index = s->sp->nprogs;
	prog->section = ps.section;
	prog->setup = ps;
	prog->setup_event = ev;
	PUSH(prog->aps, prog->naps, ap);
	PUSH(s->sp->progs, s->sp->nprogs, prog);
}

/* bpftrace's default for max_probes.  sonde counts programs, not attach
 * points: a wildcard that shares one program (kprobe:vfs_*) counts once. */
#define SEMA_MAX_PROGRAMS 512

/* A fused syscall wildcard (ap->dispatch) whose programs differ (a body
 * printing args whole: their fields differ) puts them all on one raw
 * tracepoint, and the kernel runs at most 64 programs on a tracepoint
 * (BPF_TRACE_MAX_PROGS).  Past this many, the probe's attach points are
 * attached one by one, as without fusion. */
#define SEMA_MAX_DISPATCHED 32

/* Groups the probe's attach points into programs: -1 past max_programs
 * (said). */
static int group_programs(struct sema *s, struct ast_node *probe, struct attach_list *aps,
			  const struct args_use *uses)
{
	/* Each program is compiled, and loaded through the verifier: a
	 * wildcard whose attach points cannot share one (fentry:*: one per
	 * function) would take minutes and gigabytes before failing. */
	int max_programs = s->max_programs ? s->max_programs : SEMA_MAX_PROGRAMS;
	for (int i = 0; i < aps->len; i++) {
		struct attach_point *ap = aps->items[i];
		struct attach_point *prev = i ? aps->items[i - 1] : NULL;
		if (prev && !strcmp(prev->name, ap->name)) {
			/* one probe at several sites (a usdt probe whose sites
			 * lay out their arguments differently): one name, one
			 * index, one key in @[probe] */
			ap->index = prev->index;
		} else {
			ap->index = s->sp->naps;
			PUSH(s->sp->aps, s->sp->naps, ap);
		}
		struct sema_prog *prog = NULL;
		for (int j = 0; j < s->sp->nprogs && !prog; j++) {
			struct sema_prog *p = s->sp->progs[j];
			if (p->probe == probe && p->provider == ap->provider &&
			    sema_can_share(s, uses, p->aps[0], ap))
				prog = p;
		}
		if (!prog && s->sp->nprogs >= max_programs) {
			if (aps->len > 1)
				diag_error(s->d, probe->loc, "this probe takes the BPF programs past the "
					   "limit of %d: its %d attach points cannot share one",
					   max_programs, aps->len);
			else
				diag_error(s->d, probe->loc, "this probe takes the BPF programs past the "
					   "limit of %d", max_programs);
			diag_hint(s->d, "%sraise the limit with config = { max_probes = N }",
				  aps->len > 1 ? "narrow the wildcard, or " : "");
			return -1;
		}
		if (!prog) {
			prog = arena_alloc(s->a, sizeof(*prog));
			prog->probe = probe;
			prog->provider = ap->provider;
			prog->index = s->sp->nprogs;
			prog->section = ap->provider->section(s->a, ap);
			PUSH(s->sp->progs, s->sp->nprogs, prog);
		}
		PUSH(prog->aps, prog->naps, ap);
	}
	return 0;
}

static void sema_expand_probe(struct sema *s, struct ast_node *probe)
{
	struct args_use uses = sema_args_use(probe);
	struct attach_list aps = {0};
	struct probe_env env = {.arena = s->a, .diags = s->d,
				.positional = s->opts->positional,
				.npositional = s->opts->npositional, .pid = (int)s->opts->target.filter_pid,
				.cpid = (int)s->opts->target.cpid, .cmd = s->opts->target.cmd};
	/* config missing_probes: an attach point that matches nothing is a
	 * warning (or nothing) rather than an error */
	bool lenient = s->missing_probes && strcmp(s->missing_probes, "error");
	s->d->errors_as_warnings = lenient;
	s->d->quiet_warnings = lenient && !strcmp(s->missing_probes, "ignore");
	for (int i = 0; i < probe->list.len; i++)
		probe_expand(&env, probe->list.items[i], &aps);
	s->d->errors_as_warnings = s->d->quiet_warnings = false;
	int naps0 = s->sp->naps, nprogs0 = s->sp->nprogs;
	if (group_programs(s, probe, &aps, &uses) < 0)
		return;
	int dispatched = 0;
	for (int j = nprogs0; j < s->sp->nprogs; j++)
		dispatched += s->sp->progs[j]->aps[0]->dispatch;
	if (dispatched > SEMA_MAX_DISPATCHED) {
		s->sp->naps = naps0;
		s->sp->nprogs = nprogs0;
		for (int i = 0; i < aps.len; i++)
			aps.items[i]->dispatch = false;
		if (group_programs(s, probe, &aps, &uses) < 0)
			return;
	}
	for (int i = 0; i < aps.len; i++)
		add_setup_prog(s, probe, aps.items[i]);
}

/* An iterator runs once and ends the run: it is the probe's only attach
 * point, and BEGIN and END the only other probes (bpftrace's rule). */
static void check_alone(struct sema *s)
{
	const struct attach_point *alone = NULL;
	for (int i = 0; i < s->sp->naps && !alone; i++)
		if (s->sp->aps[i]->provider->runs_alone)
			alone = s->sp->aps[i];
	bool twice = false;
	for (int i = 0; alone && i < s->sp->naps; i++) {
		const struct attach_point *ap = s->sp->aps[i];
		if (ap == alone || ap->provider->run_by_runtime)
			continue;
		if (ap->provider != alone->provider)
			diag_error(s->d, ap->loc, "%s probes can't be mixed with other probes "
				   "(besides BEGIN and END): %s", alone->provider->name, ap->name);
		else if (!twice)
			diag_error(s->d, alone->loc, "Only single %s attach point is allowed.",
				   alone->provider->name);
		twice |= ap->provider == alone->provider;
	}
}

static void sema_toplevel(struct sema *s)
{
	struct ast_node *prog = s->sp->ast;
	/* config first: it shapes how probes expand */
	for (int i = 0; i < prog->list.len; i++)
		if (prog->list.items[i]->kind == AST_CONFIG)
			sema_config(s, prog->list.items[i]);
	for (int i = 0; i < prog->list.len; i++) {
		struct ast_node *n = prog->list.items[i];
		switch (n->kind) {
		case AST_PROBE:
			sema_expand_probe(s, n);
			break;
		case AST_CONFIG:
			break;
		case AST_MACRO:
			diag_error(s->d, n->loc, "macro definitions are not supported yet");
			break;
		case AST_MAP_DECL:
			sema_declare_map(s, n);
			break;
		case AST_C_DEFINITION:
			diag_error(s->d, n->loc, "C definitions and #include are not supported yet");
			break;
		case AST_IMPORT:
			diag_error(s->d, n->loc, "import is not supported yet");
			break;
		default:
			diag_error(s->d, n->loc, "unexpected %s at top level", ast_kind_name(n->kind));
			break;
		}
	}
	check_alone(s);
}

/* ---------------------------------------------------------------- driver */

void sema_annotate_prog(struct sema_program *sp, struct sema_prog *p)
{
	struct sema_opts opts = {.positional = sp->positional, .npositional = sp->npositional,
				 .unsafe = true};
	struct sema s = {.a = sp->arena, .sp = sp, .opts = &opts, .prog = p};
	if (p->setup_event)
		return; /* no body of the script's */
	/* Types have converged: this pass reports nothing and changes no map,
	 * it only points the nodes at p's context (args fields, variables). */
	if (p->probe->pred)
		sema_check_expr(&s, p->probe->pred);
	sema_check_block(&s, p->probe->body);
}

struct sema_program *sema_run(struct arena *a, struct diags *d, struct ast_node *program,
			      const struct sema_opts *opts)
{
	static const struct sema_opts no_opts;
	struct sema s = {.a = a, .d = d, .opts = opts ? opts : &no_opts};
	s.sp = arena_alloc(a, sizeof(*s.sp));
	s.sp->ast = program;
	s.sp->src = d->src;
	s.sp->arena = a;
	s.sp->strlen = 64;
	s.sp->positional = s.opts->positional;
	s.sp->npositional = s.opts->npositional;
	s.sp->target = s.opts->target;
	s.sp->max_map_keys = 4096;

	int errors = d->errors;
	sema_toplevel(&s);
	if (d->errors > errors)
		return NULL;

	/* Infer until nothing changes (bounded: each round can only fix more
	 * map and variable types), then check with errors enabled. */
	for (int round = 0; round < 8; round++) {
		s.changed = false;
		sema_check_probes(&s);
		if (!s.changed)
			break;
	}
	s.final = true;
	sema_check_probes(&s);
	sema_check_maps(&s);
	if (d->errors > errors)
		return NULL;
	return s.sp;
}
