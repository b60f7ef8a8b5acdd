/* SPDX-License-Identifier: MIT */
/*
 * GPIO without a GPIO chip (there is none here): the board's line names
 * and active_low list, finding lines among a chip's names, the gpiod
 * backend's errors for a chip that is not there (through the real
 * libgpiod, 1.6 or 2.x: `make gpiod2-check` builds this file against
 * 2.x), the debounce every backend's edges go through, and the tower
 * pattern run on an sd_event timer only while something blinks or beeps.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "retour/device.h"
#include "retour/gpio.h"

struct presses {
	int n;
	enum gpio_button b[16];
};

static void on_press(void *userdata, enum gpio_button b)
{
	struct presses *p = userdata;

	if (p->n < 16)
		p->b[p->n] = b;
	p->n++;
}

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Run the loop for @ms of real time. */
static void run_for(sd_event *ev, int ms)
{
	uint64_t end = mono_us() + (uint64_t)ms * 1000u;

	for (uint64_t now; (now = mono_us()) < end;)
		assert_true(sd_event_run(ev, end - now) >= 0);
}

/* ---- the board's lines ------------------------------------------------ */

static void test_active_low_list(void **state)
{
	char problem[160] = "";
	unsigned m = 99;

	(void)state;
	assert_int_equal(gpio_active_low_parse("accept, reject,pedal", &m,
					       problem, sizeof(problem)),
			 0);
	assert_int_equal(m, (1u << GPIO_LINE_ACCEPT) |
				(1u << GPIO_LINE_REJECT) |
				(1u << GPIO_LINE_PEDAL));
	assert_int_equal(
	    gpio_active_low_parse("  buzzer\t", &m, problem, sizeof(problem)),
	    0);
	assert_int_equal(m, 1u << GPIO_LINE_BUZZER);
	assert_int_equal(
	    gpio_active_low_parse("none", &m, problem, sizeof(problem)), 0);
	assert_int_equal(m, 0);
	assert_int_equal(
	    gpio_active_low_parse("", &m, problem, sizeof(problem)), 0);
	assert_int_equal(m, 0);

	m = 7;
	assert_int_equal(
	    gpio_active_low_parse("accept,Pedal", &m, problem, sizeof(problem)),
	    -EINVAL);
	assert_string_equal(problem,
			    "'Pedal' in active_low is not a gpio line (accept, "
			    "reject, pedal, parcel, green, amber, red, "
			    "buzzer)");
	assert_int_equal(m, 7); /* refused: nothing changed */
	assert_int_equal(
	    gpio_active_low_parse("red, red", &m, problem, sizeof(problem)),
	    -EINVAL);
	assert_string_equal(problem, "'red' is twice in active_low");
	assert_int_equal(gpio_active_low_parse("accept,,reject", &m, problem,
					       sizeof(problem)),
			 -EINVAL);
	assert_int_equal(
	    gpio_active_low_parse("none, accept", &m, problem, sizeof(problem)),
	    -EINVAL);
	assert_int_equal(
	    gpio_active_low_parse(NULL, &m, problem, sizeof(problem)), -EINVAL);
}

/* The registry checks active_low as the board is read (retourd -n). */
static void test_active_low_checked_by_the_registry(void **state)
{
	const struct device_backend *be =
	    device_backend_find(DEVICE_GPIO, "gpiod", NULL, 0);
	struct gpio_config c = {0};
	char problem[200] = "";

	(void)state;
	assert_non_null(be);
	assert_int_equal(device_backend_setting(be, &c, "active_low",
						"accept,pedal", problem,
						sizeof(problem)),
			 0);
	assert_string_equal(c.active_low, "accept,pedal");
	assert_int_equal(device_backend_setting(be, &c, "active_low",
						"accept,foot", problem,
						sizeof(problem)),
			 -EINVAL);
	assert_non_null(strstr(problem, "'foot' in active_low"));
	assert_string_equal(c.active_low, "accept,pedal");
	assert_int_equal(device_backend_setting(be, &c, "parcel", "SENSOR_1",
						problem, sizeof(problem)),
			 0);
	assert_string_equal(c.line[GPIO_LINE_PARCEL], "SENSOR_1");
}

static void test_lines_found_by_name(void **state)
{
	/* a Pi 4's header as the kernel names it, with unnamed lines */
	const char *chip[] = {"ID_SDA", "ID_SCL", "GPIO2", NULL,    "GPIO4",
			      "GPIO5",	"GPIO6",  NULL,	   "GPIO8", "GPIO17"};
	const char *board[GPIO_LINE_COUNT] = {
	    [GPIO_LINE_ACCEPT] = "GPIO17",
	    [GPIO_LINE_PEDAL] = "GPIO4",
	    [GPIO_LINE_GREEN] = "GPIO5",
	    [GPIO_LINE_BUZZER] = "GPIO6",
	};
	int off[GPIO_LINE_COUNT];
	char err[200] = "";

	(void)state;
	assert_int_equal(gpio_lines_resolve(board, "gpiochip0", chip, 10, off,
					    err, sizeof(err)),
			 0);
	assert_int_equal(off[GPIO_LINE_ACCEPT], 9);
	assert_int_equal(off[GPIO_LINE_PEDAL], 4);
	assert_int_equal(off[GPIO_LINE_GREEN], 5);
	assert_int_equal(off[GPIO_LINE_BUZZER], 6);
	/* not named by the board: not wired */
	assert_int_equal(off[GPIO_LINE_REJECT], -1);
	assert_int_equal(off[GPIO_LINE_PARCEL], -1);
	assert_int_equal(off[GPIO_LINE_RED], -1);

	/* a name the chip does not have: the chip and the line are named */
	board[GPIO_LINE_REJECT] = "GPIO27";
	assert_int_equal(gpio_lines_resolve(board, "gpiochip0", chip, 10, off,
					    err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "gpio chip 'gpiochip0' has no line named "
				 "'GPIO27' (for reject)");
	/* names are exact: no case folding */
	board[GPIO_LINE_REJECT] = "gpio8";
	assert_int_equal(gpio_lines_resolve(board, "gpiochip0", chip, 10, off,
					    err, sizeof(err)),
			 -ENOENT);
	board[GPIO_LINE_REJECT] = NULL;

	/* one line for two jobs */
	board[GPIO_LINE_RED] = "GPIO5";
	assert_int_equal(gpio_lines_resolve(board, "gpiochip0", chip, 10, off,
					    err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "gpio line 'GPIO5' is named for both green "
				 "and red");
	board[GPIO_LINE_RED] = NULL;

	/* a chip with a name twice: which one is meant is not known */
	chip[8] = "GPIO4";
	assert_int_equal(gpio_lines_resolve(board, "pinctrl-bcm2711", chip, 10,
					    off, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "gpio chip 'pinctrl-bcm2711' has two lines "
				 "named 'GPIO4' (4 and 8): name the line for "
				 "pedal by a unique name");
	/* a chip without names at all */
	assert_int_equal(gpio_lines_resolve(board, "gpiochip9", NULL, 0, off,
					    err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "gpio chip 'gpiochip9' has no line named "
				 "'GPIO17' (for accept)");
}

/* ---- the gpiod backend without a chip ---------------------------------- */

static void test_gpiod_chip_not_there(void **state)
{
	sd_event *ev = NULL;
	struct gpio_config cfg = {.backend = "gpiod"};
	struct presses p = {0};
	struct gpio *g = NULL;
	char err[256];
	int r;

	(void)state;
	assert_int_equal(sd_event_new(&ev), 0);
	/* this machine has no /dev/gpiochip*: if it had, the test would
	 * not prove what it says */
	if (access("/dev/gpiochip0", F_OK) == 0 ||
	    access("/dev/gpiochip99", F_OK) == 0)
		skip();

	err[0] = '\0';
	assert_int_equal(
	    gpio_open(ev, &cfg, on_press, &p, &g, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "gpio backend 'gpiod' needs 'chip' "
				 "(gpiochip0, a path or a chip label)");

	cfg.chip = "gpiochip0";
	cfg.line[GPIO_LINE_ACCEPT] = "GPIO17";
	r = gpio_open(ev, &cfg, on_press, &p, &g, err, sizeof(err));
	assert_int_equal(r, -ENOENT);
	assert_string_equal(err, "gpio chip 'gpiochip0': /dev/gpiochip0: No "
				 "such file or directory");
	assert_null(g);

	cfg.chip = "/dev/gpiochip99";
	assert_int_equal(
	    gpio_open(ev, &cfg, on_press, &p, &g, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "gpio chip '/dev/gpiochip99': "
				 "/dev/gpiochip99: No such file or directory");

	/* a label: every chip under /dev is asked, none has it */
	cfg.chip = "pinctrl-bcm2711";
	assert_int_equal(
	    gpio_open(ev, &cfg, on_press, &p, &g, err, sizeof(err)), -ENODEV);
	assert_string_equal(err, "no GPIO chip 'pinctrl-bcm2711' (0 gpio "
				 "chips under /dev, none with that label)");
	/* what `retourd -n` asks of the board's chip: the same answer */
	assert_int_equal(gpio_chip_present("pinctrl-rp1", err, sizeof(err)),
			 -ENODEV);
	assert_string_equal(err, "no GPIO chip 'pinctrl-rp1' (0 gpio chips "
				 "under /dev, none with that label)");
	assert_int_equal(gpio_chip_present("gpiochip4", err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "no GPIO chip 'gpiochip4' (No such file or "
				 "directory)");
	assert_true(gpio_chip_present("/dev/null", err, sizeof(err)) < 0);
	assert_true(gpio_chip_present("", err, sizeof(err)) < 0);

	/* a file that is there but no GPIO chip: libgpiod refuses it */
	cfg.chip = "/dev/null";
	r = gpio_open(ev, &cfg, on_press, &p, &g, err, sizeof(err));
	assert_true(r < 0);
	assert_non_null(strstr(err, "gpio chip '/dev/null': /dev/null: "));
	assert_null(g);

	/* a bad active_low is refused before any chip is looked for */
	cfg.chip = "gpiochip0";
	cfg.active_low = "accept,shoe";
	assert_int_equal(
	    gpio_open(ev, &cfg, on_press, &p, &g, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "'shoe' in active_low is not a gpio line "
				 "(accept, reject, pedal, parcel, green, "
				 "amber, red, buzzer)");
	assert_int_equal(p.n, 0);
	sd_event_unref(ev);
}

/* ---- the dispatcher: debounce and the tower ---------------------------- */

struct fixture {
	sd_event *ev;
	struct gpio *g;
	struct presses p;
};

static int setup(void **state)
{
	static struct fixture f;
	struct gpio_config cfg = {.backend = "sim", .debounce_ms = 30};
	char err[128];

	memset(&f, 0, sizeof(f));
	assert_int_equal(sd_event_new(&f.ev), 0);
	assert_int_equal(
	    gpio_open(f.ev, &cfg, on_press, &f.p, &f.g, err, sizeof(err)), 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	gpio_close(f->g);
	sd_event_unref(f->ev);
	return 0;
}

/* Edges as a gpiod line reports them: kernel time stamps, bounces and
 * all, through the same call the backends make. */
static void test_debounce_on_edge_time_stamps(void **state)
{
	struct fixture *f = *state;
	const uint64_t t = 5000000;

	gpio_report_press(f->g, GPIO_BUTTON_ACCEPT, t);
	gpio_report_press(f->g, GPIO_BUTTON_ACCEPT, t + 2000);	/* bounce */
	gpio_report_press(f->g, GPIO_BUTTON_ACCEPT, t + 29999); /* bounce */
	gpio_report_press(f->g, GPIO_BUTTON_PEDAL, t + 3000);	/* another */
	gpio_report_press(f->g, GPIO_BUTTON_ACCEPT, t + 30000); /* counts */
	gpio_report_press(f->g, GPIO_BUTTON_PARCEL, t + 30000);
	gpio_report_press(f->g, (enum gpio_button)9, t + 90000);
	assert_int_equal(f->p.n, 4);
	assert_int_equal(f->p.b[0], GPIO_BUTTON_ACCEPT);
	assert_int_equal(f->p.b[1], GPIO_BUTTON_PEDAL);
	assert_int_equal(f->p.b[2], GPIO_BUTTON_ACCEPT);
	assert_int_equal(f->p.b[3], GPIO_BUTTON_PARCEL);
	/* a clock that went back (another line's time base) still counts */
	gpio_report_press(f->g, GPIO_BUTTON_ACCEPT, t - 1000000);
	assert_int_equal(f->p.n, 5);
}

static void test_steady_light_runs_no_timer(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(gpio_tower(f->g), TOWER_OFF);
	assert_false(gpio_pattern_running(f->g));
	assert_int_equal(gpio_set_tower(f->g, TOWER_READY, TOWER_READY), 0);
	assert_true(gpio_lines(f->g).green);
	assert_false(gpio_lines(f->g).amber);
	assert_false(gpio_pattern_running(f->g));
	assert_int_equal(gpio_set_tower(f->g, TOWER_NEEDS_YOU, TOWER_OFF), 0);
	assert_true(gpio_lines(f->g).amber);
	assert_true(gpio_lines(f->g).buzzer);
	assert_false(gpio_lines(f->g).green);
	assert_true(gpio_pattern_running(f->g));
	/* the beep ends, the blinking goes on */
	run_for(f->ev, 200);
	assert_false(gpio_lines(f->g).buzzer);
	assert_true(gpio_lines(f->g).amber);
	run_for(f->ev, 400); /* 600 ms: the dark half */
	assert_false(gpio_lines(f->g).amber);
	assert_true(gpio_pattern_running(f->g));
	/* the same state again does not start it again: no second beep */
	assert_int_equal(gpio_set_tower(f->g, TOWER_NEEDS_YOU, TOWER_OFF), 0);
	assert_false(gpio_lines(f->g).buzzer);
	assert_int_equal(gpio_set_tower(f->g, TOWER_WORKING, TOWER_OFF), 0);
	assert_true(gpio_lines(f->g).amber);
	assert_false(gpio_pattern_running(f->g));
	assert_int_equal(gpio_set_tower(f->g, (enum tower_state)12, TOWER_OFF),
			 -EINVAL);
	assert_int_equal(gpio_tower(f->g), TOWER_WORKING);
}

static void test_refusal_goes_back_by_itself(void **state)
{
	struct fixture *f = *state;

	gpio_set_tower(f->g, TOWER_WORKING, TOWER_WORKING);
	/* refused, and the desk is ready after it */
	assert_int_equal(gpio_set_tower(f->g, TOWER_REFUSED, TOWER_READY), 0);
	assert_int_equal(gpio_tower(f->g), TOWER_REFUSED);
	assert_true(gpio_lines(f->g).red);
	assert_true(gpio_lines(f->g).buzzer);
	assert_false(gpio_lines(f->g).green);
	run_for(f->ev, 1100);
	assert_int_equal(gpio_tower(f->g), TOWER_READY);
	assert_true(gpio_lines(f->g).green);
	assert_false(gpio_lines(f->g).red);
	assert_false(gpio_lines(f->g).buzzer);
	assert_false(gpio_pattern_running(f->g));
	/* the desk says ready again: nothing starts */
	gpio_set_tower(f->g, TOWER_READY, TOWER_READY);
	assert_false(gpio_pattern_running(f->g));
}

static void test_error_beeps_until_a_press(void **state)
{
	struct fixture *f = *state;

	gpio_set_tower(f->g, TOWER_ERROR, TOWER_ERROR);
	assert_true(gpio_lines(f->g).red);
	assert_true(gpio_lines(f->g).buzzer);
	assert_true(gpio_pattern_running(f->g));
	/* the parcel sensor is no answer */
	gpio_report_press(f->g, GPIO_BUTTON_PARCEL, 1000);
	assert_true(gpio_lines(f->g).buzzer);
	assert_true(gpio_pattern_running(f->g));
	/* the pedal is, and still counts for the desk */
	gpio_report_press(f->g, GPIO_BUTTON_PEDAL, 1000);
	assert_int_equal(f->p.n, 2);
	assert_false(gpio_lines(f->g).buzzer);
	assert_true(gpio_lines(f->g).red);
	assert_false(gpio_pattern_running(f->g));
	/* a new error is heard again */
	gpio_set_tower(f->g, TOWER_READY, TOWER_READY);
	gpio_set_tower(f->g, TOWER_ERROR, TOWER_ERROR);
	assert_true(gpio_lines(f->g).buzzer);
	gpio_acknowledge(f->g); /* the API's answer */
	assert_false(gpio_lines(f->g).buzzer);
	assert_false(gpio_pattern_running(f->g));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_active_low_list),
	    cmocka_unit_test(test_active_low_checked_by_the_registry),
	    cmocka_unit_test(test_lines_found_by_name),
	    cmocka_unit_test(test_gpiod_chip_not_there),
	    cmocka_unit_test_setup_teardown(test_debounce_on_edge_time_stamps,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_steady_light_runs_no_timer,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refusal_goes_back_by_itself,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_error_beeps_until_a_press,
					    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
