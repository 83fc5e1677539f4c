/* Unit tests of runtime/elf_symbols.c, runtime/dwarf_args.c,
 * runtime/proc_maps.c (on this test's own process) and the
 * register table of runtime/probes/uprobe.c, on the trigger programs of
 * tests/progs/uprobe/ (built into the directory given as argv[1]) and on
 * the system's libc.  Needs no root. */
#define _GNU_SOURCE
#include <asm/ptrace.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ast/arena.h"
#include "runtime/dwarf_args.h"
#include "runtime/elf_symbols.h"
#include "runtime/proc_maps.h"
#include "runtime/probes/uprobe.h"

#include "check.h"

/* A regular file that is not ELF. */
static char text_file[] = "/tmp/sonde-test-elf-XXXXXX";

static char *prog(const char *dir, const char *name)
{
	char *p;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

static void test_resolve(void)
{
	char *p = elf_resolve_target("/no/such/file");
	CHECK(p && !strcmp(p, "/no/such/file"), "a path stays as given: %s", p ? p : "(null)");
	free(p);

	p = elf_resolve_target("libc");
	CHECK(p && strstr(p, "/libc.so.6") && access(p, F_OK) == 0, "libc: %s", p ? p : "(null)");
	free(p);
	p = elf_resolve_target("libc.so.6");
	CHECK(p && strstr(p, "/libc.so.6"), "libc.so.6: %s", p ? p : "(null)");
	free(p);
	p = elf_resolve_target("c");
	CHECK(p && strstr(p, "/libc.so.6"), "c as lib<name>: %s", p ? p : "(null)");
	free(p);
	p = elf_resolve_target("libsonde-no-such-library");
	CHECK(!p, "unknown library: %s", p ? p : "(null)");
	free(p);

	p = elf_resolve_target("sh");
	CHECK(p && p[0] == '/' && strstr(p, "/sh"), "sh from PATH: %s", p ? p : "(null)");
	free(p);
}

static void test_symbols(const char *dir)
{
	char *pie = prog(dir, "uprobe_fns"), *st = prog(dir, "uprobe_fns_static");
	const struct elf_file *f = elf_file_get(pie);
	CHECK(f, "open %s: %s", pie, strerror(errno));
	if (f) {
		CHECK(elf_file_is_dyn(f), "uprobe_fns is a PIE");
		const struct elf_sym *s = elf_file_symbol(f, "uprobe_add");
		CHECK(s && s->size > 0, "uprobe_add found with a size");
		const struct elf_sym *o = elf_file_symbol(f, "uprobe_offs");
		CHECK(o && o->size == 10, "uprobe_offs is 10 bytes: %llu",
		      o ? (unsigned long long)o->size : 0ull);
		if (o) {
			CHECK(elf_file_symbol_at(f, o->addr + 4) == o, "symbol_at inside uprobe_offs");
			uint64_t off = 0;
			CHECK(!elf_file_offset(f, o->addr, &off), "offset of uprobe_offs");
		}
		CHECK(!elf_file_symbol(f, "uprobe_nope"), "no uprobe_nope");
		const struct elf_sym *syms;
		int n = elf_file_symbols(f, &syms);
		int sorted = 1;
		for (int i = 1; i < n; i++)
			sorted &= strcmp(syms[i - 1].name, syms[i].name) < 0;
		CHECK(n > 8 && sorted, "symbols sorted and unique (%d)", n);
		CHECK(elf_file_get(pie) == f, "cached");
	}

	f = elf_file_get(st);
	CHECK(f, "open %s: %s", st, strerror(errno));
	if (f) {
		CHECK(!elf_file_is_dyn(f), "uprobe_fns_static is not a PIE");
		const struct elf_sym *s = elf_file_symbol(f, "uprobe_add");
		uint64_t off = 0;
		CHECK(s && !elf_file_offset(f, s->addr, &off) && off < s->addr && s->addr - off == 0x400000,
		      "static: vaddr 0x%llx, offset 0x%llx", s ? (unsigned long long)s->addr : 0ull,
		      (unsigned long long)off);
		CHECK(elf_file_offset(f, 0x10, &off) == -ERANGE, "unmapped address");
	}

	errno = 0;
	CHECK(!elf_file_get(text_file) && errno == ENOEXEC, "not ELF: errno %d", errno);
	errno = 0;
	CHECK(!elf_file_get("/no/such/file") && errno == ENOENT, "missing: errno %d", errno);

	/* a stripped library: its .symtab comes from the debug file when
	 * installed; .dynsym in any case */
	char *libc = elf_resolve_target("libc");
	f = libc ? elf_file_get(libc) : NULL;
	CHECK(f && elf_file_symbol(f, "malloc"), "libc has malloc");
	CHECK(f && elf_file_build_id(f) && strlen(elf_file_build_id(f)) == 40, "libc build id");
	free(libc);
	free(pie);
	free(st);
}

static void test_notes(const char *dir)
{
	char *path = prog(dir, "usdt_prog");
	const struct elf_file *f = elf_file_get(path);
	CHECK(f, "open %s", path);
	if (!f) {
		free(path);
		return;
	}
	const struct elf_usdt_note *n;
	int k = elf_file_usdt_notes(f, &n), found = 0;
	CHECK(k == 7, "7 notes, got %d", k);
	for (int i = 0; i < k; i++) {
		uint64_t off;
		CHECK(!elf_file_offset(f, n[i].pc, &off), "note %s:%s pc in a segment", n[i].provider,
		      n[i].name);
		if (!strcmp(n[i].name, "konst")) {
			found++;
			CHECK(!strcmp(n[i].provider, "sonde_test") && !strcmp(n[i].args, "-4@$5 -4@$-9"),
			      "konst: %s:%s '%s'", n[i].provider, n[i].name, n[i].args);
			CHECK(!n[i].semaphore, "konst has no semaphore");
		}
		if (!strcmp(n[i].name, "guarded")) {
			found++;
			CHECK(n[i].semaphore && !elf_file_offset(f, n[i].semaphore, &off),
			      "guarded has a semaphore in the file");
		}
		if (!strcmp(n[i].provider, "other_prov")) {
			found++;
			CHECK(!strcmp(n[i].args, ""), "no arguments: '%s'", n[i].args);
		}
	}
	CHECK(found == 3, "konst, guarded and other_prov:reg seen");
	free(path);
}

static void test_dwarf(const char *dir)
{
	struct arena a = {0};
	char *path = prog(dir, "uprobe_fns");
	const struct elf_file *f = elf_file_get(path);
	if (!f) {
		CHECK(f, "open %s", path);
		free(path);
		return;
	}
	const struct elf_sym *s = elf_file_symbol(f, "uprobe_args");
	struct dwarf_param *ps;
	int n = s ? dwarf_func_params(&a, path, elf_file_build_id(f), s->name, s->addr, &ps) : -1;
	CHECK(n == 5, "uprobe_args has 5 parameters: %d", n);
	if (n == 5) {
		static const char *const names[] = {"i", "l", "s", "c", "u"};
		static const char *const ctypes[] = {"int", "long int", "const char*", "char",
						     "short unsigned int"};
		for (int i = 0; i < 5; i++) {
			CHECK(!strcmp(ps[i].name, names[i]) && ps[i].reg == i, "param %d: %s reg %d", i,
			      ps[i].name, ps[i].reg);
			CHECK(!strcmp(ps[i].ctype, ctypes[i]), "param %d ctype '%s'", i, ps[i].ctype);
		}
		CHECK(ps[0].type && ps[0].type->kind == TY_INT && ps[0].type->size == 4 &&
		      ps[0].type->is_signed, "int is int32");
		CHECK(ps[2].type && ps[2].type->kind == TY_PTR && ps[2].type->user_ptr &&
		      ps[2].type->elem && ps[2].type->elem->size == 1, "const char * is a user pointer");
		CHECK(ps[4].type && ps[4].type->size == 2 && !ps[4].type->is_signed, "uint16");
	}
	s = elf_file_symbol(f, "uprobe_pair");
	n = s ? dwarf_func_params(&a, path, NULL, s->name, s->addr, &ps) : -1;
	CHECK(n == 1 && !ps[0].type && ps[0].unsupported && strstr(ps[0].unsupported, "by value"),
	      "struct by value unsupported: %d %s", n, n == 1 && ps[0].unsupported ? ps[0].unsupported : "");
	s = elf_file_symbol(f, "uprobe_offs");
	n = s ? dwarf_func_params(&a, path, NULL, s->name, s->addr, &ps) : 0;
	CHECK(n == -ENOENT, "assembly function without DWARF: %d", n);
	n = dwarf_func_params(&a, text_file, NULL, "x", 0, &ps);
	CHECK(n == -ENODATA, "no debug info: %d", n);
	arena_free(&a);
	free(path);
}

static void test_regs(void)
{
	CHECK(uprobe_reg_offset("rax") == (int)offsetof(struct pt_regs, rax), "rax");
	CHECK(uprobe_reg_offset("eax") == (int)offsetof(struct pt_regs, rax), "eax");
	CHECK(uprobe_reg_offset("al") == (int)offsetof(struct pt_regs, rax), "al");
	CHECK(uprobe_reg_offset("ah") == (int)offsetof(struct pt_regs, rax) + 1, "ah");
	CHECK(uprobe_reg_offset("r8d") == (int)offsetof(struct pt_regs, r8), "r8d");
	CHECK(uprobe_reg_offset("r15b") == (int)offsetof(struct pt_regs, r15), "r15b");
	CHECK(uprobe_reg_offset("r11l") == (int)offsetof(struct pt_regs, r11), "r11l");
	CHECK(uprobe_reg_offset("sil") == (int)offsetof(struct pt_regs, rsi), "sil");
	CHECK(uprobe_reg_offset("rsp") == (int)offsetof(struct pt_regs, rsp), "rsp");
	CHECK(uprobe_reg_offset("xmm0") == -1, "xmm0");
	CHECK(uprobe_reg_offset("rip") == -1, "rip is no argument register");
}

static void test_proc_maps(void)
{
	int pid = (int)getpid();
	CHECK(elf_lib_name_matches("libc.so.6", "libc"), "libc.so.6 is libc");
	CHECK(elf_lib_name_matches("libc.so.6", "libc.so"), "libc.so.6 is libc.so");
	CHECK(!elf_lib_name_matches("libcap.so.2", "libc"), "libcap.so.2 is not libc");
	CHECK(!elf_lib_name_matches("libc.so.6", "libc.so.7"), "libc.so.6 is not libc.so.7");

	/* the same root as ours: paths stay as they are */
	char *p = proc_root_path(pid, "/usr/bin/true");
	CHECK(p && !strcmp(p, "/usr/bin/true"), "own root: %s", p ? p : "(null)");
	free(p);
	p = proc_root_path(pid, "relative/path");
	CHECK(p && !strcmp(p, "relative/path"), "relative: %s", p ? p : "(null)");
	free(p);

	/* this test is linked dynamically against libc */
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	const char *base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	p = proc_maps_find(pid, base);
	CHECK(p && !strcmp(p, exe), "own executable by name: %s", p ? p : "(null)");
	free(p);
	const char *libs[] = {"libc", "c", "libc.so.6"};
	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
		p = proc_maps_find(pid, libs[i]);
		CHECK(p && p[0] == '/' && strstr(p, "/lib"), "mapped %s: %s", libs[i], p ? p : "(null)");
		free(p);
	}
	p = proc_maps_find(pid, "libsonde-not-mapped");
	CHECK(!p, "not mapped: %s", p ? p : "(null)");
	free(p);
	p = proc_resolve_target(pid, "libc");
	CHECK(p && strstr(p, "/libc.so.6"), "resolve libc: %s", p ? p : "(null)");
	free(p);

	char **paths;
	int k = proc_maps_files(pid, &paths);
	bool has_exe = false, dup = false;
	for (int i = 0; i < k; i++) {
		has_exe |= !strcmp(paths[i], exe);
		for (int j = 0; j < i; j++)
			dup |= !strcmp(paths[i], paths[j]);
	}
	CHECK(k > 2 && has_exe && !dup, "mapped files: %d, own executable %d, duplicates %d", k,
	      has_exe, dup);
	for (int i = 0; i < k; i++)
		free(paths[i]);
	free(paths);
	CHECK(proc_maps_files(999999999, &paths) < 0, "no such process");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_elf_symbols PROGS_DIR\n");
		return 2;
	}
	int fd = mkstemp(text_file);
	if (fd < 0 || write(fd, "not an ELF file\n", 16) != 16) {
		perror("test_elf_symbols: temporary file");
		return 1;
	}
	close(fd);
	test_resolve();
	test_symbols(argv[1]);
	test_notes(argv[1]);
	test_dwarf(argv[1]);
	test_regs();
	test_proc_maps();
	elf_cache_clear();
	dwarf_args_cache_clear();
	unlink(text_file);
	return check_summary();
}
