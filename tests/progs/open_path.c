/* open_path PATH [N]: openat(AT_FDCWD, PATH, O_RDONLY) N times (default 1).
 * A missing PATH is fine: the syscall is what the tracer sees. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: open_path PATH [N]\n");
		return 2;
	}
	int n = argc > 2 ? atoi(argv[2]) : 1;

	for (int i = 0; i < n; i++) {
		int fd = openat(AT_FDCWD, argv[1], O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}
