/* sonde's command line: bpftrace's flags, then source -> AST -> checked
 * program -> BPF object -> run. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ast/arena.h"
#include "ast/ast.h"
#include "ast/diag.h"
#include "ast/sema.h"
#include "codegen/codegen.h"
#include "codegen/huge_heap.h"
#include "parser/parse.h"
#include "runtime/info.h"
#include "runtime/privileges.h"
#include "runtime/probe_list.h"
#include "runtime/report.h"
#include "runtime/runtime.h"
#include "runtime/target.h"
#include "runtime/verifier_log.h"

static const char usage_text[] =
	"USAGE:\n"
	"    sonde [options] filename [args...]\n"
	"    sonde [options] - [args...]        (program on standard input)\n"
	"    sonde [options] -e 'program' [args...]\n"
	"\n"
	"OPTIONS:\n"
	"    -e PROGRAM         run this program\n"
	"    -p PID             trace only this process (uprobes, usdt: its binaries)\n"
	"    -c 'CMD ARGS'      run this command once the probes are attached, end with it\n"
	"    -l [PATTERN]       list probes matching PATTERN (a binary's path: its uprobes\n"
	"                       and usdt probes; with -p: the process's uprobes and usdt\n"
	"                       probes; with -e: what the program attaches to)\n"
	"    -q                 quiet: no \"Attaching N probes...\" line\n"
	"    -k                 warn when a probe read fails (bad pointer), at its line\n"
	"    -v                 verbose: each program's instruction count, verifier work\n"
	"                       and load time (-vv: libbpf's messages too)\n"
	"    -f FORMAT          output format: text (default) or json (one JSON object a line)\n"
	"    -o FILE            write the output to FILE instead of standard output\n"
	"    -B MODE            output buffering: line (default), full or none\n"
	"    --interval DURATION  print every map every DURATION (1s, 500ms, 2m)\n"
	"    --interval-clear   clear the maps after each --interval print\n"
	"    --live             redraw the maps in place on the terminal (every second,\n"
	"                       or --interval); Ctrl-C prints them one last time\n"
	"    --metrics [ADDR:]PORT  serve the maps to Prometheus at http://ADDR:PORT/metrics\n"
	"                       (ADDR defaults to 127.0.0.1)\n"
	"    --info             kernel, libbpf and LLVM versions; the probe types and\n"
	"                       features this machine supports (checked)\n"
	"    -h, --help         show this help\n"
	"    -V, --version      show the version\n"
	"    --unsafe           allow functions that change the system\n"
	"    --dry-run          compile and load into the kernel, attach nothing\n"
	"    --dump=ast         print the syntax tree and stop\n"
	"    --dump=ir          print the LLVM IR and stop\n"
	"    --dump=bpf         load, print the BPF instructions and stop (attaches nothing)\n"
	"    --emit-elf FILE    write the BPF object to FILE\n"
	"    --emit-llvm FILE   write the LLVM IR to FILE\n"
	"\n"
	"EXAMPLES:\n"
	"    sonde -e 'tracepoint:syscalls:sys_enter_read { @bytes = hist(args.count); }'\n"
	"    sonde -l 'tracepoint:sched:*'\n";

static void usage(FILE *out)
{
	fputs(usage_text, out);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "sonde: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n\n");
	usage(stderr);
	return 2;
}

static char *read_stream(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t k = fread(buf + n, 1, cap - n - 1, f);
		n += k;
		if (k == 0)
			break;
		if (n + 1 == cap) {
			char *b = realloc(buf, cap * 2);
			if (!b) {
				free(buf);
				return NULL;
			}
			buf = b;
			cap *= 2;
		}
	}
	if (buf)
		buf[n] = 0;
	*len = n;
	return buf;
}

enum {
	OPT_UNSAFE = 256,
	OPT_DRY_RUN,
	OPT_DUMP,
	OPT_EMIT_ELF,
	OPT_EMIT_LLVM,
	OPT_INTERVAL,
	OPT_INTERVAL_CLEAR,
	OPT_LIVE,
	OPT_METRICS,
	OPT_INFO,
};

struct cli {
	const char *program, *file, *dump, *emit_elf, *emit_llvm, *list;
	bool list_mode, unsafe, dry_run, quiet, info;
	bool check_helpers;	/* -k */
	int verbose;
	struct runtime_opts run;	/* the output-side options: -f -o -B --interval ... */
	const char **positional;
	int npositional;
	int pid_arg;		/* -p */
	const char *cmd;	/* -c */
	struct target target;
};

/* The output-side options (-f, -o, -B, --interval, --interval-clear, --live,
 * --metrics).  Returns 0 when it took opt, 1 when opt is not one of them,
 * 2 after a usage error. */
static int output_option(struct cli *c, int opt, const char *arg)
{
	struct runtime_opts *r = &c->run;
	switch (opt) {
	case 'f':
		if (!strcmp(arg, "text"))
			r->output.format = OUTPUT_TEXT;
		else if (!strcmp(arg, "json"))
			r->output.format = OUTPUT_JSON;
		else
			return usage_error("-f takes 'text' or 'json', not '%s'", arg);
		return 0;
	case 'o':
		r->output.path = arg;
		return 0;
	case 'B':
		if (output_parse_buffering(arg, &r->output.buffering))
			return usage_error("-B takes 'line', 'full' or 'none', not '%s'", arg);
		return 0;
	case OPT_INTERVAL:
		if (report_parse_duration(arg, &r->interval_ns))
			return usage_error("--interval takes a duration such as 1s, 500ms or 2m, "
					   "not '%s'", arg);
		return 0;
	case OPT_INTERVAL_CLEAR: r->interval_clear = true; return 0;
	case OPT_LIVE: r->live = true; return 0;
	case OPT_METRICS: r->metrics = arg; return 0;
	}
	return 1;
}

/* Options that only make sense together, checked once all are read. */
static int output_options_check(struct cli *c)
{
	if (c->run.interval_clear && !c->run.interval_ns && !c->run.live)
		return usage_error("%s", "--interval-clear needs --interval (or --live)");
	if (c->run.live && c->run.output.format == OUTPUT_JSON)
		return usage_error("%s", "--live draws text: use --interval with -f json");
	if (c->run.live && c->run.output.path)
		return usage_error("%s", "--live draws on the terminal: it cannot go to -o FILE");
	return 0;
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len) {
		fprintf(stderr, "sonde: cannot write %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

/* Huge pages behind the compiler's heap (codegen/huge_heap.c), set up
 * before LLVM's static constructors allocate: a constructor with a
 * priority runs before those without. */
__attribute__((constructor(101))) static void heap_before_llvm(void)
{
	huge_heap_start();
}

static int compile_and_run(struct cli *c, const char *name, char *text, size_t len)
{
	struct diag_source src = {.name = name, .text = text, .len = len};
	struct diags d;
	diag_init(&d, &src, stderr);
	struct arena a = {0};
	int status = 1;
	void *elf = NULL;
	size_t elf_len = 0;

	struct ast_node *prog = parse_program(&a, &d);
	if (!prog)
		goto out;
	if (c->dump && !strcmp(c->dump, "ast")) {
		ast_print(stdout, prog);
		status = 0;
		goto out;
	}
	if (c->cmd && target_spawn(&c->target, c->cmd))
		goto out;
	if (c->pid_arg && target_attach_pid(&c->target, c->pid_arg))
		goto out;
	struct sema_opts so = {.positional = c->positional, .npositional = c->npositional,
			       .unsafe = c->unsafe};
	so.target.filter_pid = c->pid_arg;
	so.target.cpid = c->target.child ? c->target.pid : 0;
	so.target.cmd = c->target.child ? c->cmd : NULL;
	so.target.pidns = target_pid_namespace(&so.target.pidns_dev, &so.target.pidns_ino);
	struct sema_program *sp = sema_run(&a, &d, prog, &so);
	if (!sp)
		goto out;
	sp->check_helpers = c->check_helpers;
	if (c->list_mode) {
		status = probe_list_program(stdout, sp, c->verbose > 0) ? 1 : 0;
		goto out;
	}
	bool dump_ir = c->dump && !strcmp(c->dump, "ir");
	/* LLVM writes "-" to standard output */
	struct codegen_opts co = {.emit_llvm = dump_ir ? "-" : c->emit_llvm, .opt_level = 2};
	fflush(stdout);
	bool emit_failed = codegen_emit(sp, &d, &co, &elf, &elf_len) != 0;
	huge_heap_end();
	if (emit_failed)
		goto out;
	if (dump_ir) {
		status = 0;
		goto out;
	}
	if (c->emit_elf && write_file(c->emit_elf, elf, elf_len))
		goto out;
	if ((c->emit_elf || c->emit_llvm) && !c->dry_run) {
		status = 0;
		goto out;
	}
	if (privileges_check())
		goto out;
	struct runtime_opts ro = c->run;
	ro.dry_run = c->dry_run;
	ro.quiet = c->quiet;
	ro.verbose = c->verbose > 0;
	ro.stats = c->verbose > 0;
	ro.dump_bpf = c->dump && !strcmp(c->dump, "bpf");
	ro.target = c->target.pid ? &c->target : NULL;
	status = runtime_run(sp, elf, elf_len, &ro);
out:
	target_finish(&c->target);
	free(elf);
	arena_free(&a);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"unsafe", no_argument, NULL, OPT_UNSAFE},
		{"dry-run", no_argument, NULL, OPT_DRY_RUN},
		{"dump", required_argument, NULL, OPT_DUMP},
		{"emit-elf", required_argument, NULL, OPT_EMIT_ELF},
		{"emit-llvm", required_argument, NULL, OPT_EMIT_LLVM},
		{"interval", required_argument, NULL, OPT_INTERVAL},
		{"interval-clear", no_argument, NULL, OPT_INTERVAL_CLEAR},
		{"live", no_argument, NULL, OPT_LIVE},
		{"metrics", required_argument, NULL, OPT_METRICS},
		{"info", no_argument, NULL, OPT_INFO},
		{0, 0, 0, 0},
	};
	struct cli c = {0};
	int opt;
	opterr = 0;
	/* '+': options end at the first positional argument (the script or
	 * its arguments), as in bpftrace. */
	while ((opt = getopt_long(argc, argv, "+e:p:c:lqvhVkf:o:B:", longopts, NULL)) != -1) {
		int r = output_option(&c, opt, optarg);
		if (r == 2)
			return 2;
		if (r == 0)
			continue;
		switch (opt) {
		case 'e': c.program = optarg; break;
		case 'p': {
			char *end;
			long pid = strtol(optarg, &end, 10);
			if (!*optarg || *end || pid <= 0)
				return usage_error("-p takes a process id, not '%s'", optarg);
			c.pid_arg = (int)pid;
			break;
		}
		case 'c': c.cmd = optarg; break;
		case 'l': c.list_mode = true; break;
		case 'q': c.quiet = true; break;
		case 'k': c.check_helpers = true; break; /* -kk: the same */
		case 'v': c.verbose++; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sonde v%s\n", SONDE_VERSION); return 0;
		case OPT_UNSAFE: c.unsafe = true; break;
		case OPT_DRY_RUN: c.dry_run = true; break;
		case OPT_DUMP:
			if (strcmp(optarg, "ast") && strcmp(optarg, "ir") && strcmp(optarg, "bpf"))
				return usage_error("--dump takes 'ast', 'ir' or 'bpf', not '%s'", optarg);
			c.dump = optarg;
			break;
		case OPT_EMIT_ELF: c.emit_elf = optarg; break;
		case OPT_EMIT_LLVM: c.emit_llvm = optarg; break;
		case OPT_INFO: c.info = true; break;
		case '?':
		default:
			if (optopt == 'e')
				return usage_error("%s needs a program", "-e");
			if (optopt == 'f' || optopt == 'o' || optopt == 'B') {
				char o[3] = {'-', (char)optopt, 0};
				return usage_error("%s needs an argument", o);
			}
			if (optopt && optopt < 256) {
				char o[3] = {'-', (char)optopt, 0};
				return usage_error("unknown option %s", o);
			}
			return usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (c.verbose > 1)
		verifier_log_verbose(1);
	if (output_options_check(&c))
		return 2;
	if (c.info)
		return info_print(stdout) ? 1 : 0;
	if (c.pid_arg && c.cmd)
		return usage_error("%s", "-p and -c cannot be combined");
	if (c.list_mode) {
		if (c.program && optind < argc)
			return usage_error("-l -e takes no pattern, got '%s'", argv[optind]);
		if (optind + 1 < argc)
			return usage_error("-l takes at most one pattern, got '%s' too", argv[optind + 1]);
		/* -l -e PROGRAM: what the program attaches to, below */
		if (!c.program) {
			struct target t;
			if (c.pid_arg && target_attach_pid(&t, c.pid_arg))
				return 1;
			return probe_list_pid(stdout, optind < argc ? argv[optind] : NULL,
					      c.verbose > 0, c.pid_arg) ? 1 : 0;
		}
	}
	if (!c.program) {
		if (optind >= argc)
			return usage_error("%s", "no program given: use -e 'program', a file, or - for stdin");
		c.file = argv[optind++];
	}
	c.positional = (const char **)argv + optind;
	c.npositional = argc - optind;

	size_t len;
	char *text;
	const char *name;
	if (c.program) {
		text = strdup(c.program);
		len = strlen(c.program);
		name = "-e";
	} else if (!strcmp(c.file, "-")) {
		text = read_stream(stdin, &len);
		name = "stdin";
	} else {
		FILE *f = fopen(c.file, "r");
		if (!f) {
			fprintf(stderr, "sonde: cannot open %s: %s\n", c.file, strerror(errno));
			return 1;
		}
		text = read_stream(f, &len);
		fclose(f);
		name = c.file;
	}
	if (!text) {
		fprintf(stderr, "sonde: out of memory reading the program\n");
		return 1;
	}
	int status = compile_and_run(&c, name, text, len);
	free(text);
	return status;
}
