/* ELF queries for uprobes and USDT, read with libelf.  A file is read once,
 * everything needed is copied out, and the descriptor is closed again: a
 * wildcard over a thousand functions costs one read of the file. */
#define _GNU_SOURCE
#include "runtime/elf_symbols.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef NT_STAPSDT
#define NT_STAPSDT 3
#endif

struct load_seg {
	uint64_t vaddr, memsz, offset;
};

struct elf_file {
	char *path;
	bool dyn;
	struct elf_sym *syms; /* by name */
	int nsyms;
	struct elf_sym **by_addr;
	struct load_seg *loads;
	int nloads;
	struct elf_usdt_note *notes;
	int nnotes;
	char *build_id;
	struct elf_file *next;
};

static struct elf_file *cache;

/* ------------------------------------------------------------- reading */

struct raw_sym {
	struct elf_sym s;
	int order; /* .symtab entries before .dynsym ones */
};

static int raw_sym_cmp(const void *x, const void *y)
{
	const struct raw_sym *a = x, *b = y;
	int c = strcmp(a->s.name, b->s.name);
	if (c)
		return c;
	return (a->order > b->order) - (a->order < b->order);
}

static int sym_addr_cmp(const void *x, const void *y)
{
	const struct elf_sym *a = *(struct elf_sym *const *)x, *b = *(struct elf_sym *const *)y;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return strcmp(a->name, b->name);
}

static bool has_section_type(Elf *e, Elf64_Word type)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && sh.sh_type == type)
			return true;
	}
	return false;
}

/* .symtab of symtab_elf (the file, or its separate debug file when the
 * file was stripped), then .dynsym of the file. */
static int read_symbols(Elf *symtab_elf, Elf *dynsym_elf, struct elf_file *f)
{
	struct raw_sym *raw = NULL;
	size_t nraw = 0, cap = 0;
	int order = 0;
	for (int pass = 0; pass < 2; pass++) {
		Elf *e = pass == 0 ? symtab_elf : dynsym_elf;
		Elf_Scn *scn = NULL;
		while ((scn = elf_nextscn(e, scn))) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh))
				continue;
			if (sh.sh_type != (pass == 0 ? SHT_SYMTAB : SHT_DYNSYM))
				continue;
			Elf_Data *d = elf_getdata(scn, NULL);
			if (!d || !sh.sh_entsize)
				continue;
			size_t n = sh.sh_size / sh.sh_entsize;
			for (size_t i = 0; i < n; i++) {
				GElf_Sym s;
				if (!gelf_getsym(d, (int)i, &s))
					continue;
				int type = GELF_ST_TYPE(s.st_info);
				if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
				    s.st_shndx == SHN_UNDEF || !s.st_value)
					continue;
				const char *name = elf_strptr(e, sh.sh_link, s.st_name);
				if (!name || !*name)
					continue;
				if (nraw == cap) {
					cap = cap ? cap * 2 : 256;
					struct raw_sym *nr = realloc(raw, cap * sizeof(*nr));
					if (!nr)
						goto nomem;
					raw = nr;
				}
				char *dup = strdup(name);
				if (!dup)
					goto nomem;
				raw[nraw++] = (struct raw_sym){
					.s = {.name = dup, .addr = s.st_value, .size = s.st_size},
					.order = order++};
			}
		}
	}
	if (nraw)
		qsort(raw, nraw, sizeof(*raw), raw_sym_cmp);
	f->syms = malloc((nraw ? nraw : 1) * sizeof(*f->syms));
	f->by_addr = malloc((nraw ? nraw : 1) * sizeof(*f->by_addr));
	if (!f->syms || !f->by_addr)
		goto nomem;
	for (size_t i = 0; i < nraw; i++) {
		if (f->nsyms && !strcmp(f->syms[f->nsyms - 1].name, raw[i].s.name)) {
			free((char *)raw[i].s.name);
			continue;
		}
		f->syms[f->nsyms++] = raw[i].s;
	}
	for (int i = 0; i < f->nsyms; i++)
		f->by_addr[i] = &f->syms[i];
	if (f->nsyms)
		qsort(f->by_addr, f->nsyms, sizeof(*f->by_addr), sym_addr_cmp);
	free(raw);
	return 0;
nomem:
	for (size_t i = 0; i < nraw; i++)
		free((char *)raw[i].s.name);
	free(raw);
	return -ENOMEM;
}

static int read_loads(Elf *e, struct elf_file *f)
{
	size_t n;
	if (elf_getphdrnum(e, &n) || !n) {
		/* no program headers (a relocatable object): sections instead */
		Elf_Scn *scn = NULL;
		while ((scn = elf_nextscn(e, scn))) {
			GElf_Shdr sh;
			if (gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_ALLOC) &&
			    sh.sh_type != SHT_NOBITS)
				n++;
		}
		f->loads = malloc((n ? n : 1) * sizeof(*f->loads));
		if (!f->loads)
			return -ENOMEM;
		scn = NULL;
		while ((scn = elf_nextscn(e, scn)) && f->nloads < (int)n) {
			GElf_Shdr sh;
			if (gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_ALLOC) &&
			    sh.sh_type != SHT_NOBITS)
				f->loads[f->nloads++] = (struct load_seg){sh.sh_addr, sh.sh_size,
									  sh.sh_offset};
		}
		return 0;
	}
	f->loads = malloc(n * sizeof(*f->loads));
	if (!f->loads)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD)
			f->loads[f->nloads++] = (struct load_seg){ph.p_vaddr, ph.p_memsz, ph.p_offset};
	}
	return 0;
}

static uint64_t read_addr(const unsigned char *p, bool is64)
{
	if (is64) {
		uint64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* .note.stapsdt: each note's descriptor holds pc, base and semaphore (one
 * address each), then provider, name and argument string, NUL-terminated.
 * "base" is the address of .stapsdt.base when the note was written; if the
 * file was prelinked since, the section moved and every address moved
 * with it (systemtap's sdt.h documents this adjustment). */
static int read_notes(Elf *e, size_t shstrndx, struct elf_file *f)
{
	bool is64 = gelf_getclass(e) == ELFCLASS64;
	size_t asz = is64 ? 8 : 4;
	uint64_t base_addr = 0;
	bool have_base = false;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;
		if (gelf_getshdr(scn, &sh) && (name = elf_strptr(e, shstrndx, sh.sh_name)) &&
		    !strcmp(name, ".stapsdt.base")) {
			base_addr = sh.sh_addr;
			have_base = true;
		}
	}
	int cap = 0;
	scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		size_t off = 0, noff, doff;
		GElf_Nhdr nh;
		while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			const char *owner = (const char *)d->d_buf + noff;
			const unsigned char *desc = (const unsigned char *)d->d_buf + doff;
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp(owner, "GNU", 4) && !f->build_id && nh.n_descsz <= 64) {
				f->build_id = malloc(nh.n_descsz * 2 + 1);
				if (!f->build_id)
					return -ENOMEM;
				for (size_t i = 0; i < nh.n_descsz; i++)
					sprintf(f->build_id + 2 * i, "%02x", desc[i]);
				continue;
			}
			if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
			    memcmp(owner, "stapsdt", 8) || nh.n_descsz < 3 * asz + 3)
				continue;
			const char *strs = (const char *)desc + 3 * asz;
			const char *end = (const char *)desc + nh.n_descsz;
			const char *prov = strs;
			const char *pname = memchr(prov, '\0', end - prov);
			const char *args = pname ? memchr(pname + 1, '\0', end - pname - 1) : NULL;
			if (!pname || !args)
				continue;
			pname++;
			args++;
			const char *aend = args < end ? memchr(args, '\0', end - args) : NULL;
			if (f->nnotes == cap) {
				cap = cap ? cap * 2 : 16;
				struct elf_usdt_note *nn = realloc(f->notes, cap * sizeof(*nn));
				if (!nn)
					return -ENOMEM;
				f->notes = nn;
			}
			struct elf_usdt_note *n = &f->notes[f->nnotes];
			n->pc = read_addr(desc, is64);
			uint64_t base = read_addr(desc + asz, is64);
			n->semaphore = read_addr(desc + 2 * asz, is64);
			if (have_base && base) {
				n->pc += base_addr - base;
				if (n->semaphore)
					n->semaphore += base_addr - base;
			}
			n->provider = strdup(prov);
			n->name = strdup(pname);
			n->args = aend ? strdup(args) : strdup("");
			f->nnotes++;
			if (!n->provider || !n->name || !n->args)
				return -ENOMEM;
		}
	}
	return 0;
}

static Elf *elf_open(const char *path, int *fdp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || !has_section_type(e, SHT_SYMTAB)) {
		if (e)
			elf_end(e);
		close(fd);
		return NULL;
	}
	*fdp = fd;
	return e;
}

/* A stripped file's symbols live in a separate debug file (Debian's -dbg
 * packages): /usr/lib/debug/.build-id/xx/yyyy.debug, or the name in
 * .gnu_debuglink next to the file, in its .debug/ or under /usr/lib/debug. */
static Elf *debug_file(Elf *e, size_t shstrndx, const char *build_id, const char *path, int *fdp)
{
	char *p;
	Elf *dbg = NULL;
	if (build_id && strlen(build_id) > 2 &&
	    asprintf(&p, "/usr/lib/debug/.build-id/%.2s/%s.debug", build_id, build_id + 2) >= 0) {
		dbg = elf_open(p, fdp);
		free(p);
		if (dbg)
			return dbg;
	}
	Elf_Scn *scn = NULL;
	const char *link = NULL;
	while ((scn = elf_nextscn(e, scn)) && !link) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name)) ||
		    strcmp(name, ".gnu_debuglink"))
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (d && d->d_size > 1 && memchr(d->d_buf, '\0', d->d_size))
			link = d->d_buf;
	}
	if (!link || strchr(link, '/'))
		return NULL;
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) : 0;
	const char *dir = slash ? path : ".";
	if (!slash)
		dirlen = 1;
	static const char *const fmts[] = {"%.*s/%s", "%.*s/.debug/%s", "/usr/lib/debug%.*s/%s"};
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]) && !dbg; i++) {
		if (asprintf(&p, fmts[i], dirlen, dir, link) < 0)
			continue;
		/* the file itself when the link names it */
		if (strcmp(p, path))
			dbg = elf_open(p, fdp);
		free(p);
	}
	return dbg;
}

static void file_free(struct elf_file *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->nsyms; i++)
		free((char *)f->syms[i].name);
	for (int i = 0; i < f->nnotes; i++) {
		free((char *)f->notes[i].provider);
		free((char *)f->notes[i].name);
		free((char *)f->notes[i].args);
	}
	free(f->syms);
	free(f->by_addr);
	free(f->loads);
	free(f->notes);
	free(f->build_id);
	free(f->path);
	free(f);
}

static struct elf_file *file_read(const char *path)
{
	static bool ready;
	if (!ready) {
		if (elf_version(EV_CURRENT) == EV_NONE) {
			errno = EINVAL;
			return NULL;
		}
		ready = true;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	int serr = fstat(fd, &st) ? errno : !S_ISREG(st.st_mode) ? (S_ISDIR(st.st_mode) ? EISDIR : ENOEXEC) : 0;
	if (serr) {
		close(fd);
		errno = serr;
		return NULL;
	}
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	size_t shstrndx;
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) || elf_getshdrstrndx(e, &shstrndx)) {
		if (e)
			elf_end(e);
		close(fd);
		errno = ENOEXEC;
		return NULL;
	}
	struct elf_file *f = calloc(1, sizeof(*f));
	int err = -ENOMEM;
	int dfd = -1;
	Elf *dbg = NULL;
	if (f && (f->path = strdup(path))) {
		f->dyn = eh.e_type == ET_DYN;
		err = read_notes(e, shstrndx, f);
		if (!err && !has_section_type(e, SHT_SYMTAB))
			dbg = debug_file(e, shstrndx, f->build_id, path, &dfd);
		if (!err)
			err = read_symbols(dbg ? dbg : e, e, f);
		if (!err)
			err = read_loads(e, f);
	}
	if (dbg)
		elf_end(dbg);
	if (dfd >= 0)
		close(dfd);
	elf_end(e);
	close(fd);
	if (err) {
		file_free(f);
		errno = -err;
		return NULL;
	}
	return f;
}

/* ------------------------------------------------------------- queries */

const struct elf_file *elf_file_get(const char *path)
{
	for (struct elf_file *f = cache; f; f = f->next)
		if (!strcmp(f->path, path))
			return f;
	struct elf_file *f = file_read(path);
	if (!f)
		return NULL;
	f->next = cache;
	cache = f;
	return f;
}

void elf_cache_clear(void)
{
	while (cache) {
		struct elf_file *next = cache->next;
		file_free(cache);
		cache = next;
	}
}

int elf_file_symbols(const struct elf_file *f, const struct elf_sym **syms)
{
	*syms = f->syms;
	return f->nsyms;
}

const struct elf_sym *elf_file_symbol(const struct elf_file *f, const char *name)
{
	int lo = 0, hi = f->nsyms;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		int c = strcmp(f->syms[mid].name, name);
		if (!c)
			return &f->syms[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct elf_sym *elf_file_symbol_at(const struct elf_file *f, uint64_t vaddr)
{
	/* the last symbol starting at or below vaddr, then back over the ones
	 * starting there too: a sized one that covers vaddr wins */
	int lo = 0, hi = f->nsyms;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (f->by_addr[mid]->addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int i = lo - 1; i >= 0 && i >= lo - 64; i--) {
		const struct elf_sym *s = f->by_addr[i];
		if (vaddr == s->addr || vaddr < s->addr + s->size)
			return s;
	}
	return NULL;
}

int elf_file_usdt_notes(const struct elf_file *f, const struct elf_usdt_note **notes)
{
	*notes = f->notes;
	return f->nnotes;
}

int elf_file_offset(const struct elf_file *f, uint64_t vaddr, uint64_t *offset)
{
	for (int i = 0; i < f->nloads; i++) {
		const struct load_seg *l = &f->loads[i];
		if (vaddr >= l->vaddr && vaddr < l->vaddr + l->memsz) {
			*offset = vaddr - l->vaddr + l->offset;
			return 0;
		}
	}
	return -ERANGE;
}

bool elf_file_is_dyn(const struct elf_file *f)
{
	return f->dyn;
}

const char *elf_file_build_id(const struct elf_file *f)
{
	return f->build_id;
}

/* ------------------------------------------------------------ resolving */

static bool is_elf_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	unsigned char magic[4];
	bool ok = read(fd, magic, 4) == 4 && !memcmp(magic, ELFMAG, SELFMAG);
	close(fd);
	return ok;
}

/* "libc" names libc.so.6; "libc.so" too; "libc.so.6" itself.  Not
 * libcap.so.2: after the name comes ".so" (or, for a name that already
 * has ".so" in it, a further version ".N"). */
bool elf_lib_name_matches(const char *file, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(file, name, n))
		return false;
	if (!file[n])
		return true;
	if (strstr(name, ".so"))
		return file[n] == '.';
	return !strncmp(file + n, ".so", 3) && (!file[n + 3] || file[n + 3] == '.');
}

/* glibc's ld.so.cache, new format ("glibc-ld.so.cache1.1"), possibly after
 * an old-format ("ld.so-1.7.0") table.  String offsets are relative to the
 * start of the new-format header. */
#define CACHE_MAGIC_OLD "ld.so-1.7.0"
#define CACHE_MAGIC_NEW "glibc-ld.so.cache1.1"
#define CACHE_FLAG_TYPE_MASK 0x00ff
#define CACHE_FLAG_ELF_LIBC6 0x0003
#define CACHE_FLAG_ARCH_MASK 0xff00
#define CACHE_FLAG_X8664_LIB64 0x0300

static char *ld_cache_find(const char *name)
{
	FILE *fp = fopen("/etc/ld.so.cache", "re");
	if (!fp)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			if (cap > (64u << 20)) /* no cache is that large */
				break;
			char *nb = realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
		size_t got = fread(buf + len, 1, cap - len, fp);
		len += got;
		if (!got)
			break;
	}
	fclose(fp);
	char *found = NULL;
	size_t hdr = 0;
	if (len >= 16 && !memcmp(buf, CACHE_MAGIC_OLD, strlen(CACHE_MAGIC_OLD))) {
		uint32_t nold;
		memcpy(&nold, buf + 12, 4);
		hdr = (16 + (size_t)nold * 12 + 7) & ~(size_t)7;
	}
	if (!buf || hdr + 48 > len || memcmp(buf + hdr, CACHE_MAGIC_NEW, strlen(CACHE_MAGIC_NEW)))
		goto out;
	uint32_t nlibs;
	memcpy(&nlibs, buf + hdr + 20, 4);
	const char *strs = buf + hdr;
	size_t strs_len = len - hdr;
	for (uint32_t i = 0; i < nlibs; i++) {
		size_t e = hdr + 48 + (size_t)i * 24;
		if (e + 24 > len)
			break;
		int32_t flags;
		uint32_t key, value;
		memcpy(&flags, buf + e, 4);
		memcpy(&key, buf + e + 4, 4);
		memcpy(&value, buf + e + 8, 4);
		if ((flags & CACHE_FLAG_TYPE_MASK) != CACHE_FLAG_ELF_LIBC6)
			continue;
#if defined(__x86_64__)
		if ((flags & CACHE_FLAG_ARCH_MASK) != CACHE_FLAG_X8664_LIB64)
			continue;
#endif
		if (key >= strs_len || value >= strs_len || !memchr(strs + key, '\0', strs_len - key) ||
		    !memchr(strs + value, '\0', strs_len - value))
			continue;
		if (elf_lib_name_matches(strs + key, name) && access(strs + value, F_OK) == 0) {
			found = strdup(strs + value);
			break;
		}
	}
out:
	free(buf);
	return found;
}

static char *lib_dirs_find(const char *name)
{
	static const char *const dirs[] = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
					   "/lib64", "/usr/lib64", "/lib", "/usr/lib"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		DIR *d = opendir(dirs[i]);
		if (!d)
			continue;
		char *best = NULL;
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!elf_lib_name_matches(de->d_name, name))
				continue;
			char *p;
			if (asprintf(&p, "%s/%s", dirs[i], de->d_name) < 0)
				continue;
			/* "libc.so" is a linker script: only real ELF files;
			 * the shortest name is the least versioned one */
			if (is_elf_file(p) && (!best || strlen(p) < strlen(best) ||
					       (strlen(p) == strlen(best) && strcmp(p, best) < 0))) {
				free(best);
				best = p;
			} else {
				free(p);
			}
		}
		closedir(d);
		if (best)
			return best;
	}
	return NULL;
}

static char *library_find(const char *name)
{
	char *p = ld_cache_find(name);
	return p ? p : lib_dirs_find(name);
}

static char *path_find(const char *name)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);
		char *p;
		if (n && asprintf(&p, "%.*s/%s", (int)n, path, name) >= 0) {
			struct stat st;
			if (!stat(p, &st) && S_ISREG(st.st_mode) && !access(p, X_OK))
				return p;
			free(p);
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return NULL;
}

char *elf_resolve_target(const char *name)
{
	if (!name || !*name)
		return NULL;
	if (strchr(name, '/'))
		return strdup(name);
	bool libish = !strncmp(name, "lib", 3) || strstr(name, ".so");
	char *p = libish ? library_find(name) : NULL;
	if (!p)
		p = path_find(name);
	if (!p && !libish) {
		char *lib;
		if (asprintf(&lib, "lib%s", name) >= 0) {
			p = library_find(lib);
			free(lib);
		}
	}
	return p;
}
