/*
 * fuzz_replay.c: runs a libFuzzer harness over saved inputs without
 * libFuzzer, so `make check` replays the corpus with the normal compiler.
 *
 * Linked with one harness (tests/fuzz_*.c) and the project's ordinary
 * objects.  Each argument is a file or a directory of files; every file is
 * read into a heap block of exactly its size (as libFuzzer does, so a
 * sanitizer or valgrind sees any over-read) and handed to
 * LLVMFuzzerTestOneInput().  A harness that finds a bug aborts; a file that
 * cannot be read is an error.  Prints how many inputs it ran.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Inputs larger than this are not fuzz inputs (libFuzzer's -max_len). */
#define REPLAY_MAX_BYTES	(1024 * 1024)

static int
replay_file(const char *path)
{
	struct stat	 sb;
	uint8_t		*buf;
	FILE		*fp;
	size_t		 len;

	if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &sb) == -1) {
		fprintf(stderr, "fuzz_replay: %s: %s\n", path, strerror(errno));
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	if (sb.st_size > REPLAY_MAX_BYTES) {
		fprintf(stderr, "fuzz_replay: %s: larger than %d bytes\n", path,
		    REPLAY_MAX_BYTES);
		fclose(fp);
		return -1;
	}
	len = (size_t)sb.st_size;
	/* malloc(0) may return NULL: keep a block, pass a length of 0. */
	if ((buf = malloc(len > 0 ? len : 1)) == NULL ||
	    fread(buf, 1, len, fp) != len) {
		fprintf(stderr, "fuzz_replay: %s: short read\n", path);
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

/* Every regular file of a directory, in name order; returns the count. */
static int
replay_dir(const char *dir)
{
	struct dirent	**ents;
	char		  path[4096];
	int		  i, n, count = 0;

	if ((n = scandir(dir, &ents, NULL, alphasort)) == -1) {
		fprintf(stderr, "fuzz_replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' && count >= 0) {
			snprintf(path, sizeof(path), "%s/%s", dir,
			    ents[i]->d_name);
			count = replay_file(path) == -1 ? -1 : count + 1;
		}
		free(ents[i]);
	}
	free(ents);
	return count;
}

int
main(int argc, char *argv[])
{
	struct stat	 sb;
	int		 i, n, total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s file|directory ...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &sb) == -1) {
			fprintf(stderr, "fuzz_replay: %s: %s\n", argv[i],
			    strerror(errno));
			return 1;
		}
		if (S_ISDIR(sb.st_mode))
			n = replay_dir(argv[i]);
		else
			n = replay_file(argv[i]) == -1 ? -1 : 1;
		if (n == -1)
			return 1;
		total += n;
	}
	printf("replayed %d inputs\n", total);
	return 0;
}
