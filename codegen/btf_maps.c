/* A map is a global of an anonymous struct whose members encode its shape:
 * `type` and `max_entries` are pointers to int arrays of that length, `key`
 * and `value` pointers to types of the key and value sizes.  libbpf reads
 * the BTF the back end generates from this debug info. */
#include <stdlib.h>
#include <string.h>

#include "codegen/btf_maps.h"

struct map_def {
	const char *name;
	int type;
	uint32_t max_entries;
	uint32_t key_size, value_size; /* 0: no key/value member (ring buffer) */
};

static LLVMMetadataRef di_int(struct codegen *cg)
{
	return LLVMDIBuilderCreateBasicType(cg->u.di, "int", 3, 32, 5 /* DW_ATE_signed */, LLVMDIFlagZero);
}

/* int (*name)[n] */
static LLVMMetadataRef uint_member(struct codegen *cg, const char *name, uint32_t n, uint64_t off)
{
	LLVMMetadataRef sub = LLVMDIBuilderGetOrCreateSubrange(cg->u.di, 0, n);
	LLVMMetadataRef arr = LLVMDIBuilderCreateArrayType(cg->u.di, (uint64_t)n * 32, 32, di_int(cg), &sub, 1);
	LLVMMetadataRef p = LLVMDIBuilderCreatePointerType(cg->u.di, arr, 64, 64, 0, "", 0);
	return LLVMDIBuilderCreateMemberType(cg->u.di, cg->u.di_file, name, strlen(name), cg->u.di_file, 0,
					     64, 64, off, LLVMDIFlagZero, p);
}

/* A type of size bytes: an unsigned integer when it has an integer's
 * size, else an array of unsigned char. */
static LLVMMetadataRef sized_type(struct codegen *cg, uint32_t size)
{
	if (size == 4)
		return LLVMDIBuilderCreateBasicType(cg->u.di, "unsigned int", 12, 32, 8, LLVMDIFlagZero);
	if (size == 8)
		return LLVMDIBuilderCreateBasicType(cg->u.di, "unsigned long", 13, 64, 8, LLVMDIFlagZero);
	LLVMMetadataRef u8 = LLVMDIBuilderCreateBasicType(cg->u.di, "unsigned char", 13, 8, 8, LLVMDIFlagZero);
	LLVMMetadataRef sub = LLVMDIBuilderGetOrCreateSubrange(cg->u.di, 0, size);
	return LLVMDIBuilderCreateArrayType(cg->u.di, (uint64_t)size * 8, 8, u8, &sub, 1);
}

static LLVMMetadataRef type_member(struct codegen *cg, const char *name, uint32_t size, uint64_t off)
{
	LLVMMetadataRef p = LLVMDIBuilderCreatePointerType(cg->u.di, sized_type(cg, size), 64, 64, 0, "", 0);
	return LLVMDIBuilderCreateMemberType(cg->u.di, cg->u.di_file, name, strlen(name), cg->u.di_file, 0,
					     64, 64, off, LLVMDIFlagZero, p);
}

/* The global of a map of n members (type, max_entries, key, value). */
static LLVMValueRef map_global(struct codegen *cg, const char *name, unsigned n)
{
	LLVMTypeRef fields[4] = {cg->ptr, cg->ptr, cg->ptr, cg->ptr};
	LLVMTypeRef t = LLVMStructTypeInContext(cg->ctx, fields, n, 0);
	LLVMValueRef g = LLVMAddGlobal(cg->u.mod, t, name);
	LLVMSetInitializer(g, LLVMConstNull(t));
	LLVMSetSection(g, ".maps");
	LLVMSetAlignment(g, 8);
	return g;
}

/* Its debug info: what libbpf reads the map's shape from. */
static void map_describe(struct codegen *cg, LLVMValueRef g, const struct map_def *d)
{
	LLVMMetadataRef members[4];
	int n = 0;
	members[n] = uint_member(cg, "type", (uint32_t)d->type, 64 * n);
	n++;
	members[n] = uint_member(cg, "max_entries", d->max_entries, 64 * n);
	n++;
	if (d->key_size) {
		members[n] = type_member(cg, "key", d->key_size, 64 * n);
		n++;
	}
	if (d->value_size) {
		members[n] = type_member(cg, "value", d->value_size, 64 * n);
		n++;
	}
	LLVMMetadataRef st = LLVMDIBuilderCreateStructType(cg->u.di, cg->u.di_file, "", 0, cg->u.di_file, 0,
							   64 * (uint64_t)n, 64, LLVMDIFlagZero, NULL,
							   members, (unsigned)n, 0, NULL, "", 0);
	LLVMMetadataRef expr = LLVMDIBuilderCreateExpression(cg->u.di, NULL, 0);
	LLVMMetadataRef gve = LLVMDIBuilderCreateGlobalVariableExpression(
		cg->u.di, cg->u.di_cu, d->name, strlen(d->name), d->name, strlen(d->name), cg->u.di_file, 0,
		st, 0, expr, NULL, 64);
	LLVMGlobalSetMetadata(g, LLVMGetMDKindIDInContext(cg->ctx, "dbg", 3), gve);
}

static LLVMValueRef map_define(struct codegen *cg, const struct map_def *d)
{
	LLVMValueRef g = map_global(cg, d->name, 2 + !!d->key_size + !!d->value_size);
	map_describe(cg, g, d);
	return g;
}

/* "AT_name" as bpftrace names them, within the kernel's 15 characters. */
static const char *elf_name(struct codegen *cg, const struct sema_map *m)
{
	const char *name = m->name + 1;
	char buf[16];
	size_t len = strlen(name);
	if (len <= 12)
		snprintf(buf, sizeof(buf), "AT_%s", name);
	else
		snprintf(buf, sizeof(buf), "AT_%.7s_%d", name, m->id % 1000);
	return arena_strdup(cg->arena, buf);
}

void btf_maps_define(struct codegen *cg)
{
	struct sema_program *sp = cg->sp;
	cg->u.map_globals = calloc((size_t)sp->nmaps + 1, sizeof(*cg->u.map_globals));
	for (int i = 0; i < sp->nmaps; i++) {
		struct sema_map *m = sp->maps[i];
		m->elf_name = elf_name(cg, m);
		struct map_def d = {m->elf_name, m->layout.bpf_type, m->layout.max_entries,
				    m->layout.key_size, m->layout.value_size};
		cg->u.map_globals[i] = map_define(cg, &d);
	}
	struct map_def events = {SONDE_MAP_EVENTS, BPF_MAP_TYPE_RINGBUF, SONDE_RINGBUF_SIZE, 0, 0};
	struct map_def lost = {SONDE_MAP_LOST, BPF_MAP_TYPE_PERCPU_ARRAY, 1, 4, 8};
	struct map_def globals = {SONDE_MAP_GLOBALS, BPF_MAP_TYPE_ARRAY, SONDE_GLOBALS, 4, 8};
	cg->u.ringbuf = map_define(cg, &events);
	cg->u.lost_map = map_define(cg, &lost);
	cg->u.globals_map = map_define(cg, &globals);
}

LLVMValueRef btf_map_extra(struct codegen *cg, const char *name, int type, uint32_t max_entries,
			   uint32_t key_size, uint32_t value_size)
{
	LLVMValueRef g = LLVMGetNamedGlobal(cg->u.mod, name);
	if (g)
		return g;
	struct map_def d = {arena_strdup(cg->arena, name), type, max_entries, key_size, value_size};
	return map_define(cg, &d);
}

LLVMValueRef btf_map_pending(struct codegen *cg, const char *name)
{
	return map_global(cg, name, 4);
}

void btf_map_describe(struct codegen *cg, LLVMValueRef g, int type, uint32_t max_entries,
		      uint32_t key_size, uint32_t value_size)
{
	struct map_def d = {LLVMGetValueName(g), type, max_entries, key_size, value_size};
	map_describe(cg, g, &d);
}
