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

/* Buckets per key of a hist or lhist, 0 for other values. */
static uint32_t agg_buckets(const struct type *t)
{
	if (t->agg == AGG_HIST)
		return hist_bucket_count(t);
	if (t->agg == AGG_LHIST)
		return lhist_bucket_count(t);
	return 0;
}

/* Per-CPU arrays where no user key is needed (one slot, or one slot per
 * bucket): a lookup there never misses, the cheapest hot path. */
static void map_layout(struct sema *s, struct sema_map *m)
{
	struct map_layout *l = &m->layout;
	const struct type *v = m->value;
	bool agg = v->kind == TY_AGG;
	l->percpu = agg;
	l->nbuckets = agg ? agg_buckets(v) : 0;
	l->value_size = agg ? agg_value_size(v->agg) : v->size;
	bool buckets = l->nbuckets > 0;
	if (!m->key && agg && (v->agg == AGG_COUNT || buckets)) {
		l->bpf_type = BPF_MAP_TYPE_PERCPU_ARRAY;
		l->key_size = 4;
		l->max_entries = buckets ? l->nbuckets : 1;
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

void sema_check_maps(struct sema *s)
{
	for (int i = 0; i < s->sp->nmaps; i++) {
		struct sema_map *m = s->sp->maps[i];
		if (!m->value || m->value->kind == TY_NONE || m->value->kind == TY_ERROR) {
			if (!m->value || m->value->kind == TY_NONE)
				diag_error(s->d, m->loc, "map %s is used but never assigned a value",
					   m->name);
			continue;
		}
		map_layout(s, m);
	}
}
