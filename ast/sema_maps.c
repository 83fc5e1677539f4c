/* Maps: one sema_map per name, key and value types unified over every use. */
#include <string.h>
#include <linux/bpf.h>

#include "ast/sema_internal.h"

static struct type *unify(struct sema *s, struct type *old, struct type *t, bool *conflict)
{
	*conflict = false;
	if (!old || old->kind == TY_NONE || (old->kind == TY_ERROR && t && t->kind != TY_NONE))
		return t;
	if (!t || t->kind == TY_NONE || t->kind == TY_ERROR)
		return old;
	if (old->kind == TY_AGG || t->kind == TY_AGG) {
		if (old->kind != t->kind || old->agg != t->agg) {
			*conflict = true;
			return old;
		}
		if (old->agg == AGG_LHIST &&
		    (old->lhist_min != t->lhist_min || old->lhist_max != t->lhist_max ||
		     old->lhist_step != t->lhist_step)) {
			*conflict = true;
			return old;
		}
		if (old->agg == AGG_HIST && old->hist_bits != t->hist_bits) {
			*conflict = true;
			return old;
		}
		if (old->agg == AGG_TSERIES &&
		    (old->ts_interval != t->ts_interval || old->ts_count != t->ts_count ||
		     old->ts_fn != t->ts_fn)) {
			*conflict = true;
			return old;
		}
		if (t->agg_signed && !old->agg_signed)
			return t;
		return old;
	}
	if (!type_compatible(t, old)) {
		*conflict = true;
		return old;
	}
	/* Strings grow to the largest bound seen; tuples field by field. */
	if (old->kind == TY_STRING && t->size > old->size)
		return t;
	if (old->kind == TY_TUPLE) {
		bool grow = false;
		struct type **f = arena_alloc(s->a, sizeof(*f) * old->nfields);
		for (int i = 0; i < old->nfields; i++) {
			bool c;
			f[i] = unify(s, old->fields[i], t->fields[i], &c);
			grow |= f[i] != old->fields[i];
		}
		if (grow)
			return type_tuple(s->a, f, old->nfields);
	}
	if (old->kind == TY_INT && t->is_signed != old->is_signed)
		return type_int(s->a, 8, true);
	return old;
}

struct sema_map *sema_map_get(struct sema *s, struct ast_node *n)
{
	const char *name = n->name ? n->name : "";
	for (int i = 0; i < s->sp->nmaps; i++)
		if (!strcmp(s->sp->maps[i]->name + 1, name))
			return n->map = s->sp->maps[i];
	struct sema_map *m = arena_alloc(s->a, sizeof(*m));
	m->name = arena_printf(s->a, "@%s", name);
	m->loc = n->loc;
	m->id = s->sp->nmaps;
	struct sema_map **maps = arena_alloc(s->a, sizeof(*maps) * (s->sp->nmaps + 1));
	if (s->sp->nmaps)
		memcpy(maps, s->sp->maps, sizeof(*maps) * s->sp->nmaps);
	maps[s->sp->nmaps++] = m;
	s->sp->maps = maps;
	s->changed = true;
	return n->map = m;
}

void sema_map_set_value(struct sema *s, struct sema_map *m, struct type *t, struct src_loc loc)
{
	bool conflict;
	struct type *st = sema_storage_type(s->a, t);
	struct type *u = unify(s, m->value, st, &conflict);
	if (conflict) {
		const char *was = type_name(s->a, m->value), *now = type_name(s->a, st);
		sema_error(s, loc, "map %s holds %s here but %s elsewhere", m->name, now, was);
		if (s->final)
			diag_hint(s->d, "map %s was first given a value of type %s at line %d, column %d",
				  m->name, was, m->value_loc.line, m->value_loc.col);
		return;
	}
	if (u != m->value) {
		if (!m->value || !type_equal(u, m->value))
			s->changed = true;
		if (!m->value || m->value->kind == TY_NONE)
			m->value_loc = loc;
		m->value = u;
	}
}

/* Key type of a map expression, from its subscripts. */
void sema_map_set_key(struct sema *s, struct ast_node *n, struct type *key)
{
	struct sema_map *m = n->map;
	if (!key) {
		m->unkeyed_used = true;
		if (m->keyed_used)
			sema_error(s, n->loc, "map %s is used without a key here but with keys elsewhere",
				   m->name);
		return;
	}
	m->keyed_used = true;
	if (m->unkeyed_used)
		sema_error(s, n->loc, "map %s is used with keys here but without a key elsewhere",
			   m->name);
	bool conflict;
	struct type *st = sema_storage_type(s->a, key);
	struct type *u = unify(s, m->key, st, &conflict);
	if (conflict) {
		sema_error(s, n->loc, "map %s has keys of type %s here but %s elsewhere", m->name,
			   type_name(s->a, st), type_name(s->a, m->key));
		return;
	}
	if (u != m->key) {
		if (!m->key || !type_equal(u, m->key))
			s->changed = true;
		m->key = u;
	}
}

#define CACHE_LINE 64

/* Arrays where no user key is needed (one slot, or one slot per bucket,
 * in a region per CPU): a lookup there never misses, the cheapest hot
 * path. */
static void map_layout(struct sema *s, struct sema_map *m)
{
	struct map_layout *l = &m->layout;
	const struct type *v = m->value;
	bool agg = v->kind == TY_AGG;
	l->percpu = agg;
	l->sum_written = false;
	l->nbuckets = agg_bucket_count(v);
	l->value_size = agg ? agg_value_size(v->agg) : v->size;
	bool buckets = l->nbuckets > 0;
	/* not tseries: as in bpftrace, clear() empties it and zero() keeps
	 * its slots, which an array cannot tell apart.  The others can tell a
	 * slot never written: a count is never 0 once written, avg and stats
	 * count, min and max keep a flag, and a sum gets one here */
	bool array_ok = v->agg == AGG_COUNT || v->agg == AGG_SUM || v->agg == AGG_AVG ||
			v->agg == AGG_STATS || v->agg == AGG_MIN || v->agg == AGG_MAX;
	if (!m->key && agg && !m->deleted && (array_ok || (buckets && v->agg != AGG_TSERIES))) {
		/* Not a per-CPU array: its lookup reads the map's own struct (the
		 * per-CPU pointer) as well as the value, where a plain array's
		 * inlined lookup computes the address from the map's and reads
		 * the value alone: one page less per event, which costs a TLB
		 * miss under PTI (tests/bench/bpf_floor.sh, count_cpu_slot).  Each
		 * CPU has its own region, at least a cache line apart from the
		 * next CPU's slots. */
		l->percpu = true;
		l->bpf_type = BPF_MAP_TYPE_ARRAY;
		l->key_size = 4;
		if (v->agg == AGG_SUM) {
			l->sum_written = true;
			l->value_size = 16;
		}
		uint32_t slots = buckets ? l->nbuckets : 1;
		l->cpu_entries = slots + (CACHE_LINE + l->value_size - 1) / l->value_size;
		l->max_entries = l->cpu_entries;
		return;
	}
	l->bpf_type = agg ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH;
	l->key_size = m->key ? m->key->size : 8;
	if (buckets) {
		l->bucket_in_key = true;
		l->key_size = m->key ? ((m->key->size + 7) & ~7u) + 8 : 8;
	}
	l->max_entries = s->sp->max_map_keys;
	if (buckets && l->max_entries < l->nbuckets)
		l->max_entries = l->nbuckets;
}

static const struct {
	const char *name;
	int bpf_type;
	bool percpu;
} decl_kinds[] = {
	{"hash", BPF_MAP_TYPE_HASH, false},
	{"lruhash", BPF_MAP_TYPE_LRU_HASH, false},
	{"percpuhash", BPF_MAP_TYPE_PERCPU_HASH, true},
	{"percpulruhash", BPF_MAP_TYPE_LRU_PERCPU_HASH, true},
	{"percpuarray", BPF_MAP_TYPE_PERCPU_ARRAY, true},
};

void sema_declare_map(struct sema *s, struct ast_node *n)
{
	struct ast_node *c = n->rhs;
	int k = -1;
	for (int i = 0; c && c->kind == AST_CALL && i < (int)(sizeof(decl_kinds) / sizeof(decl_kinds[0])); i++)
		if (!strcmp(c->name, decl_kinds[i].name))
			k = i;
	if (k < 0) {
		diag_error(s->d, c ? c->loc : n->loc,
			   "a map is declared with hash(N), lruhash(N), percpuhash(N), percpulruhash(N) or percpuarray(N)");
		return;
	}
	int64_t v;
	if (c->list.len != 1 || !sema_const_int(s, c->list.items[0], &v) || v < 1 || v > (1 << 24)) {
		diag_error(s->d, c->loc, "%s() takes the map's maximum number of entries, an integer constant from 1 to 16777216",
			   c->name);
		return;
	}
	const char *name = n->name ? n->name : "";
	for (int i = 0; i < s->ndecls; i++)
		if (!strcmp(s->decls[i].name, name)) {
			diag_error(s->d, n->loc, "map @%s is declared twice", name);
			diag_hint(s->d, "first declared at line %d, column %d", s->decls[i].loc.line,
				  s->decls[i].loc.col);
			return;
		}
	struct sema_map_decl *d = arena_alloc(s->a, sizeof(*d) * (size_t)(s->ndecls + 1));
	if (s->ndecls)
		memcpy(d, s->decls, sizeof(*d) * (size_t)s->ndecls);
	d[s->ndecls] = (struct sema_map_decl){.name = name, .kind = decl_kinds[k].name,
					      .bpf_type = decl_kinds[k].bpf_type,
					      .entries = (uint32_t)v, .loc = n->loc};
	s->decls = d;
	s->ndecls++;
}

/* The declared type replaces the one sonde would choose. */
static void apply_decl(struct sema *s, struct sema_map *m, struct sema_map_decl *d)
{
	struct map_layout *l = &m->layout;
	const struct type *v = m->value;
	bool agg = v->kind == TY_AGG;
	bool percpu = d->bpf_type == BPF_MAP_TYPE_PERCPU_HASH ||
		      d->bpf_type == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
		      d->bpf_type == BPF_MAP_TYPE_PERCPU_ARRAY;
	d->used = true;
	if (agg != percpu) {
		diag_error(s->d, d->loc, agg ? "map %s holds %s(), which needs a per-CPU map: percpuhash or percpulruhash"
					     : "map %s holds %s values, but a %s map holds only aggregations (count(), sum(), ...)",
			   m->name, agg ? agg_name(v->agg) : type_name(s->a, v), d->kind);
		return;
	}
	if (d->bpf_type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		if (m->deleted && !m->key) {
			diag_error(s->d, d->loc, "delete() cannot remove the value of a percpuarray map (every CPU keeps its slot); declare %s with percpuhash",
				   m->name);
			return;
		}
		if (!map_layout_is_array(l)) {
			diag_error(s->d, d->loc, "percpuarray is for count(), sum(), avg(), stats(), min(), max(), hist() and lhist() maps without keys; declare %s with percpuhash",
				   m->name);
			return;
		}
		/* the per-CPU array itself, as declared */
		l->bpf_type = BPF_MAP_TYPE_PERCPU_ARRAY;
		l->cpu_entries = 0;
		l->max_entries = l->nbuckets ? l->nbuckets : 1;
		return;
	}
	if (map_layout_is_array(l)) {
		l->cpu_entries = 0;
		/* a keyless count or hist in a hash: a zero key, or the bucket;
		 * a sum's entry exists once written, so it needs no flag */
		l->key_size = 8;
		l->bucket_in_key = l->nbuckets > 0;
		l->sum_written = false;
		l->value_size = agg_value_size(v->agg);
	}
	l->bpf_type = d->bpf_type;
	uint64_t max = (uint64_t)d->entries * (l->nbuckets ? l->nbuckets : 1);
	l->max_entries = max > (1u << 24) ? (1u << 24) : (uint32_t)max;
}

void sema_check_maps(struct sema *s)
{
	for (int i = 0; i < s->sp->nmaps; i++) {
		struct sema_map *m = s->sp->maps[i];
		if (!m->value || m->value->kind == TY_NONE || m->value->kind == TY_ERROR) {
			if (!m->value || m->value->kind == TY_NONE)
				diag_error(s->d, m->loc, "map %s is used but never assigned a value",
					   m->name);
			else if (!s->d->errors)
				/* an error type with nothing said: the value comes
				 * only from itself (@h = printf("%d", @h)) */
				diag_error(s->d, m->loc, "map %s never gets a value of a known type: "
					   "every value assigned to it needs its own value first",
					   m->name);
			continue;
		}
		map_layout(s, m);
		for (int k = 0; k < s->ndecls; k++)
			if (!strcmp(s->decls[k].name, m->name + 1))
				apply_decl(s, m, &s->decls[k]);
	}
	for (int k = 0; k < s->ndecls; k++) {
		bool exists = false;
		for (int i = 0; i < s->sp->nmaps; i++)
			exists |= !strcmp(s->decls[k].name, s->sp->maps[i]->name + 1);
		if (!exists)
			diag_warn(s->d, s->decls[k].loc, "map @%s is declared but never used",
				  s->decls[k].name);
	}
}
