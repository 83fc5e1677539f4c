/* The table of probe providers, and what every provider shares: splitting
 * attach point text, finding the provider, growing attach lists. */
#include <errno.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/probes/probe.h"

/* Adding a probe type: one file defining its provider, one line here. */
const struct probe_provider *const probe_providers[] = {
	&probe_begin,
	&probe_end,
	&probe_tracepoint,
	&probe_interval,
	&probe_profile,
	&probe_kprobe,
	&probe_kretprobe,
	&probe_fentry,
	&probe_fexit,
	&probe_rawtracepoint,
	&probe_software,
	&probe_hardware,
	&probe_watchpoint,
	&probe_asyncwatchpoint,
	&probe_iter,
	&probe_uprobe, &probe_uretprobe,
	&probe_usdt,
};
const int probe_provider_count = sizeof(probe_providers) / sizeof(probe_providers[0]);

const struct probe_provider *probe_provider_find(const char *name)
{
	if (!name)
		return NULL;
	for (int i = 0; i < probe_provider_count; i++) {
		const struct probe_provider *p = probe_providers[i];
		if (!strcmp(p->name, name) || (p->alias && !strcmp(p->alias, name)) ||
		    (p->alias2 && !strcmp(p->alias2, name)))
			return p;
	}
	return NULL;
}

void attach_list_push(struct arena *a, struct attach_list *l, struct attach_point *ap)
{
	if (l->len == l->cap) {
		int cap = l->cap ? l->cap * 2 : 8;
		struct attach_point **items = arena_alloc(a, cap * sizeof(*items));
		if (l->len)
			memcpy(items, l->items, l->len * sizeof(*items));
		l->items = items;
		l->cap = cap;
	}
	l->items[l->len++] = ap;
}

struct attach_point *attach_point_new(struct arena *a, const struct probe_provider *p,
				      const struct ast_node *node)
{
	struct attach_point *ap = arena_alloc(a, sizeof(*ap));
	ap->provider = p;
	if (node)
		ap->loc = node->loc;
	return ap;
}

int attach_point_fields(struct attach_point *ap, struct arena *a, struct diags *d, bool args,
			const struct ctx_field **fields)
{
	if (args && ap->fields_pending) {
		ap->fields_pending = false;
		ap->fields_failed = ap->provider->load_fields(a, d, ap) < 0;
	}
	*fields = ap->fields;
	return args && ap->fields_failed ? -1 : ap->nfields;
}

const struct ctx_field *ctx_field_find(const struct ctx_field *fields, int n, const char *name,
				       bool builtin)
{
	for (int i = 0; i < n; i++)
		if (fields[i].builtin == builtin && !strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

/* ------------------------------------------------------------- splitting */

struct strbuf {
	struct arena *a;
	char *s;
	size_t len, cap;
};

static void sb_putn(struct strbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *ns = arena_alloc(b->a, cap);
		if (b->len)
			memcpy(ns, b->s, b->len);
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

int probe_split(struct arena *a, const char *text, const char *const *positional,
		int npositional, char ***out)
{
	int n = 1;
	for (const char *p = text; *p; p++)
		n += *p == ':';
	char **parts = arena_alloc(a, (n + 1) * sizeof(*parts));
	int len = 0;
	struct strbuf b = {.a = a};
	sb_putn(&b, "", 0);
	bool quoted = false;
	for (const char *p = text; *p; p++) {
		if (*p == ':' && !quoted) {
			parts[len++] = b.s;
			b = (struct strbuf){.a = a};
			sb_putn(&b, "", 0);
		} else if (*p == '"') {
			quoted = !quoted;
		} else if (quoted && *p == '\\' && p[1]) {
			sb_putn(&b, ++p, 1);
		} else if (!quoted && *p == '$' && p[1] >= '0' && p[1] <= '9') {
			char *end;
			long i = strtol(p + 1, &end, 10);
			const char *v = i >= 1 && i <= npositional && positional ? positional[i - 1] : "";
			sb_putn(&b, v, strlen(v));
			p = end - 1;
		} else {
			sb_putn(&b, p, 1);
		}
	}
	parts[len++] = b.s;
	*out = parts;
	return len;
}

/* ------------------------------------------------------------- expanding */

static bool has_wildcard(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static void unknown_type(struct probe_env *env, const struct ast_node *node, const char *type)
{
	const char *cands[3 * 64];
	int n = 0;
	for (int i = 0; i < probe_provider_count && n + 3 <= (int)(sizeof(cands) / sizeof(*cands)); i++) {
		const struct probe_provider *p = probe_providers[i];
		cands[n++] = p->name;
		/* one- and two-letter aliases are close to anything short */
		if (p->alias && strlen(p->alias) > 2)
			cands[n++] = p->alias;
		if (p->alias2 && strlen(p->alias2) > 2)
			cands[n++] = p->alias2;
	}
	if (has_wildcard(type)) {
		diag_error(env->diags, node->loc, "wildcards in the probe type are not supported: %s",
			   type);
		return;
	}
	diag_error(env->diags, node->loc, "unknown probe type '%s'", type);
	const char *best = *type ? diag_closest(type, cands, n) : NULL;
	if (best)
		diag_hint(env->diags, "did you mean %s?", best);
}

/* "interval:s:$1" without $1 on the command line would otherwise become
 * "interval:s:" and get a confusing complaint about the empty part. */
static bool positional_missing(struct probe_env *env, const struct ast_node *node,
			       const char *text)
{
	bool quoted = false;
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (quoted && *p == '\\' && p[1])
			p++;
		else if (!quoted && *p == '$' && p[1] >= '0' && p[1] <= '9') {
			char *end;
			long i = strtol(p + 1, &end, 10);
			if (i < 1 || i > env->npositional || !env->positional) {
				diag_error(env->diags, node->loc,
					   "positional parameter $%.*s is not given on the command line",
					   (int)(end - p - 1), p + 1);
				return true;
			}
			p = end - 1;
		}
	}
	return false;
}

int probe_expand(struct probe_env *env, const struct ast_node *node, struct attach_list *out)
{
	const char *text = node && node->str ? node->str : "";
	if (!*text) {
		diag_error(env->diags, node ? node->loc : (struct src_loc){0}, "empty attach point");
		return -1;
	}
	if (positional_missing(env, node, text))
		return -1;
	char **parts;
	int nparts = probe_split(env->arena, text, env->positional, env->npositional, &parts);
	const struct probe_provider *p = probe_provider_find(parts[0]);
	if (!p) {
		unknown_type(env, node, parts[0]);
		return -1;
	}
	return p->expand(env, node, parts, nparts, out);
}

/* ------------------------------------------------------------- attaching */

int probe_attach(struct loaded_probe *lp)
{
	const struct probe_provider *p = lp->ap->provider;
	if (p->run_by_runtime || !p->attach)
		return 0;
	return p->attach(lp);
}

void probe_detach(struct loaded_probe *lp)
{
	for (int i = 0; i < lp->nlinks; i++)
		bpf_link__destroy(lp->links[i]);
	free(lp->links);
	lp->links = NULL;
	lp->nlinks = 0;
	if (lp->ap && lp->ap->provider->detach)
		lp->ap->provider->detach(lp);
}

int probe_link_add(struct loaded_probe *lp, struct bpf_link *l, const char *why)
{
	int err = errno ? errno : EINVAL;
	struct bpf_link **links = l ? realloc(lp->links, (lp->nlinks + 1) * sizeof(*links)) : NULL;
	if (l && !links) {
		bpf_link__destroy(l);
		l = NULL;
		err = ENOMEM;
	}
	if (!l) {
		fprintf(stderr, "sonde: cannot attach %s: %s\n", lp->ap->name, why ? why : strerror(err));
		return -err;
	}
	lp->links = links;
	lp->links[lp->nlinks++] = l;
	return 0;
}
