#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "ast/sema.h"
#include "runtime/verifier_log.h"

static char *log_buf;
static size_t log_len, log_cap;
static int verbose;

static int on_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (verbose)
		return vfprintf(stderr, fmt, ap);
	if (level == LIBBPF_DEBUG)
		return 0;
	char tmp[4096];
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	if (n <= 0)
		return n;
	size_t k = (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1;
	if (log_len + k + 1 > log_cap) {
		size_t cap = (log_cap ? log_cap * 2 : 65536);
		while (cap < log_len + k + 1)
			cap *= 2;
		char *b = realloc(log_buf, cap);
		if (!b)
			return n;
		log_buf = b;
		log_cap = cap;
	}
	memcpy(log_buf + log_len, tmp, k);
	log_len += k;
	log_buf[log_len] = 0;
	return n;
}

void verifier_log_verbose(int on)
{
	verbose = on;
	libbpf_set_print(on_libbpf_print);
}

void verifier_log_start(struct bpf_object *obj)
{
	libbpf_set_print(on_libbpf_print);
	log_len = 0;
	if (log_buf)
		log_buf[0] = 0;
}

void verifier_log_stop(struct bpf_object *obj)
{
	free(log_buf);
	log_buf = NULL;
	log_len = log_cap = 0;
}

/* The program whose load failed: libbpf names it in "prog 'prog_N': ". */
static const struct sema_prog *failed_prog(const struct sema_program *sp)
{
	const char *p = log_buf ? strstr(log_buf, "prog 'prog_") : NULL;
	if (!p)
		return NULL;
	int idx = atoi(p + strlen("prog 'prog_"));
	return idx >= 0 && idx < sp->nprogs ? sp->progs[idx] : NULL;
}

void verifier_log_report(struct bpf_object *obj, const struct sema_program *sp, int err)
{
	const struct sema_prog *p = failed_prog(sp);
	bool verifier_spoke = log_buf && strstr(log_buf, "-- BEGIN PROG LOAD LOG --");
	if (p && p->provider->load_failure && !verifier_spoke) {
		fprintf(stderr, "sonde: cannot load %s: %s\n", p->aps[0]->name,
			p->provider->load_failure);
		verifier_log_stop(obj);
		return;
	}
	if (p)
		fprintf(stderr, "sonde: the kernel rejected the program of %s (line %d): %s\n",
			p->aps[0]->name, p->probe->loc.line, strerror(err));
	else
		fprintf(stderr, "sonde: cannot load the BPF programs: %s\n", strerror(err));
	/* The verifier's last lines say what it objected to; libbpf's own
	 * lines around them add nothing. */
	char *start = log_buf ? strstr(log_buf, "-- BEGIN PROG LOAD LOG --\n") : NULL;
	char *end = start ? strstr(start, "-- END PROG LOAD LOG --") : NULL;
	if (start && end) {
		start += strlen("-- BEGIN PROG LOAD LOG --\n");
		int lines = 0;
		char *p = end;
		while (p > start && lines < 9)
			if (*--p == '\n')
				lines++;
		if (p > start)
			p++;
		fprintf(stderr, "the verifier's last words:\n%.*s", (int)(end - p), p);
	}
	verifier_log_stop(obj);
}
