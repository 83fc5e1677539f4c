/* read_sizes [ROUNDS]: read() from /dev/zero the sizes 1, 2, 3, 100, 1000 and
 * 4096 bytes, ROUNDS times each (default 10), in that order per round.
 * sys_enter_read's count and sys_exit_read's ret then take exactly these
 * values, so hist/lhist/stats/avg/min/max filtered on comm == "read_sizes"
 * are predictable.  Per round: 6 reads, 5202 bytes, min 1, max 4096,
 * average 867 (5202 / 6).
 *
 * Build it statically (tests/CMakeLists.txt and run_cases.py do): a dynamic
 * loader read()s 832 bytes of libc's ELF header under this comm before main. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const size_t sizes[] = { 1, 2, 3, 100, 1000, 4096 };

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 10;
	static char buf[4096];
	int fd = open("/dev/zero", O_RDONLY);

	if (fd < 0) {
		perror("/dev/zero");
		return 1;
	}
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			if (read(fd, buf, sizes[i]) != (ssize_t)sizes[i]) {
				perror("read");
				return 1;
			}
	close(fd);
	return 0;
}
