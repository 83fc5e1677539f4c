/* Unit tests of the probe providers of runtime/probes/ (BEGIN, END,
 * tracepoint, interval, profile), of tracefs format parsing and of -l.
 * They read the live tracefs and attach to the live kernel, so they need
 * root: without it they skip (exit 77), unless SONDE_REQUIRE_LIVE=1. */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <elf.h>
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ast/arena.h"
#include "ast/diag.h"
#include "runtime/probe_list.h"
#include "runtime/probes/probe.h"
#include "runtime/tracefs.h"

#include "check.h"

/* ------------------------------------------------------------- helpers */

/* One expansion: its attach points, and what the diagnostics printed. */
struct exp {
	struct arena arena;
	struct attach_list list;
	int rc, errors;
	char *diag;
	size_t diag_len;
};

static void expand_with(struct exp *e, const char *text, const char *const *positional, int npos)
{
	memset(e, 0, sizeof(*e));
	struct diag_source src = {.name = "-e", .text = text, .len = strlen(text)};
	FILE *out = open_memstream(&e->diag, &e->diag_len);
	struct diags d;
	diag_init(&d, &src, out);
	struct ast_node node = {.kind = AST_ATTACH_POINT,
				.loc = {.line = 1, .col = 1, .end_line = 1, .end_col = (int)strlen(text)},
				.str = (char *)text};
	struct probe_env env = {.arena = &e->arena, .diags = &d, .positional = positional,
				.npositional = npos};
	e->rc = probe_expand(&env, &node, &e->list);
	e->errors = d.errors;
	fclose(out);
}

static void expand(struct exp *e, const char *text)
{
	expand_with(e, text, NULL, 0);
}

static void exp_free(struct exp *e)
{
	arena_free(&e->arena);
	free(e->diag);
}

/* The attach point's fields, loaded as the semantic pass loads them
 * (errors to stderr). */
static int fields(struct exp *e, struct attach_point *ap, const struct ctx_field **f)
{
	struct diag_source src = {.name = "-e", .text = ap->name, .len = strlen(ap->name)};
	struct diags d;
	diag_init(&d, &src, stderr);
	return attach_point_fields(ap, &e->arena, &d, true, f);
}

static const struct ctx_field *field(struct exp *e, struct attach_point *ap, const char *name)
{
	const struct ctx_field *f;
	int n = fields(e, ap, &f);
	for (int i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return &f[i];
	return NULL;
}

static int count_glob(const char *pattern)
{
	glob_t g;
	int n = glob(pattern, 0, NULL, &g) == 0 ? (int)g.gl_pathc : 0;
	globfree(&g);
	return n;
}

/* Expects success with exactly n attach points. */
static bool expect_ok(struct exp *e, const char *text, int n)
{
	expand(e, text);
	bool ok = e->rc == 0 && e->errors == 0 && e->list.len == n;
	CHECK(ok, "%s: rc %d, %d errors, %d attach points (want %d); diagnostics:\n%s", text,
	      e->rc, e->errors, e->list.len, n, e->diag ? e->diag : "");
	return ok;
}

/* Expects one error with this message at 1:1, and this hint (or none). */
static void expect_error(const char *text, const char *msg, const char *hint)
{
	struct exp e;
	expand(&e, text);
	char want[512];
	snprintf(want, sizeof(want), "-e:1:1: error: %s", msg);
	CHECK(e.rc < 0 && e.errors == 1 && e.list.len == 0, "%s: rc %d, %d errors, %d aps", text,
	      e.rc, e.errors, e.list.len);
	CHECK(e.diag && strstr(e.diag, want), "%s: want \"%s\" in:\n%s", text, want, e.diag);
	if (hint) {
		snprintf(want, sizeof(want), "hint: %s", hint);
		CHECK(e.diag && strstr(e.diag, want), "%s: want \"%s\" in:\n%s", text, want, e.diag);
	}
	exp_free(&e);
}

/* --------------------------------------------------------- BEGIN and END */

static void test_begin_end(void)
{
	struct exp e;
	const char *names[] = {"BEGIN", "begin", "END", "end"};
	for (int i = 0; i < 4; i++) {
		if (expect_ok(&e, names[i], 1)) {
			struct attach_point *ap = e.list.items[0];
			const char *want = i < 2 ? "BEGIN" : "END";
			CHECK(!strcmp(ap->name, want), "%s: name %s", names[i], ap->name);
			CHECK(ap->provider == (i < 2 ? &probe_begin : &probe_end), "%s: provider", names[i]);
			CHECK(ap->provider->run_by_runtime, "%s: run_by_runtime", names[i]);
			CHECK(ap->provider->prog_type == BPF_PROG_TYPE_RAW_TRACEPOINT, "%s: prog type",
			      names[i]);
			CHECK(!strcmp(ap->provider->section(&e.arena, ap), "raw_tp"), "%s: section",
			      names[i]);
		}
		exp_free(&e);
	}
	expect_error("BEGIN:x", "BEGIN probe type requires 0 arguments, found 1", NULL);
	expect_error("end:a:b", "END probe type requires 0 arguments, found 2", NULL);
}

/* ------------------------------------------------------------ tracepoint */

static void test_tracepoint_exact(void)
{
	struct exp e;
	if (expect_ok(&e, "tracepoint:syscalls:sys_enter_openat", 1)) {
		struct attach_point *ap = e.list.items[0];
		CHECK(!strcmp(ap->name, "tracepoint:syscalls:sys_enter_openat"), "name %s", ap->name);
		CHECK(!strcmp(ap->target, "syscalls") && !strcmp(ap->func, "sys_enter_openat"),
		      "target %s func %s", ap->target, ap->func);
		CHECK(ap->provider == &probe_tracepoint, "provider");
		CHECK(ap->provider->prog_type == BPF_PROG_TYPE_TRACEPOINT, "prog type");
		const char *sec = ap->provider->section(&e.arena, ap);
		CHECK(!strcmp(sec, "tracepoint/syscalls/sys_enter_openat"), "section %s", sec);
		CHECK(ap->loc.line == 1 && ap->loc.col == 1, "loc %d:%d", ap->loc.line, ap->loc.col);
	}
	exp_free(&e);

	if (expect_ok(&e, "t:sched:sched_switch", 1))
		CHECK(!strcmp(e.list.items[0]->name, "tracepoint:sched:sched_switch"), "alias name %s",
		      e.list.items[0]->name);
	exp_free(&e);
}

static void test_tracepoint_wildcards(void)
{
	const char *root = tracefs_root();
	char pat[512];
	struct exp e;

	snprintf(pat, sizeof(pat), "%s/events/syscalls/sys_enter_*/format", root);
	int n = count_glob(pat);
	CHECK(n > 100, "sys_enter_* format directories: %d", n);
	if (expect_ok(&e, "t:syscalls:sys_enter_*", n)) {
		bool all = true, pending = true;
		const struct ctx_field *f;
		for (int i = 0; i < e.list.len; i++)
			pending &= e.list.items[i]->fields_pending && !e.list.items[i]->nfields;
		/* the format files are read when args are first needed, not here */
		CHECK(pending, "every sys_enter_* attach point leaves its fields pending");
		for (int i = 0; i < e.list.len; i++)
			all &= !strncmp(e.list.items[i]->name, "tracepoint:syscalls:sys_enter_", 30) &&
			       fields(&e, e.list.items[i], &f) > 0;
		CHECK(all, "every sys_enter_* attach point is named and has fields");
		/* sorted and without duplicates */
		bool sorted = true;
		for (int i = 1; i < e.list.len; i++)
			sorted &= strcmp(e.list.items[i - 1]->name, e.list.items[i]->name) < 0;
		CHECK(sorted, "sys_enter_* expansion is sorted and unique");
	}
	exp_free(&e);

	snprintf(pat, sizeof(pat), "%s/events/sched/*/format", root);
	n = count_glob(pat);
	CHECK(n > 10, "sched format directories: %d", n);
	expect_ok(&e, "tracepoint:sched:*", n);
	exp_free(&e);

	if (expect_ok(&e, "t:*:sched_switch", 1))
		CHECK(!strcmp(e.list.items[0]->name, "tracepoint:sched:sched_switch"), "%s",
		      e.list.items[0]->name);
	exp_free(&e);

	/* '?' is one character */
	if (expect_ok(&e, "t:syscalls:sys_enter_open?t", 1))
		CHECK(!strcmp(e.list.items[0]->name, "tracepoint:syscalls:sys_enter_openat"), "%s",
		      e.list.items[0]->name);
	exp_free(&e);

	/* two parts with a wildcard: the category is a wildcard (bpftrace) */
	if (expect_ok(&e, "tracepoint:*sched_switch", 1))
		CHECK(!strcmp(e.list.items[0]->name, "tracepoint:sched:sched_switch"), "%s",
		      e.list.items[0]->name);
	exp_free(&e);

	/* the ftrace category has format files but cannot be attached to */
	expect_error("tracepoint:ftrace:*", "no tracepoint matches tracepoint:ftrace:*", NULL);
}

static void test_tracepoint_fields(void)
{
	struct exp e;
	const struct ctx_field *f;

	if (expect_ok(&e, "tracepoint:syscalls:sys_enter_openat", 1)) {
		struct attach_point *ap = e.list.items[0];
		int n = fields(&e, ap, &f);
		CHECK(n == 5 && ap->nfields == 5 && !ap->fields_pending, "openat: %d fields", n);
		CHECK(!field(&e, ap, "common_pid") && !field(&e, ap, "common_type"), "common_* are hidden");
		f = field(&e, ap, "__syscall_nr");
		CHECK(f && f->offset == 8 && f->type->kind == TY_INT && f->type->size == 4 &&
			      f->type->is_signed,
		      "__syscall_nr");
		f = field(&e, ap, "dfd");
		CHECK(f && f->offset == 16 && f->type->kind == TY_INT && f->type->size == 8 &&
			      f->type->is_signed,
		      "dfd: int in an 8-byte slot is int64, as bpftrace reads it");
		f = field(&e, ap, "filename");
		CHECK(f && f->offset == 24, "filename offset %u", f ? f->offset : 0);
		CHECK(f && f->type->kind == TY_PTR && f->type->user_ptr && f->type->elem &&
			      f->type->elem->kind == TY_INT && f->type->elem->size == 1 && !f->data_loc,
		      "filename is a user const char *");
		f = field(&e, ap, "flags");
		CHECK(f && f->offset == 32 && f->type->kind == TY_INT && f->type->size == 8 &&
			      f->type->is_signed,
		      "flags");
		f = field(&e, ap, "mode");
		CHECK(f && f->offset == 40 && f->type->kind == TY_INT && f->type->size == 8 &&
			      !f->type->is_signed,
		      "mode (umode_t) unsigned");
		CHECK(ap->fields[0].offset == 8 && !strcmp(ap->fields[2].name, "filename"),
		      "fields in record order");
	}
	exp_free(&e);

	if (expect_ok(&e, "tracepoint:sched:sched_switch", 1)) {
		struct attach_point *ap = e.list.items[0];
		f = field(&e, ap, "prev_comm");
		CHECK(f && f->offset == 8 && f->type->kind == TY_STRING && f->type->size == 16 &&
			      !f->data_loc,
		      "prev_comm: char[16] reads as string[16]");
		f = field(&e, ap, "prev_pid");
		CHECK(f && f->offset == 24 && f->type->kind == TY_INT && f->type->size == 4 &&
			      f->type->is_signed,
		      "prev_pid int32");
		f = field(&e, ap, "prev_state");
		CHECK(f && f->type->kind == TY_INT && f->type->size == 8 && f->type->is_signed,
		      "prev_state int64");
		f = field(&e, ap, "next_comm");
		CHECK(f && f->offset == 40 && f->type->kind == TY_STRING && f->type->size == 16,
		      "next_comm");
	}
	exp_free(&e);

	/* __data_loc char[]: found with grep -l __data_loc events/x/format */
	if (expect_ok(&e, "tracepoint:sched:sched_process_exec", 1)) {
		struct attach_point *ap = e.list.items[0];
		f = field(&e, ap, "filename");
		CHECK(f && f->data_loc && f->offset == 8 && f->type->kind == TY_STRING,
		      "sched_process_exec filename is a __data_loc string");
		f = field(&e, ap, "pid");
		CHECK(f && !f->data_loc && f->offset == 12 && f->type->kind == TY_INT &&
			      f->type->size == 4,
		      "sched_process_exec pid");
	}
	exp_free(&e);

	/* pointers outside syscalls are kernel pointers */
	if (expect_ok(&e, "tracepoint:kmem:kmalloc", 1)) {
		f = field(&e, e.list.items[0], "ptr");
		CHECK(f && f->type->kind == TY_PTR && !f->type->user_ptr && f->type->elem &&
			      f->type->elem->kind == TY_VOID,
		      "kmalloc ptr is a kernel void *");
		f = field(&e, e.list.items[0], "call_site");
		CHECK(f && f->type->kind == TY_INT && f->type->size == 8 && !f->type->is_signed,
		      "call_site uint64");
	}
	exp_free(&e);

	/* arrays of other than char stay arrays */
	if (expect_ok(&e, "tracepoint:sock:inet_sock_set_state", 1)) {
		f = field(&e, e.list.items[0], "saddr");
		CHECK(f && f->type->kind == TY_ARRAY && f->type->count == 4 && f->type->size == 4 &&
			      f->type->elem && f->type->elem->kind == TY_INT && f->type->elem->size == 1,
		      "saddr is __u8[4]");
	}
	exp_free(&e);

	/* same_context: same tracepoint only */
	struct exp a, b;
	expand(&a, "tracepoint:syscalls:sys_enter_openat");
	expand(&b, "t:sched:sched_switch");
	if (a.list.len == 1 && b.list.len == 1) {
		struct attach_point *x = a.list.items[0], *y = b.list.items[0];
		CHECK(probe_tracepoint.same_context(x, x, false), "same_context(openat, openat)");
		CHECK(!probe_tracepoint.same_context(x, y, false), "!same_context(openat, sched_switch)");
	}
	exp_free(&a);
	exp_free(&b);
}

static void test_tracepoint_errors(void)
{
	expect_error("tracepoint:syscalls:sys_entr_openat",
		     "tracepoint not found: syscalls:sys_entr_openat",
		     "did you mean tracepoint:syscalls:sys_enter_openat?");
	expect_error("tracepoint:sycalls:sys_enter_openat",
		     "tracepoint not found: sycalls:sys_enter_openat",
		     "did you mean tracepoint:syscalls:sys_enter_openat?");
	expect_error("tracepoint:nosuchcat*:x", "no tracepoint matches tracepoint:nosuchcat*:x", NULL);
	expect_error("t:sycalls:sys_enter_*", "no tracepoint matches tracepoint:sycalls:sys_enter_*",
		     "did you mean tracepoint:syscalls:sys_enter_*?");
	expect_error("tracepoint:syscalls", "tracepoint probe type requires 2 arguments, found 1",
		     NULL);
	expect_error("tracepoint:a:b:c", "tracepoint probe type requires 2 arguments, found 3", NULL);
	expect_error("tracepoint::x", "tracepoint needs a category and an event name, found ':x'",
		     NULL);
	expect_error("tracepoit:syscalls:sys_enter_openat", "unknown probe type 'tracepoit'",
		     "did you mean tracepoint?");
	expect_error("intervall:s:1", "unknown probe type 'intervall'", "did you mean interval?");
}

/* ------------------------------------------------------ interval, profile */

static void expect_timer(const char *text, const struct probe_provider *p, const char *name,
			 const char *unit, uint64_t period)
{
	struct exp e;
	if (expect_ok(&e, text, 1)) {
		struct attach_point *ap = e.list.items[0];
		CHECK(ap->provider == p, "%s: provider %s", text, ap->provider->name);
		CHECK(!strcmp(ap->name, name), "%s: name %s, want %s", text, ap->name, name);
		CHECK(!strcmp(ap->target, unit), "%s: unit %s, want %s", text, ap->target, unit);
		CHECK(ap->period == period, "%s: period %llu, want %llu", text,
		      (unsigned long long)ap->period, (unsigned long long)period);
		CHECK(p->prog_type == BPF_PROG_TYPE_PERF_EVENT, "%s: prog type", text);
		CHECK(!strcmp(p->section(&e.arena, ap), "perf_event"), "%s: section", text);
		CHECK(!p->run_by_runtime, "%s: attached, not run", text);
	}
	exp_free(&e);
}

static void test_timers(void)
{
	const struct probe_provider *i = &probe_interval, *p = &probe_profile;
	expect_timer("interval:s:1", i, "interval:s:1", "s", 1000000000ULL);
	expect_timer("i:ms:10", i, "interval:ms:10", "ms", 10000000ULL);
	expect_timer("interval:us:100", i, "interval:us:100", "us", 100000ULL);
	expect_timer("interval:hz:10", i, "interval:hz:10", "hz", 100000000ULL);
	expect_timer("interval:s:1_000", i, "interval:s:1000", "s", 1000000000000ULL);
	expect_timer("interval:s:2e1", i, "interval:s:20", "s", 20000000000ULL);
	expect_timer("interval:1s", i, "interval:us:1000000", "us", 1000000000ULL);
	expect_timer("interval:500ms", i, "interval:us:500000", "us", 500000000ULL);
	expect_timer("interval:5m", i, "interval:us:300000000", "us", 300000000000ULL);
	expect_timer("interval:1000000", i, "interval:us:1000", "us", 1000000ULL);

	expect_timer("profile:hz:99", p, "profile:hz:99", "hz", 99);
	expect_timer("p:ms:10", p, "profile:ms:10", "ms", 10000000ULL);
	expect_timer("profile:s:1", p, "profile:s:1", "s", 1000000000ULL);
	expect_timer("profile:us:500", p, "profile:us:500", "us", 500000ULL);
	expect_timer("profile:1us", p, "profile:us:1", "us", 1000ULL);

	expect_error("interval:s:0", "invalid rate of interval probe: it must be a positive integer, found 0",
		     NULL);
	expect_error("interval:s:abc", "invalid rate of interval probe: 'abc' is not an integer", NULL);
	expect_error("interval:s:1b", "invalid rate of interval probe: '1b' is not an integer", NULL);
	expect_error("interval:s:99999999999999999999",
		     "invalid rate of interval probe: '99999999999999999999' is too large", NULL);
	expect_error("interval:s", "invalid rate of interval probe: 's' is not an integer", NULL);
	expect_error("interval", "interval probe type requires 1 or 2 arguments, found 0", NULL);
	expect_error("interval:s:1:2", "interval probe type requires 1 or 2 arguments, found 3", NULL);
	expect_error("interval:ns:1000", "ns is not an accepted unit of time for interval probes",
		     NULL);
	expect_error("interval:mss:1", "mss is not an accepted unit of time for interval probes",
		     "did you mean interval:ms:1? (units: s, ms, us, hz)");
	expect_error("interval:100",
		     "invalid rate of interval probe: the minimum is 1000 or 1us, found 100 nanoseconds",
		     NULL);
	expect_error("interval:5x", "invalid rate of interval probe: unknown unit 'x' in '5x'", NULL);
	expect_error("interval:hz:2000000000",
		     "invalid rate of interval probe: at most 1000000000 hz, found 2000000000", NULL);
	expect_error("profile:hz:0", "invalid rate of profile probe: it must be a positive integer, found 0",
		     NULL);
	expect_error("profile", "profile probe type requires 1 or 2 arguments, found 0", NULL);
}

/* ------------------------------------------------- splitting, the table */

static void test_split_and_table(void)
{
	struct arena a = {0};
	char **parts;
	int n = probe_split(&a, "uprobe:\"/a:b\\\"c\":f", NULL, 0, &parts);
	CHECK(n == 3 && !strcmp(parts[0], "uprobe") && !strcmp(parts[1], "/a:b\"c") &&
		      !strcmp(parts[2], "f"),
	      "quoted part kept whole: %d parts", n);
	const char *pos[] = {"5", "sched"};
	n = probe_split(&a, "t:$2:x$1y:$3", pos, 2, &parts);
	CHECK(n == 4 && !strcmp(parts[1], "sched") && !strcmp(parts[2], "x5y") && !parts[3][0],
	      "positional parameters substituted");
	n = probe_split(&a, "a::", NULL, 0, &parts);
	CHECK(n == 3 && !parts[1][0] && !parts[2][0], "empty parts kept");
	arena_free(&a);

	struct exp e;
	expand_with(&e, "interval:s:$1", pos, 2);
	CHECK(e.rc == 0 && e.list.len == 1 && !strcmp(e.list.items[0]->name, "interval:s:5"),
	      "interval:s:$1 with $1=5: %s", e.diag ? e.diag : "");
	exp_free(&e);

	CHECK(probe_provider_find("tracepoint") == &probe_tracepoint, "find tracepoint");
	CHECK(probe_provider_find("t") == &probe_tracepoint, "find t");
	CHECK(probe_provider_find("i") == &probe_interval, "find i");
	CHECK(probe_provider_find("p") == &probe_profile, "find p");
	CHECK(probe_provider_find("begin") == &probe_begin, "find begin");
	CHECK(probe_provider_find("END") == &probe_end, "find END");
	CHECK(!probe_provider_find("nope") && !probe_provider_find(""), "find unknown");
	bool all = true;
	for (int i = 0; i < probe_provider_count; i++)
		all &= probe_providers[i]->name && probe_providers[i]->expand &&
		       probe_providers[i]->section;
	CHECK(all, "every provider has a name, expand and section");

	expect_error("", "empty attach point", NULL);
}

/* --------------------------------------------------------------------- -l */

static char *list(const char *pattern, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	*rc = probe_list(f, pattern);
	fclose(f);
	return buf;
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static bool sorted_unique(const char *s)
{
	const char *prev = NULL;
	size_t prev_len = 0;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		if (prev) {
			size_t m = prev_len < len ? prev_len : len;
			int c = memcmp(prev, s, m);
			if (c > 0 || (c == 0 && prev_len >= len))
				return false;
		}
		prev = s;
		prev_len = len;
		s += len + (nl ? 1 : 0);
	}
	return true;
}

static void test_list(void)
{
	int rc;
	char *out = list("tracepoint:syscalls:sys_enter_open*", &rc);
	char pat[512];
	snprintf(pat, sizeof(pat), "%s/events/syscalls/sys_enter_open*/format", tracefs_root());
	int n = count_glob(pat);
	CHECK(rc == 0 && count_lines(out) == n && n >= 2, "sys_enter_open*: %d lines, want %d",
	      count_lines(out), n);
	CHECK(!strncmp(out, "tracepoint:syscalls:sys_enter_open\n", 35), "first line:\n%s", out);
	CHECK(strstr(out, "\ntracepoint:syscalls:sys_enter_openat\n") != NULL, "openat listed");
	CHECK(sorted_unique(out), "sorted:\n%s", out);
	free(out);

	out = list("t:sched:sched_switch", &rc);
	CHECK(!strcmp(out, "tracepoint:sched:sched_switch\n"), "exact name: %s", out);
	free(out);

	out = list("*sched_switch*", &rc);
	CHECK(strstr(out, "tracepoint:sched:sched_switch\n") != NULL, "type-less pattern:\n%s", out);
	bool all = true;
	for (char *l = out; *l; l = strchr(l, '\n') + 1) {
		char *nl = strchr(l, '\n');
		*nl = '\0';
		all &= strstr(strrchr(l, ':'), "sched_switch") != NULL;
		*nl = '\n';
	}
	CHECK(all, "type-less pattern matches the last part only:\n%s", out);
	free(out);

	const struct tracefs_event *ev;
	int nev = tracefs_events(&ev);
	out = list(NULL, &rc);
	int ntp = 0;
	for (const char *l = out; (l = strstr(l, "\ntracepoint:")); l++)
		ntp++;
	CHECK(rc == 0 && ntp == nev, "everything: %d tracepoints, want %d", ntp, nev);
	CHECK(!strncmp(out, "BEGIN\nEND\n", 10), "BEGIN and END first");
	CHECK(sorted_unique(out), "everything sorted");
	CHECK(!strstr(out, "tracepoint:ftrace:"), "ftrace events are not listed");
	CHECK(!strstr(out, "\ninterval:") && !strstr(out, "\nprofile:"), "no interval/profile");
	free(out);

	out = list("BEGIN", &rc);
	CHECK(!strcmp(out, "BEGIN\n"), "BEGIN: %s", out);
	free(out);
	out = list("interval:*", &rc);
	CHECK(!strcmp(out, ""), "interval lists nothing: %s", out);
	free(out);
	out = list("nosuchtype:*", &rc);
	CHECK(rc == 0 && !strcmp(out, ""), "unknown type lists nothing: %s", out);
	free(out);
}

/* ----------------------------------------------------- attaching for real */

/* A BPF ELF object with one program "r0 = 0; exit" in section sec. */
static size_t build_object(unsigned char *buf, size_t cap, const char *sec)
{
	static const unsigned char insns[16] = {0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};
	char strtab[256];
	size_t sl = 0;
#define ADDSTR(s) (memcpy(strtab + sl, s, strlen(s) + 1), sl += strlen(s) + 1, sl - strlen(s) - 1)
	strtab[sl++] = '\0';
	size_t n_sec = ADDSTR(sec), n_lic = ADDSTR("license"), n_str = ADDSTR(".strtab"),
	       n_sym = ADDSTR(".symtab"), n_prog = ADDSTR("prog"), n_lsym = ADDSTR("_license");
#undef ADDSTR
	size_t off_text = sizeof(Elf64_Ehdr), off_lic = off_text + 16, off_str = off_lic + 4;
	size_t off_sym = (off_str + sl + 7) & ~7UL, off_sh = off_sym + 3 * sizeof(Elf64_Sym);
	size_t total = off_sh + 5 * sizeof(Elf64_Shdr);
	if (total > cap)
		return 0;
	memset(buf, 0, total);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_REL;
	eh->e_machine = EM_BPF;
	eh->e_version = EV_CURRENT;
	eh->e_shoff = off_sh;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = 5;
	eh->e_shstrndx = 1;
	memcpy(buf + off_text, insns, 16);
	memcpy(buf + off_lic, "GPL", 4);
	memcpy(buf + off_str, strtab, sl);
	Elf64_Sym *sym = (Elf64_Sym *)(buf + off_sym);
	sym[1] = (Elf64_Sym){.st_name = n_prog, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
			     .st_shndx = 2, .st_size = 16};
	sym[2] = (Elf64_Sym){.st_name = n_lsym, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT),
			     .st_shndx = 3, .st_size = 4};
	Elf64_Shdr *sh = (Elf64_Shdr *)(buf + off_sh);
	sh[1] = (Elf64_Shdr){.sh_name = n_str, .sh_type = SHT_STRTAB, .sh_offset = off_str,
			     .sh_size = sl, .sh_addralign = 1};
	sh[2] = (Elf64_Shdr){.sh_name = n_sec, .sh_type = SHT_PROGBITS,
			     .sh_flags = SHF_ALLOC | SHF_EXECINSTR, .sh_offset = off_text,
			     .sh_size = 16, .sh_addralign = 8};
	sh[3] = (Elf64_Shdr){.sh_name = n_lic, .sh_type = SHT_PROGBITS,
			     .sh_flags = SHF_ALLOC | SHF_WRITE, .sh_offset = off_lic, .sh_size = 4,
			     .sh_addralign = 1};
	sh[4] = (Elf64_Shdr){.sh_name = n_sym, .sh_type = SHT_SYMTAB, .sh_offset = off_sym,
			     .sh_size = 3 * sizeof(Elf64_Sym), .sh_link = 1, .sh_info = 1,
			     .sh_addralign = 8, .sh_entsize = sizeof(Elf64_Sym)};
	return total;
}

static struct bpf_object *load_object(const char *sec, unsigned char *buf, size_t cap)
{
	size_t len = build_object(buf, cap, sec);
	struct bpf_object *obj = bpf_object__open_mem(buf, len, NULL);
	if (!obj) {
		CHECK(false, "open object with section %s: %s", sec, strerror(errno));
		return NULL;
	}
	int err = bpf_object__load(obj);
	if (err) {
		CHECK(false, "load object with section %s: %s", sec, strerror(-err));
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static uint64_t run_count(struct bpf_program *prog)
{
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info);
	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
		return 0;
	return info.run_cnt;
}

/* Expands text, loads a program in the provider's section, attaches it,
 * waits, and checks that it ran and detaches cleanly. */
static void attach_and_run(const char *text, int want_links, int wait_ms)
{
	struct exp e;
	unsigned char buf[4096];
	if (!expect_ok(&e, text, 1)) {
		exp_free(&e);
		return;
	}
	struct attach_point *ap = e.list.items[0];
	ap->index = 3;
	const char *sec = ap->provider->section(&e.arena, ap);
	struct bpf_object *obj = load_object(sec, buf, sizeof(buf));
	if (!obj) {
		exp_free(&e);
		return;
	}
	struct bpf_program *prog = bpf_object__next_program(obj, NULL);
	CHECK(bpf_program__type(prog) == ap->provider->prog_type, "%s: section %s gives type %d",
	      text, sec, bpf_program__type(prog));
	struct loaded_probe lp = {.ap = ap, .prog = prog};
	int rc = probe_attach(&lp);
	CHECK(rc == 0 && lp.nlinks == want_links, "%s: attach rc %d, %d links (want %d)", text, rc,
	      lp.nlinks, want_links);
	uint64_t before = run_count(prog);
	for (int i = 0; i < wait_ms / 10; i++)
		usleep(10000);
	uint64_t after = run_count(prog);
	CHECK(after > before, "%s: program ran %llu times", text,
	      (unsigned long long)(after - before));
	probe_detach(&lp);
	CHECK(lp.nlinks == 0 && !lp.links && !lp.perf_fds, "%s: detached", text);
	probe_detach(&lp); /* twice is harmless */
	uint64_t settled = run_count(prog);
	usleep(50000);
	CHECK(run_count(prog) == settled, "%s: no runs after detach", text);
	bpf_object__close(obj);
	exp_free(&e);
}

/* stderr of fn, as a string */
static char *capture_stderr(int (*fn)(struct loaded_probe *), struct loaded_probe *lp, int *rc)
{
	fflush(stderr);
	FILE *tmp = tmpfile();
	int saved = dup(2);
	dup2(fileno(tmp), 2);
	*rc = fn(lp);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	off_t len = lseek(fileno(tmp), 0, SEEK_END);
	char *s = calloc(1, len > 0 ? len + 1 : 1);
	if (len > 0 && pread(fileno(tmp), s, len, 0) != len)
		s[0] = '\0';
	fclose(tmp);
	return s;
}

static void test_attach(void)
{
	libbpf_set_print(NULL); /* the runtime silences libbpf too */
	int stats = bpf_enable_stats(BPF_STATS_RUN_TIME);
	CHECK(stats >= 0, "enable BPF run-time stats: %s", strerror(errno));
	if (stats < 0)
		return;

	attach_and_run("tracepoint:sched:sched_switch", 1, 100);
	attach_and_run("interval:ms:10", 1, 200);
	int *cpus;
	int ncpus = probe_online_cpus(&cpus);
	CHECK(ncpus >= 1 && ncpus == (int)sysconf(_SC_NPROCESSORS_ONLN), "online CPUs: %d", ncpus);
	free(cpus);
	attach_and_run("profile:hz:99", ncpus, 300);
	attach_and_run("profile:ms:5", ncpus, 200);

	/* BEGIN: the runtime runs it with bpf_prog_test_run_opts */
	unsigned char buf[4096];
	struct bpf_object *obj = load_object(probe_begin.section(NULL, NULL), buf, sizeof(buf));
	if (obj) {
		struct bpf_program *prog = bpf_object__next_program(obj, NULL);
		CHECK(bpf_program__type(prog) == probe_begin.prog_type, "raw_tp type");
		LIBBPF_OPTS(bpf_test_run_opts, opts);
		int rc = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
		CHECK(rc == 0 && opts.retval == 0, "BEGIN program test-runs: %d %s", rc, strerror(-rc));
		bpf_object__close(obj);
	}

	/* a tracepoint that went away between expansion and attach */
	obj = load_object("tracepoint/sched/sched_switch", buf, sizeof(buf));
	if (obj) {
		struct attach_point ap = {.provider = &probe_tracepoint,
					  .name = "tracepoint:nosuch:event",
					  .target = "nosuch",
					  .func = "event"};
		struct loaded_probe lp = {.ap = &ap, .prog = bpf_object__next_program(obj, NULL)};
		int rc;
		char *err = capture_stderr(probe_tracepoint.attach, &lp, &rc);
		CHECK(rc < 0 && lp.nlinks == 0, "attach to a missing tracepoint fails: %d", rc);
		CHECK(!strncmp(err, "sonde: cannot attach tracepoint:nosuch:event: ", 46) &&
			      count_lines(err) == 1,
		      "one sentence: %s", err);
		free(err);
		probe_detach(&lp);
		bpf_object__close(obj);
	}
	close(stats);
}

/* ------------------------------------------------------------------ main */

int main(void)
{
	const char *req = getenv("SONDE_REQUIRE_LIVE");
	int skip = req && !strcmp(req, "1") ? 1 : 77;
	if (geteuid() != 0) {
		printf("SKIP: unit_probes reads tracefs and attaches BPF programs: needs root\n");
		return skip;
	}
	if (!tracefs_root()) {
		printf("SKIP: %s\n", tracefs_error());
		return skip;
	}

	test_begin_end();
	test_tracepoint_exact();
	test_tracepoint_wildcards();
	test_tracepoint_fields();
	test_tracepoint_errors();
	test_timers();
	test_split_and_table();
	test_list();
	test_attach();

	return check_summary();
}
