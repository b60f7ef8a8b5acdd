/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for content-addressed photo files, in a mkdtemp directory.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "retour/photo.h"

static const unsigned char photo_jpeg[] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J',  'F',  'I',  'F',	0x00,
    0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xd9,
};

static int photo_test_rm(const char *path, const struct stat *sb, int flag,
			 struct FTW *ftw)
{
	return remove(path);
}

static int photo_setup(void **state)
{
	char *dir = strdup("/tmp/retour-photo-XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	*state = dir;
	return 0;
}

static int photo_teardown(void **state)
{
	char *dir = *state;

	chmod(dir, 0700);
	nftw(dir, photo_test_rm, 8, FTW_DEPTH | FTW_PHYS);
	free(dir);
	return 0;
}

/* Entries in @dir, recursively, not counting "." and "..". */
static int photo_count_entries(const char *dir)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char sub[512];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			n += photo_count_entries(sub);
	}
	closedir(d);
	return n;
}

static void test_photo_sha256_known_value(void **state)
{
	char hex[65];

	assert_int_equal(photo_sha256_hex("test", 4, hex), 0);
	assert_string_equal(hex, "9f86d081884c7d659a2feaa0c55ad015"
				 "a3bf4f1b2b0b822cd15d6c15b0f00a08");
	assert_int_equal(photo_sha256_hex(NULL, 0, hex), 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
				 "27ae41e4649b934ca495991b7852b855");
}

static void test_photo_save_is_content_addressed(void **state)
{
	const char *root = *state;
	char sha[65], path[512], want[512], err[256];
	unsigned char back[sizeof(photo_jpeg)];
	struct stat stbuf;
	FILE *fp;

	assert_int_equal(photo_store_save(root, photo_jpeg, sizeof(photo_jpeg),
					  0, sha, path, sizeof(path), err,
					  sizeof(err)),
			 0);
	snprintf(want, sizeof(want), "%s/%.2s/%s.jpg", root, sha, sha + 2);
	assert_string_equal(path, want);

	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(back, 1, sizeof(back), fp), sizeof(back));
	assert_int_equal(fgetc(fp), EOF);
	fclose(fp);
	assert_memory_equal(back, photo_jpeg, sizeof(back));
	assert_int_equal(stat(path, &stbuf), 0);
	assert_int_equal(stbuf.st_mode & 0777, 0640);
	/* The subdirectory and the file; no temporary left behind. */
	assert_int_equal(photo_count_entries(root), 2);
}

static void test_photo_same_content_one_file(void **state)
{
	const char *root = *state;
	char sha1[65], sha2[65], path1[512], path2[512], err[256];
	struct stat a, b;

	assert_int_equal(photo_store_save(root, photo_jpeg, sizeof(photo_jpeg),
					  0, sha1, path1, sizeof(path1), err,
					  sizeof(err)),
			 0);
	assert_int_equal(stat(path1, &a), 0);
	assert_int_equal(photo_store_save(root, photo_jpeg, sizeof(photo_jpeg),
					  0, sha2, path2, sizeof(path2), err,
					  sizeof(err)),
			 0);
	assert_int_equal(stat(path2, &b), 0);
	assert_string_equal(sha1, sha2);
	assert_string_equal(path1, path2);
	/* Not rewritten: the very same inode. */
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(photo_count_entries(root), 2);

	/* Different bytes, a different file. */
	assert_int_equal(photo_store_save(root, "other", 5, 0, sha2, path2,
					  sizeof(path2), err, sizeof(err)),
			 0);
	assert_string_not_equal(path1, path2);
}

static void test_photo_free_space_floor(void **state)
{
	const char *root = *state;
	char sha[65], path[512], err[256];

	assert_int_equal(photo_store_save(root, photo_jpeg, sizeof(photo_jpeg),
					  INT64_MAX / 2, sha, path,
					  sizeof(path), err, sizeof(err)),
			 -ENOSPC);
	assert_non_null(strstr(err, "not enough free space on"));
	assert_non_null(strstr(err, root));
	assert_non_null(strstr(err, "MiB free, floor is"));
	assert_int_equal(photo_count_entries(root), 0);
}

static void test_photo_unwritable_root(void **state)
{
	const char *root = *state;
	char file_root[512], sha[65], path[512], err[256], sub[512];
	FILE *fp;
	int r;

	/* A root that is a file: nothing can go under it. */
	snprintf(file_root, sizeof(file_root), "%s/not-a-dir", root);
	fp = fopen(file_root, "w");
	assert_non_null(fp);
	fclose(fp);
	r = photo_store_save(file_root, photo_jpeg, sizeof(photo_jpeg), 0, sha,
			     path, sizeof(path), err, sizeof(err));
	assert_int_equal(r, -ENOTDIR);
	assert_non_null(strstr(err, file_root));

	/* A read-only directory (root ignores permissions: skip that). */
	snprintf(sub, sizeof(sub), "%s/ro", root);
	assert_int_equal(mkdir(sub, 0500), 0);
	if (geteuid() != 0) {
		r = photo_store_save(sub, photo_jpeg, sizeof(photo_jpeg), 0,
				     sha, path, sizeof(path), err, sizeof(err));
		assert_int_equal(r, -EACCES);
		assert_non_null(strstr(err, "cannot create photo directory"));
	}

	/* A path buffer too small is refused before anything is written. */
	r = photo_store_save(root, photo_jpeg, sizeof(photo_jpeg), 0, sha, path,
			     10, err, sizeof(err));
	assert_int_equal(r, -ENAMETOOLONG);
	assert_int_equal(photo_count_entries(root), 2);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, photo_setup, photo_teardown)
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_photo_sha256_known_value),
	    T(test_photo_save_is_content_addressed),
	    T(test_photo_same_content_one_file),
	    T(test_photo_free_space_floor),
	    T(test_photo_unwritable_root),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
