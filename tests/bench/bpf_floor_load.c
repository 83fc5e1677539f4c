/* bpf_floor_load OBJECT TRIGGER EVENTS ROUNDS: loads OBJECT, and for each of
 * its programs in turn attaches it, runs "TRIGGER EVENTS" and reads the
 * kernel's run time and count of the program (kernel.bpf_stats_enabled
 * must be 1).  Rounds take turns over the programs; prints each program's
 * median ns per event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define MAX_PROGS 16
#define MAX_ROUNDS 64

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int stats(int fd, unsigned long long *ns, unsigned long long *cnt)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	*ns = info.run_time_ns;
	*cnt = info.run_cnt;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s OBJECT TRIGGER EVENTS ROUNDS\n", argv[0]);
		return 2;
	}
	int rounds = atoi(argv[4]);
	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 5;
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "bpf_floor_load: cannot load %s\n", argv[1]);
		return 1;
	}
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "%s %s", argv[2], argv[3]);
	struct bpf_program *progs[MAX_PROGS], *p;
	int n = 0;
	bpf_object__for_each_program(p, obj)
		if (n < MAX_PROGS)
			progs[n++] = p;
	static double ns[MAX_PROGS][MAX_ROUNDS];
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < n; i++) {
			struct bpf_link *l = bpf_program__attach(progs[i]);
			unsigned long long t0, c0, t1, c1;
			int fd = bpf_program__fd(progs[i]);
			if (!l || stats(fd, &t0, &c0) || system(cmd) != 0 || stats(fd, &t1, &c1) ||
			    c1 == c0) {
				fprintf(stderr, "bpf_floor_load: %s failed\n", bpf_program__name(progs[i]));
				return 1;
			}
			bpf_link__destroy(l);
			ns[i][r] = (double)(t1 - t0) / (double)(c1 - c0);
		}
	for (int i = 0; i < n; i++) {
		qsort(ns[i], (size_t)rounds, sizeof(double), cmp);
		printf("%s %.0f\n", bpf_program__name(progs[i]), ns[i][rounds / 2]);
	}
	bpf_object__close(obj);
	return 0;
}
