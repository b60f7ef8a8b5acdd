#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`make lint`: the build's layers and the daemon's log rule, from the source.

Usage: scripts/lint-layers.py [--no-allowlist | --print-layers] [ROOT]
  --no-allowlist  ignore the allowlists below (the fixtures in tests/lint)
  --print-layers  print each header's layer, as worked out, and stop

Layers, low to high; a file may include headers of its own layer or lower:
  0 core    src/core     pure C: the C library and inih's <ini.h>, no I/O
                         library, no clock (it takes "now" as an argument)
  1 sys     src/sys      log, clock
  2         src/codec, src/store, src/dev, src/net (and src/net/connectors)
  3         src/daemon, src/api
  4 programs src/retourd (retourd's main), src/cli (retourctl)
A header include/retour/NAME.h belongs to the layer of the src/ files that
define the functions it declares (HEADER_LAYERS below places the headers
that declare none); a header placed nowhere is an error, so a new module
must be placed.  A header must not include a header of a higher layer.

Daemon-side code (everything under src/ but src/cli) logs through
include/retour/log.h: fprintf(stderr, ...), perror() and printf() are errors.

Each error is printed as `file:line: what is wrong`; the exit status is 1
when there is one, 2 when the tree cannot be read.  The checker reads text
only: no compiler, no third-party module.
"""

import os
import re
import sys

# Directory under src/ -> layer.  The longest matching prefix wins.
DIR_LAYERS = {
    "src/core": 0,
    "src/sys": 1,
    "src/codec": 2,
    "src/store": 2,
    "src/dev": 2,
    "src/net": 2,
    "src/daemon": 3,
    "src/api": 3,
    "src/retourd": 4,
    "src/cli": 4,
}
LAYER_NAMES = {
    0: "core",
    1: "sys",
    2: "codec/store/dev/net",
    3: "daemon/api",
    4: "retourd/cli (the programs)",
}

# Headers that declare no function defined under src/ (types, constants,
# static inline helpers), placed by hand.  Keep each with its reason.
HEADER_LAYERS = {
    # the facts of a decision's event: a plain struct the store fills and
    # the codec renders; nothing below the core's own types
    "retour/event_facts.h": 0,
}

# What the core may include besides its own headers: ISO C's headers less
# <time.h>, <threads.h> and <signal.h> (no clock, threads or signals in the
# core), POSIX's <strings.h> (strcasecmp), and inih's parser.
CORE_SYSTEM_HEADERS = {
    "assert.h", "complex.h", "ctype.h", "errno.h", "fenv.h", "float.h",
    "inttypes.h", "iso646.h", "limits.h", "locale.h", "math.h", "setjmp.h",
    "stdalign.h", "stdarg.h", "stdatomic.h", "stdbool.h", "stddef.h",
    "stdint.h", "stdio.h", "stdlib.h", "stdnoreturn.h", "string.h",
    "tgmath.h", "uchar.h", "wchar.h", "wctype.h",
    "strings.h",
    "ini.h",
}

# The one file that writes log lines to stderr: the log helper itself.
LOG_WRITERS = {"src/sys/log.c"}

# --- Allowlists: today's known offences, to be emptied --------------------
# Issue 5 is being done in parallel branches.  These files still print to
# stderr themselves; their branches move them to log.h.  The lead empties
# this set once those branches are merged (the checker says which entries
# no longer match anything).
LOG_ALLOWLIST = set()
# Includes that cross the layers today, as (file, included header).  None
# was found when this checker was written: src/store/event.c and
# src/api/expected_json.c are moving to src/codec, and their headers follow
# their definitions, so nothing is listed.  Add an entry only with a
# comment saying which change removes it.
LAYER_ALLOWLIST = set()

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
CALL_RE = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
# A function definition starts at column 0: either the name alone (the
# return type on the line above) or after its return type on the same line.
DEFINITION_RE = re.compile(r"^(?:[A-Za-z_][\w \t\*]*?[ \t\*])?([A-Za-z_]\w*)\(")
ATTRIBUTE_RE = re.compile(r"__attribute__\s*\(\((?:[^()]|\([^()]*\))*\)\)\s*")
NOT_DEFINITION = {"if", "for", "while", "switch", "return", "sizeof"}
PRINT_RULES = [
    (re.compile(r"\bv?fprintf\s*\(\s*stderr\b"), "fprintf(stderr, ...)"),
    (re.compile(r"\bperror\s*\("), "perror()"),
    (re.compile(r"(?<![\w.>])printf\s*\("), "printf()"),
]


def strip_comments_and_strings(text):
    """Blank out comments, string and character literals, keeping lines."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


class Tree:
    def __init__(self, root, allowlists):
        self.root = root
        self.allowlists = allowlists
        self.errors = []
        self.used_log_allow = set()
        self.used_layer_allow = set()
        self.sources = []  # src/ files, relative paths
        for d, _, files in os.walk(os.path.join(root, "src")):
            for f in files:
                if f.endswith((".c", ".h")):
                    rel = os.path.relpath(os.path.join(d, f), root)
                    self.sources.append(rel.replace(os.sep, "/"))
        self.sources.sort()
        inc = os.path.join(root, "include", "retour")
        self.headers = sorted(
            "include/retour/" + f for f in os.listdir(inc) if f.endswith(".h")
        ) if os.path.isdir(inc) else []
        self.text = {}
        self.header_layer = {}

    def read(self, rel):
        if rel not in self.text:
            with open(os.path.join(self.root, rel), encoding="utf-8",
                      errors="replace") as f:
                self.text[rel] = f.read()
        return self.text[rel]

    def error(self, rel, line, what):
        self.errors.append(f"{rel}:{line}: {what}")

    def dir_layer(self, rel):
        best = None
        for prefix, layer in DIR_LAYERS.items():
            if rel.startswith(prefix + "/"):
                if best is None or len(prefix) > len(best[0]):
                    best = (prefix, layer)
        return best[1] if best else None

    def place_headers(self):
        """Give each include/retour header the layer of its definitions."""
        defined = {}  # function name -> set of defining files
        for rel in self.sources:
            if not rel.endswith(".c") or self.dir_layer(rel) is None:
                continue
            code = strip_comments_and_strings(self.read(rel))
            above = ""
            for line in code.splitlines():
                line = ATTRIBUTE_RE.sub("", line)
                # Static functions are the file's own, whether "static"
                # starts their line or the return type's line above it.
                skip = line.startswith(("static", "typedef", "struct", "#",
                                        "extern", "__")) \
                    or (line[:1].isalpha() and above.startswith("static")
                        and DEFINITION_RE.match(line)
                        and DEFINITION_RE.match(line).start(1) == 0)
                if line.strip():
                    above = line
                if skip:
                    continue
                m = DEFINITION_RE.match(line)
                if m and m.group(1) not in NOT_DEFINITION and \
                        not line.rstrip().endswith(";"):
                    defined.setdefault(m.group(1), set()).add(rel)
        for h in self.headers:
            name = h[len("include/"):]
            if name in HEADER_LAYERS:
                self.header_layer[h] = HEADER_LAYERS[name]
                continue
            code = strip_comments_and_strings(self.read(h))
            files = set()
            for fn in set(CALL_RE.findall(code)):
                files |= defined.get(fn, set())
            layers = {self.dir_layer(f) for f in files}
            if len(layers) == 1:
                self.header_layer[h] = layers.pop()
            elif not layers:
                self.error(h, 1, "no function it declares is defined under "
                           "src/: place it in HEADER_LAYERS in "
                           "scripts/lint-layers.py")
            else:
                where = ", ".join(sorted(files))
                self.error(h, 1, "its functions are defined in several "
                           f"layers ({where}): split it, or place it in "
                           "HEADER_LAYERS in scripts/lint-layers.py")

    def resolve(self, rel, quote, target):
        """The included file, relative to the root, or None if not ours."""
        if quote == '"':
            here = os.path.normpath(os.path.join(os.path.dirname(rel),
                                                 target)).replace(os.sep, "/")
            if os.path.isfile(os.path.join(self.root, here)):
                return here
        there = "include/" + target
        if os.path.isfile(os.path.join(self.root, there)):
            return there
        return None

    def layer_of(self, rel):
        if rel.startswith("include/"):
            return self.header_layer.get(rel)
        return self.dir_layer(rel)

    def check_includes(self, rel):
        layer = self.layer_of(rel)
        if layer is None:
            if rel.startswith("src/"):
                self.error(rel, 1, "its directory has no layer: add it to "
                           "DIR_LAYERS in scripts/lint-layers.py")
            return
        for no, line in enumerate(self.read(rel).splitlines(), 1):
            m = INCLUDE_RE.match(line)
            if not m:
                continue
            quote, target = m.groups()
            ours = self.resolve(rel, quote, target)
            if ours is None:
                if quote == '"':
                    self.error(rel, no, f'"{target}" is not in the tree')
                elif layer == 0 and target not in CORE_SYSTEM_HEADERS:
                    self.error(rel, no, f"<{target}> in the core: the core "
                               "includes only the C library and <ini.h>")
                continue
            theirs = self.layer_of(ours)
            if theirs is None or theirs <= layer:
                continue
            if self.allowlists and (rel, target) in LAYER_ALLOWLIST:
                self.used_layer_allow.add((rel, target))
                continue
            self.error(rel, no, f"{target} is layer {theirs} "
                       f"({LAYER_NAMES[theirs]}), above this file's layer "
                       f"{layer} ({LAYER_NAMES[layer]}): a lower layer never "
                       "includes a higher one")

    def check_prints(self, rel):
        if rel.startswith("src/cli/") or rel in LOG_WRITERS:
            return
        code = strip_comments_and_strings(self.read(rel))
        for no, line in enumerate(code.splitlines(), 1):
            for pattern, what in PRINT_RULES:
                if not pattern.search(line):
                    continue
                if self.allowlists and rel in LOG_ALLOWLIST:
                    self.used_log_allow.add(rel)
                    continue
                self.error(rel, no, f"{what} in daemon-side code: log "
                           "through include/retour/log.h (log_error, "
                           "log_warning, log_info, log_error_errno)")

    def run(self):
        self.place_headers()
        for rel in self.headers + self.sources:
            self.check_includes(rel)
        for rel in self.sources:
            self.check_prints(rel)
        if self.allowlists:
            for rel in sorted(LOG_ALLOWLIST - self.used_log_allow):
                print(f"lint-layers: note: {rel} no longer prints; remove it "
                      "from LOG_ALLOWLIST", file=sys.stderr)
            for rel, target in sorted(LAYER_ALLOWLIST - self.used_layer_allow):
                print(f"lint-layers: note: {rel} no longer includes {target}"
                      "; remove it from LAYER_ALLOWLIST", file=sys.stderr)
        return self.errors


def main(argv):
    allowlists = True
    print_layers = False
    args = argv[1:]
    if args and args[0] == "--no-allowlist":
        allowlists = False
        args = args[1:]
    elif args and args[0] == "--print-layers":
        print_layers = True
        args = args[1:]
    if len(args) > 1 or (args and args[0].startswith("-")):
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    root = args[0] if args else "."
    if not os.path.isdir(os.path.join(root, "src")):
        print(f"lint-layers: {root}: no src/ directory", file=sys.stderr)
        return 2
    tree = Tree(root, allowlists)
    if print_layers:
        tree.place_headers()
        for h in tree.headers:
            layer = tree.header_layer.get(h)
            name = LAYER_NAMES.get(layer, "not placed")
            print(f"{layer if layer is not None else '-'} {h} ({name})")
        return 0
    errors = tree.run()
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        print(f"lint-layers: {len(errors)} error(s)", file=sys.stderr)
        return 1
    print(f"lint-layers: {len(tree.sources)} sources, {len(tree.headers)} "
          "headers: the layers and the log rule hold")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
