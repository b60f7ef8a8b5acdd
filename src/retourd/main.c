/* SPDX-License-Identifier: MIT */
/*
 * retourd: the returns station daemon.  The program itself: it reads the
 * configuration, starts the station (src/daemon) and its local API
 * (src/api) on one event loop, and stops them on a signal.
 *
 *   retourd [-c FILE] [-b BOARD] [-n [-w]]
 *
 * One sd-event loop runs the desk, the devices and the local API.  -n checks
 * the configuration (and the board file) and exits, printing every problem
 * of both files as "file:line: problem" (exit 1), then asks whether every
 * device the board names is there (its path; the gpiod chip, by path, name
 * or label), printing "file:line: [scanner] no such device /dev/ttyACM0" or
 * "file:line: [gpio] no GPIO chip 'pinctrl-rp1' (...)" for each that is not
 * (exit 3: the files are right, a device is not plugged in).  With -w an absent
 * device is only reported (exit 0): the daemon starts without it and waits,
 * which is what the service's ExecStartPre wants.  SIGTERM and SIGINT are taken
 * between events, so the write in progress always finishes; then the outbox
 * sender finishes its request, the store is closed and the daemon exits 0.
 *
 * Before anything is written the daemon claims its database (a lock file
 * beside it, store_lock_take()): a second retourd on the same database
 * exits 1 saying which process holds it.  -n checks only and claims nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "retour/api.h"
#include "retour/config.h"
#include "retour/log.h"
#include "retour/station.h"
#include "retour/store.h"

#define DEFAULT_CONFIG "/etc/retour/retourd.conf"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: retourd [-c CONFIG] [-b BOARD] [-n [-w]]\n"
		"       retourd --help | --version\n"
		"  -c CONFIG  station configuration (default %s)\n"
		"  -b BOARD   board file, instead of the one CONFIG names\n"
		"  -n         check the configuration and that the board's\n"
		"             devices are plugged in, and exit (1: the files\n"
		"             are wrong, 3: a device is not there)\n"
		"  -w         with -n: a device not plugged in is no error\n"
		"             (the daemon waits for it)\n"
		"  -h, --help     this text\n"
		"  -V, --version  retourd's version\n",
		DEFAULT_CONFIG);
}

/* `retourd -n`: every problem of both files, each on its line; false
 * when there was one. */
static bool check_configuration(struct config *cfg, const char *path,
				const char *board)
{
	static struct config_problems problems;

	if (config_load_all(cfg, path, board, &problems) == 0)
		return true;
	for (int i = 0; i < problems.n && i < CONFIG_MAX_PROBLEMS; i++)
		log_error("%s", problems.text[i]);
	if (problems.n > CONFIG_MAX_PROBLEMS)
		log_error("... and %d more problems",
			  problems.n - CONFIG_MAX_PROBLEMS);
	log_error("%d problem%s in the configuration", problems.n,
		  problems.n == 1 ? "" : "s");
	return false;
}

static void report_absent(void *ud, const char *problem, bool waits)
{
	(void)ud;
	(void)waits;
	log_error("%s", problem);
}

static void report_waiting(void *ud, const char *problem, bool waits)
{
	(void)ud;
	log_warning("%s (%s)", problem,
		    waits ? "the daemon waits for it"
			  : "the daemon starts without it");
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct station *st = userdata;

	station_tick(st);
	sd_event_source_set_time(s, usec + 1000000);
	return 0;
}

static int on_stop_signal(sd_event_source *s, const struct signalfd_siginfo *si,
			  void *userdata)
{
	(void)userdata;
	sd_notify(0, "STOPPING=1");
	log_notice("%s, stopping", strsignal((int)si->ssi_signo));
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* Photos of shipping labels show buyers' names and addresses: kept for
 * ever unless the site sets a period, which it should know it did not. */
static void warn_retention(const struct config *cfg)
{
	if (cfg->retention.days[RETENTION_LABEL_PHOTOS] == 0)
		log_warning("retention: the photos of shipping labels (names "
			    "and addresses) are kept for ever: set [retention] "
			    "label_photos_days to what your data-protection "
			    "policy allows (docs/RETENTION.md)");
}

/* The devices said where they are as they opened (devices.c). */
static void print_ready(const struct config *cfg)
{
	log_notice("desk %s ready (board %s)", cfg->desk,
		   cfg->board_name[0] ? cfg->board_name : "?");
	log_notice("  api:     %s%s%s", cfg->api_socket,
		   cfg->api_listen[0] ? " and http://" : "", cfg->api_listen);
}

int main(int argc, char **argv)
{
	static struct config cfg;
	const char *path = DEFAULT_CONFIG, *board = NULL;
	sd_event *ev = NULL;
	sd_event_source *tick = NULL;
	struct station *st = NULL;
	struct api *api = NULL;
	bool check_only = false, devices_may_wait = false;
	int lock_fd = -1;
	char err[512];
	sigset_t mask;
	uint64_t now;
	int c, r;

	static const struct option longopts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0}};

	while ((c = getopt_long(argc, argv, "c:b:nwhV", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'b':
			board = optarg;
			break;
		case 'n':
			check_only = true;
			break;
		case 'w':
			devices_may_wait = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			fprintf(stdout, "retourd %s\n", RETOUR_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	config_defaults(&cfg);
	if (check_only && !check_configuration(&cfg, path, board))
		return 1;
	if (!check_only &&
	    (r = config_load(&cfg, path, board, err, sizeof(err))) < 0) {
		log_error("%s", err);
		return 1;
	}
	if (check_only) {
		int absent = config_devices_absent(
		    &cfg, devices_may_wait ? report_waiting : report_absent,
		    NULL);

		log_notice("%s: configuration ok", path);
		warn_retention(&cfg);
		if (absent && !devices_may_wait) {
			log_error("%d device%s not plugged in: plug %s in, or "
				  "check with -n -w to let the daemon wait",
				  absent, absent == 1 ? "" : "s",
				  absent == 1 ? "it" : "them");
			return 3;
		}
		return 0;
	}

	/* Held until exit: the kernel lets go of it however we end. */
	r = store_lock_take(cfg.database, &lock_fd, err, sizeof(err));
	if (r < 0) {
		log_error("%s", err);
		return 1;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	r = sd_event_default(&ev);
	if (r < 0) {
		log_error_errno(r, "event loop");
		return 1;
	}
	sd_event_add_signal(ev, NULL, SIGTERM, on_stop_signal, NULL);
	sd_event_add_signal(ev, NULL, SIGINT, on_stop_signal, NULL);

	r = station_new(&cfg, ev, &st, err, sizeof(err));
	if (r < 0) {
		log_error("%s", err);
		sd_event_unref(ev);
		return 1;
	}
	r = api_start(ev, st, &cfg, &api, err, sizeof(err));
	if (r < 0) {
		log_error("api: %s", err);
		station_free(st);
		sd_event_unref(ev);
		return 1;
	}
	sd_event_now(ev, CLOCK_MONOTONIC, &now);
	sd_event_add_time(ev, &tick, CLOCK_MONOTONIC, now + 1000000, 100000,
			  on_tick, st);
	sd_event_source_set_enabled(tick, SD_EVENT_ON);
	sd_event_set_watchdog(ev, true);

	print_ready(&cfg);
	warn_retention(&cfg);
	sd_notify(0, "READY=1\nSTATUS=Waiting for parcels");

	r = sd_event_loop(ev);

	sd_event_source_unref(tick);
	api_stop(api);
	station_free(st);
	sd_event_unref(ev);
	close(lock_fd); /* the store is closed: the database is free */
	log_notice("stopped");
	return r < 0 ? 1 : 0;
}
