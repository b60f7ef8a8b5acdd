# SPDX-License-Identifier: MIT
"""A fresh Debian 12 (bookworm) root for the package test, and commands
run inside it.

The root is mmdebstrap's minbase, made as root (--mode=root) from the
archive this machine's apt sources name, and kept as a tarball under
build/debroot for the day (its name carries the date and the mirror), with
apt's package lists left in: each run unpacks a copy, and apt resolves the
package's Depends from those lists.  The packages apt downloads are kept
beside the tarball and put back into the next copy, so a second run needs
no network.

Every command inside the root runs in a mount namespace of its own
(unshare --mount) where /proc is mounted: the mount goes away with the
process, whatever becomes of it, so nothing is left mounted.  Every wait
has a timeout.  Nothing here is special to retour.
"""
import datetime
import glob
import hashlib
import os
import shutil
import subprocess
import urllib.error
import urllib.request

SUITE = "bookworm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
DEFAULT_SECURITY = "http://deb.debian.org/debian-security"
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C.UTF-8",
       "DEBIAN_FRONTEND": "noninteractive", "HOME": "/root"}


class RootError(Exception):
    """The root cannot be made: no tool, no archive, not root."""


def _sources_entries():
    """(uri, suites) of each deb entry of /etc/apt/sources.list*."""
    entries = []
    files = ["/etc/apt/sources.list"] + \
        sorted(glob.glob("/etc/apt/sources.list.d/*.list")) + \
        sorted(glob.glob("/etc/apt/sources.list.d/*.sources"))
    for path in files:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError:
            continue
        if path.endswith(".sources"):
            for stanza in text.split("\n\n"):
                fields = {}
                for line in stanza.splitlines():
                    if line.startswith("#") or ":" not in line:
                        continue
                    key, value = line.split(":", 1)
                    fields[key.strip().lower()] = value.split()
                if "deb" not in fields.get("types", []) or \
                   fields.get("enabled", ["yes"])[0] == "no":
                    continue
                for uri in fields.get("uris", []):
                    entries.append((uri, fields.get("suites", [])))
        else:
            for line in text.splitlines():
                words = line.split("#", 1)[0].split()
                if len(words) < 3 or words[0] != "deb":
                    continue
                if words[1].startswith("["):
                    while words and not words[0].endswith("]"):
                        words.pop(0)
                    words.pop(0)
                else:
                    words.pop(0)
                if len(words) >= 2:
                    entries.append((words[0], [words[1]]))
    return entries


def mirrors():
    """The archive and its security archive for bookworm, as this
    machine's apt sources name them; Debian's own when they name none
    (a host of another release)."""
    mirror = security = None
    for uri, suites in _sources_entries():
        if mirror is None and SUITE in suites:
            mirror = uri.rstrip("/")
        if security is None and SUITE + "-security" in suites:
            security = uri.rstrip("/")
    return mirror or DEFAULT_MIRROR, security or DEFAULT_SECURITY


def archive_problem(mirror, timeout=20):
    """None when the archive answers, else why not."""
    url = "%s/dists/%s/InRelease" % (mirror, SUITE)
    try:
        req = urllib.request.Request(url, method="HEAD")
        with urllib.request.urlopen(req, timeout=timeout) as r:
            if r.status == 200:
                return None
            return "%s answered %d" % (url, r.status)
    except (urllib.error.URLError, OSError) as e:
        return "%s: %s" % (url, e)


def check_host():
    """RootError unless this process can make and enter the root."""
    if os.geteuid() != 0:
        raise RootError("the package test makes and enters a Debian root: "
                        "run it as root (make check-deb uses sudo)")
    for tool in ("mmdebstrap", "unshare", "chroot"):
        if not shutil.which(tool):
            raise RootError("%s is not installed (make test-deps installs "
                            "mmdebstrap)" % tool)


def base_tarball(cache, arch, timeout=600):
    """The day's minbase tarball in @cache, made when missing; the older
    ones and their package caches are removed."""
    mirror, security = mirrors()
    day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")
    key = "%s-%s-%s-%s" % (
        SUITE, arch, day,
        hashlib.sha1((mirror + " " + security).encode()).hexdigest()[:8])
    tar = os.path.join(cache, key + ".tar")
    if os.path.exists(tar):
        return tar, os.path.join(cache, key + ".archives")
    problem = archive_problem(mirror)
    if problem:
        raise RootError("the Debian archive cannot be reached (%s); the "
                        "package test needs it once a day" % problem)
    os.makedirs(cache, exist_ok=True)
    for old in glob.glob(os.path.join(cache, SUITE + "-*")):
        if os.path.isdir(old):
            shutil.rmtree(old)
        else:
            os.unlink(old)
    partial = tar + ".partial"
    cmd = ["unshare", "--mount", "--", "mmdebstrap", "--mode=root",
           "--variant=minbase", "--arch=" + arch, "--format=tar",
           "--skip=cleanup/apt/lists", "--quiet", SUITE, partial,
           "deb %s %s main" % (mirror, SUITE),
           "deb %s %s-updates main" % (mirror, SUITE),
           "deb %s %s-security main" % (security, SUITE)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RootError("mmdebstrap took more than %d s" % timeout)
    if r.returncode != 0:
        raise RootError("mmdebstrap failed (%d):\n%s" %
                        (r.returncode, r.stderr[-4000:]))
    os.rename(partial, tar)
    return tar, os.path.join(cache, key + ".archives")


def mounted_under(path):
    """The mount points at or under @path (none should be)."""
    path = os.path.realpath(path)
    found = []
    with open("/proc/self/mounts", encoding="utf-8") as f:
        for line in f:
            point = line.split()[1].encode().decode("unicode_escape")
            if point == path or point.startswith(path + "/"):
                found.append(point)
    return found


def remove_root(root):
    """Remove an unpacked root, refusing while anything is mounted in it
    (rm -rf through a bind mount would reach the host)."""
    if not os.path.exists(root):
        return
    left = mounted_under(root)
    if left:
        raise RootError("still mounted under %s: %s" % (root, left))
    shutil.rmtree(root)


def unpack(tar, archives, root, timeout=300):
    """A fresh copy of @tar at @root, with the kept .debs in apt's cache."""
    remove_root(root)
    os.makedirs(root)
    subprocess.run(["tar", "-xf", tar, "-C", root, "--numeric-owner"],
                   check=True, timeout=timeout)
    if os.path.isdir(archives):
        dest = os.path.join(root, "var/cache/apt/archives")
        for deb in glob.glob(os.path.join(archives, "*.deb")):
            shutil.copy2(deb, dest)


def keep_archives(root, archives):
    """Keep the .debs apt downloaded into @root for the next copy."""
    os.makedirs(archives, exist_ok=True)
    for deb in glob.glob(os.path.join(root, "var/cache/apt/archives/*.deb")):
        dest = os.path.join(archives, os.path.basename(deb))
        if not os.path.exists(dest):
            shutil.copy2(deb, dest)


def _command(root, argv, user=None, private_net=False):
    """unshare + chroot: /proc mounted in a mount namespace of its own,
    loopback only when @private_net."""
    script = 'mount -t proc proc "$0/proc" && exec "$@"'
    if private_net:
        script = "ip link set lo up && " + script
    chroot = ["chroot"]
    if user:
        chroot.append("--userspec=%s:%s" % (user, user))
    return (["unshare", "--mount"] + (["--net"] if private_net else []) +
            ["--", "sh", "-c", script, root] + chroot + [root] + list(argv))


def run(root, argv, timeout=60, user=None, env=None):
    """Run @argv inside @root; the CompletedProcess (text)."""
    e = dict(ENV)
    e.update(env or {})
    return subprocess.run(_command(root, argv, user), capture_output=True,
                          text=True, env=e, timeout=timeout)


def start(root, argv, log, user=None):
    """Start @argv inside @root with its own loopback network, output to
    the file @log; the Popen (its pid is @argv's: every step execs)."""
    return subprocess.Popen(_command(root, argv, user, private_net=True),
                            stdout=log, stderr=subprocess.STDOUT, env=ENV)
