/* Printing TY_SPECIAL values (see special.h). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup_path.h"
#include "runtime/kallsyms.h"
#include "runtime/symbolize.h"
#include "stdlib/special.h"

static uint64_t rd_u64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static void username(FILE *f, uint64_t uid)
{
	/* looked up when printed, as bpftrace does */
	struct passwd *pw = getpwuid((uid_t)uid);
	if (pw)
		fputs(pw->pw_name, f);
	else
		fprintf(f, "%" PRIu64, uid);
}

/* The function of attach point id: its name's last ':' part, without an
 * offset ("kprobe:vfs_read+4" -> "vfs_read"). */
static void func(FILE *f, const struct output *o, uint64_t id)
{
	if (id >= (uint64_t)(o->nprobe_names > 0 ? o->nprobe_names : 0) || !o->probe_names[id]) {
		fputc('?', f);
		return;
	}
	const char *name = o->probe_names[id];
	const char *c = strrchr(name, ':');
	c = c ? c + 1 : name;
	size_t len = strcspn(c, "+");
	fwrite(c, 1, len, f);
}

/* A stack: a newline, then one line per frame: "    func+off" (indented
 * by 4 in a map key, 8 elsewhere) in bpftrace mode, "\tADDR func+off" in
 * perf mode (with the module for user stacks), "ADDR" in raw mode.  An id
 * that is an error (no user stack in a kernel thread) prints nothing. */
static void stack(FILE *f, const struct type *t, const uint8_t *d, bool key)
{
	bool user = t->special == SP_USTACK;
	int64_t id;
	memcpy(&id, d, 8);
	int pid = user ? (int)rd_u64(d + 8) : 0;
	uint64_t ips[128];
	uint32_t limit = t->sp_limit > 0 && t->sp_limit <= 128 ? (uint32_t)t->sp_limit : 127;
	if (id < 0)
		return;
	int n = sym_stack_frames(limit, id, ips);
	fputc('\n', f);
	for (int i = 0; i < n; i++) {
		switch (t->sp_mode) {
		case 1:	/* perf */
			fprintf(f, "\t%" PRIx64 " ", ips[i]);
			if (user)
				sym_user_print(f, pid, ips[i], true, true);
			else
				sym_kernel(f, ips[i], true);
			break;
		case 2:	/* raw */
			fprintf(f, "%" PRIx64, ips[i]);
			break;
		default:
			fprintf(f, "%*s", key ? 4 : 8, "");
			if (user)
				sym_user_print(f, pid, ips[i], true, false);
			else
				sym_kernel(f, ips[i], true);
			break;
		}
		fputc('\n', f);
	}
}

/* buf(): length, then the bytes. */
static void buffer(FILE *f, const struct type *t, const uint8_t *d, char hex)
{
	uint64_t len = rd_u64(d);
	if (len > t->size - 8)
		len = t->size - 8;
	for (uint64_t i = 0; i < len; i++) {
		uint8_t c = d[8 + i];
		if (hex == 'h')
			fprintf(f, i ? " %02x" : "%02x", c);
		else if (hex == 'x' || c < 32 || c > 126)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

void special_print_buf(const struct output *o, const struct type *t, const uint8_t *data, char hex)
{
	buffer(o->out, t, data, hex);
}

/* strftime(fmt, ns): ns counts from boot like nsecs (CLOCK_MONOTONIC) */
static void timestamp(FILE *f, const struct type *t, uint64_t ns)
{
	struct timespec real, mono;
	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	int64_t base = ((int64_t)real.tv_sec - mono.tv_sec) * 1000000000 + (real.tv_nsec - mono.tv_nsec);
	int64_t at = base + (int64_t)ns;
	char buf[1024];
	size_t k = time_format(buf, sizeof(buf), t->name ? t->name : "", (time_t)(at / 1000000000),
			       (long)(at % 1000000000));
	if (k)
		fwrite(buf, 1, k, f);
	else
		fputs("(?)", f);
}

static void inet(FILE *f, const uint8_t *d)
{
	char buf[INET6_ADDRSTRLEN];
	int af = (int)rd_u64(d);
	if ((af == AF_INET || af == AF_INET6) && inet_ntop(af, d + 8, buf, sizeof(buf)))
		fputs(buf, f);
}

/* The symbol caches (kallsyms, ELF files, per-process maps) fill lazily and
 * are shared by the event loop and the --metrics thread: one at a time. */
static pthread_mutex_t symbols_lock = PTHREAD_MUTEX_INITIALIZER;

static void write_text_locked(FILE *f, const struct output *o, const struct type *t,
			      const uint8_t *d, bool key);

static void write_text(FILE *f, const struct output *o, const struct type *t, const uint8_t *d,
		       bool key)
{
	pthread_mutex_lock(&symbols_lock);
	write_text_locked(f, o, t, d, key);
	pthread_mutex_unlock(&symbols_lock);
}

static void write_text_locked(FILE *f, const struct output *o, const struct type *t,
			      const uint8_t *d, bool key)
{
	switch (t->special) {
	case SP_USERNAME:
		username(f, rd_u64(d));
		break;
	case SP_FUNC:
		func(f, o, rd_u64(d));
		break;
	case SP_KSYM:
		sym_kernel(f, rd_u64(d), false);
		break;
	case SP_USYM:
		sym_user_print(f, (int)rd_u64(d + 8), rd_u64(d), false, false);
		break;
	case SP_KSTACK:
	case SP_USTACK:
		stack(f, t, d, key);
		break;
	case SP_BUF:
		buffer(f, t, d, 0);
		break;
	case SP_INET:
		inet(f, d);
		break;
	case SP_MACADDR:
		fprintf(f, "%02X:%02X:%02X:%02X:%02X:%02X", d[0], d[1], d[2], d[3], d[4], d[5]);
		break;
	case SP_TIMESTAMP:
		timestamp(f, t, rd_u64(d));
		break;
	case SP_CGROUP_PATH: {
		char *text = cgroup_path_text(rd_u64(d), t->name);
		if (text)
			fputs(text, f);
		free(text);
		break;
	}
	default:
		break;
	}
}

char *special_text(const struct output *o, const struct type *t, const uint8_t *data, bool key)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	write_text(f, o, t, data, key);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

void special_print(const struct output *o, const struct type *t, const uint8_t *data, bool key)
{
	write_text(o->out, o, t, data, key);
}
