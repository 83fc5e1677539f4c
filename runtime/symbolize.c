/* Symbolisation for printing (see symbolize.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "runtime/elf_symbols.h"
#include "runtime/kallsyms.h"
#include "runtime/symbolize.h"

/* ------------------------------------------------------------- kernel */

void sym_kernel(FILE *f, uint64_t addr, bool offset)
{
	uint64_t off;
	const struct ksym *s = kallsyms_lookup_addr(addr, &off);
	if (s) {
		fputs(s->name, f);
		if (offset)
			fprintf(f, "+%" PRIu64, off);
	} else if (addr) {
		fprintf(f, "0x%" PRIx64, addr);
	} else {
		fputc('0', f);	/* what C++ prints for a null pointer */
	}
}

/* ------------------------------------------------------------- stacks */

/* Stack maps of the loaded program, found among our own file descriptors
 * by name the first time a stack is printed. */
struct stack_map {
	uint32_t limit;
	int fd;
};
static struct stack_map stack_maps[16];
static int nstack_maps;

static int stack_map_fd(uint32_t limit)
{
	for (int i = 0; i < nstack_maps; i++)
		if (stack_maps[i].limit == limit)
			return stack_maps[i].fd;
	char want[32];
	snprintf(want, sizeof(want), SYM_STACK_MAP_FMT, limit);
	int found = -1;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	while (d && found < 0 && (e = readdir(d))) {
		int fd = atoi(e->d_name);
		char link[300], target[64];
		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (strcmp(target, "anon_inode:bpf-map"))
			continue;
		struct bpf_map_info info = {0};
		__u32 len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    info.type == BPF_MAP_TYPE_STACK_TRACE && !strncmp(info.name, want, sizeof(info.name) - 1))
			found = fd;
	}
	if (d)
		closedir(d);
	if (found >= 0 && nstack_maps < (int)(sizeof(stack_maps) / sizeof(stack_maps[0])))
		stack_maps[nstack_maps++] = (struct stack_map){limit, found};
	return found;
}

int sym_stack_frames(uint32_t limit, int64_t id, uint64_t *ips)
{
	if (id < 0 || !limit)
		return 0;
	int fd = stack_map_fd(limit);
	if (fd < 0)
		return 0;
	uint32_t key = (uint32_t)id;
	memset(ips, 0, sizeof(*ips) * limit);
	if (bpf_map_lookup_elem(fd, &key, ips))
		return 0;
	int n = 0;
	while (n < (int)limit && ips[n])
		n++;
	return n;
}

/* ------------------------------------------------------- user mappings */

struct mapping {
	uint64_t start, end, offset;
	char *path;	/* as /proc/PID/maps writes it */
	char *open_path; /* where sonde reads it (through /proc/PID/root) */
};

struct proc {
	int pid;
	bool dead;
	struct mapping *maps;
	int nmaps;
	struct proc *next;
};

static struct proc *procs;

static struct proc *proc_get(int pid)
{
	for (struct proc *p = procs; p; p = p->next)
		if (p->pid == pid)
			return p;
	struct proc *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	p->next = procs;
	procs = p;
	char path[64], root[8] = "";
	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	ssize_t rn = readlink(path, root, sizeof(root) - 1);
	bool same_root = rn == 1 && root[0] == '/';
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	FILE *f = fopen(path, "r");
	if (!f) {
		p->dead = true;
		return p;
	}
	char line[4096];
	int cap = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, off;
		char perms[8];
		int pos = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &off, &pos) < 4 ||
		    !pos || perms[2] != 'x')
			continue;
		char *name = line + pos;
		name[strcspn(name, "\n")] = 0;
		if (name[0] != '/')
			continue;
		if (p->nmaps == cap) {
			cap = cap ? cap * 2 : 16;
			struct mapping *m = realloc(p->maps, sizeof(*m) * (size_t)cap);
			if (!m)
				break;
			p->maps = m;
		}
		struct mapping *m = &p->maps[p->nmaps++];
		m->start = start;
		m->end = end;
		m->offset = off;
		m->path = strdup(name);
		if (same_root || asprintf(&m->open_path, "/proc/%d/root%s", pid, name) < 0)
			m->open_path = strdup(name);
	}
	fclose(f);
	return p;
}

/* PT_LOAD segments of a file, to turn a file offset into an address of the
 * file's own layout; cached per path. */
struct segs {
	char *path;
	int n;
	struct { uint64_t offset, vaddr, filesz; } s[16];
	struct segs *next;
};
static struct segs *seg_cache;

static const struct segs *segs_get(const char *path)
{
	for (struct segs *g = seg_cache; g; g = g->next)
		if (!strcmp(g->path, path))
			return g;
	struct segs *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->path = strdup(path);
	g->next = seg_cache;
	seg_cache = g;
	elf_version(EV_CURRENT);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return g;
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	size_t n = 0;
	if (e && !elf_getphdrnum(e, &n)) {
		for (size_t i = 0; i < n && g->n < 16; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD) {
				g->s[g->n].offset = ph.p_offset;
				g->s[g->n].vaddr = ph.p_vaddr;
				g->s[g->n].filesz = ph.p_filesz;
				g->n++;
			}
		}
	}
	if (e)
		elf_end(e);
	close(fd);
	return g;
}

bool sym_user(int pid, uint64_t addr, const char **name, uint64_t *offset, const char **module)
{
	struct proc *p = proc_get(pid);
	if (!p || p->dead)
		return false;
	for (int i = 0; i < p->nmaps; i++) {
		struct mapping *m = &p->maps[i];
		if (addr < m->start || addr >= m->end)
			continue;
		uint64_t foff = addr - m->start + m->offset;
		const struct segs *g = segs_get(m->open_path);
		const struct elf_file *ef = elf_file_get(m->open_path);
		if (!g || !ef)
			return false;
		for (int k = 0; k < g->n; k++) {
			if (foff < g->s[k].offset || foff >= g->s[k].offset + g->s[k].filesz)
				continue;
			uint64_t vaddr = foff - g->s[k].offset + g->s[k].vaddr;
			const struct elf_sym *s = elf_file_symbol_at(ef, vaddr);
			if (!s)
				return false;
			*name = s->name;
			*offset = vaddr - s->addr;
			*module = m->path;
			return true;
		}
		return false;
	}
	return false;
}

void sym_user_print(FILE *f, int pid, uint64_t addr, bool offset, bool module)
{
	const char *name, *mod;
	uint64_t off;
	if (sym_user(pid, addr, &name, &off, &mod)) {
		fputs(name, f);
		if (offset)
			fprintf(f, "+%" PRIu64, off);
		if (module)
			fprintf(f, " (%s)", mod);
		return;
	}
	if (addr)
		fprintf(f, "0x%" PRIx64, addr);
	else
		fputc('0', f);
	if (module)
		fputs(" ([unknown])", f);
}

/* ------------------------------------------------- compile-time lookup */

bool sym_elf_lookup(const char *path, const char *name, uint64_t *addr, uint64_t *size,
		    bool *pie, uint64_t *exec_vaddr)
{
	elf_version(EV_CURRENT);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	bool found = false;
	GElf_Ehdr eh;
	if (!e || !gelf_getehdr(e, &eh))
		goto out;
	*pie = eh.e_type == ET_DYN;
	*exec_vaddr = UINT64_MAX;
	size_t n = 0;
	if (!elf_getphdrnum(e, &n))
		for (size_t i = 0; i < n; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X) &&
			    ph.p_vaddr < *exec_vaddr)
				*exec_vaddr = ph.p_vaddr;
		}
	Elf_Scn *scn = NULL;
	while (!found && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t count = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; data && i < count && !found; i++) {
			GElf_Sym s;
			if (!gelf_getsym(data, (int)i, &s) || s.st_shndx == SHN_UNDEF)
				continue;
			int type = GELF_ST_TYPE(s.st_info);
			if (type != STT_OBJECT && type != STT_FUNC && type != STT_GNU_IFUNC)
				continue;
			const char *sn = elf_strptr(e, sh.sh_link, s.st_name);
			if (sn && !strcmp(sn, name)) {
				*addr = s.st_value;
				*size = s.st_size;
				found = true;
			}
		}
	}
out:
	if (e)
		elf_end(e);
	close(fd);
	return found;
}
