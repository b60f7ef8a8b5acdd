/* SPDX-License-Identifier: MIT */
/*
 * The API's listening sockets: the Unix socket (a crashed run's socket
 * file replaced, anything else at that path refused; mode 0660) and the
 * TCP address of [api] listen (IPv4:PORT, "localhost" meaning 127.0.0.1),
 * with whether it is loopback, which decides whether a token is needed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api_internal.h"

int api_unix_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path %.200s is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A socket file left by a crash is replaced; anything else is not. */
	{
		struct stat stbuf;

		if (lstat(path, &stbuf) == 0) {
			if (!S_ISSOCK(stbuf.st_mode)) {
				close(fd);
				snprintf(err, errlen,
					 "%.200s exists and is not a "
					 "socket; not replacing it",
					 path);
				return -EEXIST;
			}
			unlink(path);
		}
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, SOMAXCONN) < 0) {
		r = -errno;
		close(fd);
		snprintf(err, errlen, "socket %.200s: %s", path, strerror(-r));
		return r;
	}
	chmod(path, 0660);
	return fd;
}

int api_tcp_socket(const char *listen_at, bool *loopback, char *err,
		   size_t errlen)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char host[64];
	const char *colon = strrchr(listen_at, ':');
	char *end;
	long port;
	int fd, one = 1, r;

	if (!colon || (size_t)(colon - listen_at) >= sizeof(host)) {
		snprintf(err, errlen,
			 "api listen '%.100s' must be ADDRESS:PORT", listen_at);
		return -EINVAL;
	}
	memcpy(host, listen_at, (size_t)(colon - listen_at));
	host[colon - listen_at] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535 ||
	    inet_pton(AF_INET, !strcmp(host, "localhost") ? "127.0.0.1" : host,
		      &sa.sin_addr) != 1) {
		snprintf(err, errlen, "api listen '%.100s' must be IPv4:PORT",
			 listen_at);
		return -EINVAL;
	}
	sa.sin_port = htons((uint16_t)port);
	*loopback = (ntohl(sa.sin_addr.s_addr) >> 24) == 127;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, SOMAXCONN) < 0) {
		r = -errno;
		close(fd);
		snprintf(err, errlen, "api listen %.100s: %s", listen_at,
			 strerror(-r));
		return r;
	}
	return fd;
}
