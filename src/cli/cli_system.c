/* SPDX-License-Identifier: MIT */
/*
 * `retourctl system update FILE`: install a signed update bundle on the
 * station image (firmware/, docs/FIRMWARE.md) with RAUC.  RAUC checks the
 * bundle (signature, compatible string, whole file), writes it into the
 * slot not running, and makes that slot the next one to boot; the station
 * goes back to this one by itself if the new one does not reach READY.
 * This file runs `rauc install` and says what came of it: it never writes
 * a slot itself, and the daemon is not involved (RAUC's own D-Bus policy
 * answers root; cli_system_station.c goes through retourd instead).
 * RETOUR_RAUC names another rauc program (the tests use it).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

extern char **environ;

/* what is kept of rauc's messages: its last lines say why it refused */
#define CLI_RAUC_OUTPUT_MAX 8192

/* rauc install @bundle, its stdout and stderr into @out (the last
 * CLI_RAUC_OUTPUT_MAX bytes).  Its exit status, or -errno when it could
 * not be run. */
static int cli_rauc_install(const char *bundle, char *out, size_t out_size)
{
	const char *rauc = getenv("RETOUR_RAUC");
	posix_spawn_file_actions_t fa;
	char *argv[4];
	size_t used = 0;
	int fds[2], status, r;
	pid_t pid;
	ssize_t n;

	if (!rauc || !rauc[0])
		rauc = "rauc";
	argv[0] = (char *)rauc;
	argv[1] = (char *)"install";
	argv[2] = (char *)bundle;
	argv[3] = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
	r = posix_spawnp(&pid, rauc, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (r) {
		close(fds[0]);
		return -r;
	}
	out[0] = '\0';
	for (;;) {
		char buf[1024];

		n = read(fds[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* keep the tail: drop the oldest bytes when full */
		if ((size_t)n > out_size - 1 - used) {
			size_t drop = (size_t)n - (out_size - 1 - used);

			if (drop > used)
				drop = used;
			memmove(out, out + drop, used - drop);
			used -= drop;
		}
		if ((size_t)n > out_size - 1 - used)
			n = (ssize_t)(out_size - 1 - used);
		memcpy(out + used, buf, (size_t)n);
		used += (size_t)n;
		out[used] = '\0';
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	/* 127 and not a word: the child could not exec rauc.  posix_spawn
	 * says so itself, except where vfork is a plain fork (qemu-user):
	 * then only the child's status tells. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !used)
		return -ENOENT;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* The line of rauc's output that says why: its "LastError:" line (the
 * reason, without that word), else the last one naming an error or a
 * failure, else the last line.  Written into @why. */
static void cli_rauc_reason(const char *out, char *why, size_t why_size)
{
	const char *line = out, *best = NULL, *last = NULL, *last_error = NULL;
	static const char last_error_tag[] = "LastError: ";

	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (len > 0) {
			last = line;
			if (!strncmp(line, last_error_tag,
				     sizeof(last_error_tag) - 1))
				last_error = line + sizeof(last_error_tag) - 1;
			else if (memmem(line, len, "rror", 4) ||
				 memmem(line, len, "ailed", 5) ||
				 memmem(line, len, "efused", 6))
				best = line;
		}
		line += len + (end ? 1 : 0);
	}
	if (last_error)
		best = last_error;
	else if (!best)
		best = last;
	if (!best) {
		snprintf(why, why_size, "rauc said nothing");
		return;
	}
	snprintf(why, why_size, "%.*s", (int)strcspn(best, "\n"), best);
}

static int cli_system_update(const struct cli_opts *o, const char *bundle)
{
	char out[CLI_RAUC_OUTPUT_MAX], why[512];
	struct stat st;
	int fd, r;

	fd = open(bundle, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cli_fail("system update: %s: %s", bundle,
				strerror(errno));
	r = fstat(fd, &st);
	close(fd);
	if (r < 0 || !S_ISREG(st.st_mode))
		return cli_fail("system update: %s is not a bundle file",
				bundle);
	r = cli_rauc_install(bundle, out, sizeof(out));
	if (r < 0)
		return cli_fail("system update: cannot run rauc (%s): is this "
				"the station image?",
				strerror(-r));
	if (r != 0) {
		cli_rauc_reason(out, why, sizeof(why));
		return cli_fail_with(
		    json_pack("{s:b,s:s,s:i,s:s}", "installed", 0, "bundle",
			      bundle, "rauc_status", r, "rauc_output", out),
		    "system update: %s was refused, nothing was changed: %s",
		    bundle, why);
	}
	if (o->json) {
		json_t *j = json_pack("{s:b,s:s,s:s}", "installed", 1, "bundle",
				      bundle, "rauc_output", out);

		cli_print_json(j);
		json_decref(j);
		return CLI_OK;
	}
	cli_say_installed(bundle);
	return CLI_OK;
}

int cli_cmd_system(const struct cli_opts *o)
{
	const char *verb = o->n_pos > 1 ? o->pos[1] : "status";

	if (o->supervisor && strcmp(verb, "install"))
		return cli_usage("--supervisor goes with system install");
	if (!strcmp(verb, "update") && o->n_pos == 3)
		return cli_system_update(o, o->pos[2]);
	if (!strcmp(verb, "install") && o->n_pos == 3)
		return cli_system_install(o, o->pos[2]);
	if (!strcmp(verb, "status") && o->n_pos <= 2)
		return cli_system_status(o);
	if (!strcmp(verb, "bundles") && o->n_pos == 2)
		return cli_system_bundles(o);
	return cli_usage("system takes: status, bundles, install BUNDLE "
			 "[--supervisor BADGE], or update FILE");
}
