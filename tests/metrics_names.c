/*
 * metrics_names.c: a storm of renamed tasks for tests/metrics.sh: forks N
 * children one after another, child i names itself PREFIX followed by i
 * (prctl PR_SET_NAME, so its exit record carries that ac_comm) and exits.
 * Prints created=N; exits 1 if a child failed.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char	 name[16];
	long	 n, i, bad = 0;
	pid_t	 pid;
	int	 st;

	if (argc != 3 || (n = strtol(argv[1], NULL, 10)) < 1 || n > 1000000)
		errx(2, "usage: metrics_names N PREFIX");
	for (i = 0; i < n; i++) {
		if ((pid = fork()) == -1)
			err(1, "fork");
		if (pid == 0) {
			snprintf(name, sizeof(name), "%s%ld", argv[2], i);
			_exit(prctl(PR_SET_NAME, name, 0, 0, 0) == -1 ? 1 : 0);
		}
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			bad++;
	}
	printf("created=%ld\n", n);
	return bad == 0 ? 0 : 1;
}
