#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""docs/API.md from docs/openapi.json, the API's single source.

  scripts/api-doc.py            write docs/API.md (`make api-doc`)
  scripts/api-doc.py --check    fail when docs/API.md is not what this
                                script makes, or when docs/openapi.json is
                                not the OpenAPI structure this repository
                                uses (`make lint`)
  scripts/api-doc.py --port FILE
                                bring route-table rows and shapes written
                                the old way (an API.md of a branch made
                                before docs/openapi.json) into
                                docs/openapi.json: routes it does not have
                                are added, with their query parameters,
                                answers and description; a route it has
                                gains the answers and query parameters it
                                lacks; a shape gains its new keys (a new
                                shape is added).  It says what it did;
                                then write the request body's schema and
                                the keys' types by hand, and `make api-doc`

docs/openapi.json holds every route (src/api/routes.c's table), its
parameters, request body, answers with their schemas, the security, and
the prose that explains the routes: info.description (the introduction),
x-retour-statuses (what each status code says), each tag's description
(the prose after its table) and x-retour-sections (sections of their own,
a route's query parameters rendered as a table where one says
"parameters-of"), components.schemas (the shapes, with their required and
optional keys).  What is not about a route (the events sent upstream, the
connectors) is hand-written in docs/API.upstream.md and appended as it is.

Adding a route:
  1. its row in src/api/routes.c's api_routes[] and, when it takes a JSON
     body, its fields in body_fields() there (a route not named there
     takes none);
  2. its operation in docs/openapi.json under "paths": tags (Desk or
     Records), operationId, description (the table's "what it does"),
     x-retour-body (the table's "body" words), requestBody (a schema with
     the fields body_fields() names, additionalProperties false),
     parameters (path and query), and responses: every status with its
     schema (a $ref to components/schemas/NAME: a new shape goes there
     with "required", "properties" and additionalProperties false), and
     {"$ref": "#/components/responses/unauthorized"} as 401 and, for a
     method other than GET, too_large as 413.  Or write the old table row
     (and shape row) in a scratch file and run `scripts/api-doc.py --port
     FILE`, then add the body's schema and the keys' types by hand;
  3. `make api-doc`;
  4. a scenario in tests/system/test_api_contract.py's SCENARIOS for every
     status it documents (401 and 413 are provoked for every route).
A route still being built elsewhere: "x-retour-coming": true (skipped
while the server lacks it), or "x-retour-not-yet-there": true (must
answer 404 until it comes).

The structural check is small and exact about what this file uses: the
OpenAPI 3.0 keys at each level, every $ref resolving, every path parameter
declared, every operation with an operationId, a description and its
answers (Debian bookworm has no OpenAPI validator to do it instead).
"""
import difflib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "docs" / "openapi.json"
UPSTREAM = ROOT / "docs" / "API.upstream.md"
OUT = ROOT / "docs" / "API.md"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch",
           "trace")
# The statuses every route can give, said once above the tables.
GENERAL = {"401", "413"}


# ---- the structure ----

ROOT_KEYS = {"openapi", "info", "servers", "paths", "components", "security",
             "tags", "externalDocs"}
OP_KEYS = {"tags", "summary", "description", "operationId", "parameters",
           "requestBody", "responses", "security", "deprecated", "servers",
           "callbacks", "externalDocs"}
PARAM_KEYS = {"name", "in", "description", "required", "deprecated",
              "schema", "example", "allowEmptyValue", "style", "explode"}
RESPONSE_KEYS = {"description", "content", "headers", "links"}
SCHEMA_KEYS = {"type", "description", "properties", "required", "items",
               "additionalProperties", "enum", "oneOf", "anyOf", "allOf",
               "$ref", "minimum", "maximum", "minLength", "maxLength",
               "maxItems", "minItems", "default", "nullable", "format",
               "example", "pattern"}
TYPES = {"object", "array", "string", "integer", "number", "boolean"}


def _extension(k):
    return k.startswith("x-")


def _keys(where, obj, allowed, errors):
    if not isinstance(obj, dict):
        errors.append("%s: not an object" % where)
        return False
    for k in obj:
        if k not in allowed and not _extension(k):
            errors.append("%s: unknown key %r" % (where, k))
    return True


def _resolve(spec, ref, where, errors):
    if not ref.startswith("#/"):
        errors.append("%s: $ref %r is not local" % (where, ref))
        return None
    node = spec
    for part in ref[2:].split("/"):
        if not isinstance(node, dict) or part not in node:
            errors.append("%s: $ref %r does not resolve" % (where, ref))
            return None
        node = node[part]
    return node


def _schema(spec, s, where, errors):
    if not _keys(where, s, SCHEMA_KEYS, errors):
        return
    if "$ref" in s:
        _resolve(spec, s["$ref"], where, errors)
        if len(s) > 1:
            errors.append("%s: $ref with siblings" % where)
        return
    if "type" in s and s["type"] not in TYPES:
        errors.append("%s: type %r" % (where, s["type"]))
    for k, sub in s.get("properties", {}).items():
        _schema(spec, sub, "%s.%s" % (where, k), errors)
    for k in s.get("required", []):
        if k not in s.get("properties", {}):
            errors.append("%s: required %r is not a property" % (where, k))
    if "items" in s:
        _schema(spec, s["items"], where + "[]", errors)
    if s.get("type") == "array" and "items" not in s:
        pass  # any items
    for k in ("oneOf", "anyOf", "allOf"):
        for i, sub in enumerate(s.get(k, [])):
            _schema(spec, sub, "%s.%s[%d]" % (where, k, i), errors)
    if isinstance(s.get("additionalProperties"), dict):
        _schema(spec, s["additionalProperties"], where + ".*", errors)


def _content(spec, content, where, errors):
    for mime, media in content.items():
        if _keys("%s %s" % (where, mime), media, {"schema", "example"},
                 errors) and "schema" in media:
            _schema(spec, media["schema"], "%s %s" % (where, mime), errors)


def structure_errors(spec):
    """What in @spec is not the OpenAPI 3.0 this repository writes."""
    errors = []
    _keys("root", spec, ROOT_KEYS, errors)
    if not re.fullmatch(r"3\.0\.\d+", str(spec.get("openapi", ""))):
        errors.append("openapi: not 3.0.x")
    info = spec.get("info", {})
    for k in ("title", "version"):
        if not isinstance(info.get(k), str) or not info.get(k):
            errors.append("info.%s: missing" % k)
    schemes = spec.get("components", {}).get("securitySchemes", {})
    for req in spec.get("security", []):
        for name in req:
            if name not in schemes:
                errors.append("security: no scheme %r" % name)
    tags = {t["name"] for t in spec.get("tags", [])}
    seen_ids = set()
    for path, item in spec.get("paths", {}).items():
        if not path.startswith("/"):
            errors.append("%s: a path starts with /" % path)
        declared = set(re.findall(r"\{(\w+)\}", path))
        for method, op in item.items():
            where = "%s %s" % (method.upper(), path)
            if method not in METHODS:
                errors.append("%s: not a method" % where)
                continue
            if not _keys(where, op, OP_KEYS, errors):
                continue
            oid = op.get("operationId")
            if not oid or oid in seen_ids:
                errors.append("%s: operationId missing or not unique" % where)
            seen_ids.add(oid)
            if not op.get("description"):
                errors.append("%s: no description" % where)
            for t in op.get("tags", []):
                if t not in tags:
                    errors.append("%s: tag %r not in tags" % (where, t))
            in_path = set()
            for p in op.get("parameters", []):
                if not _keys(where + " parameter", p, PARAM_KEYS, errors):
                    continue
                if p.get("in") not in ("path", "query", "header", "cookie"):
                    errors.append("%s: parameter 'in' %r" % (where,
                                                             p.get("in")))
                if p.get("in") == "path":
                    in_path.add(p.get("name"))
                    if p.get("required") is not True:
                        errors.append("%s: path parameter %s not required"
                                      % (where, p.get("name")))
                _schema(spec, p.get("schema", {}), "%s ?%s" %
                        (where, p.get("name")), errors)
            if in_path != declared:
                errors.append("%s: path parameters %s declared as %s" %
                              (where, sorted(declared), sorted(in_path)))
            body = op.get("requestBody")
            if body is not None and _keys(where + " body", body,
                                          {"description", "content",
                                           "required"}, errors):
                _content(spec, body.get("content", {}), where + " body",
                         errors)
            responses = op.get("responses")
            if not responses:
                errors.append("%s: no responses" % where)
                continue
            for code, r in responses.items():
                w = "%s %s" % (where, code)
                if not re.fullmatch(r"[1-5]\d\d", code):
                    errors.append("%s: not a status" % w)
                if "$ref" in r:
                    _resolve(spec, r["$ref"], w, errors)
                    continue
                if _keys(w, r, RESPONSE_KEYS, errors):
                    if not isinstance(r.get("description"), str):
                        errors.append("%s: no description" % w)
                    _content(spec, r.get("content", {}), w, errors)
    for name, s in spec.get("components", {}).get("schemas", {}).items():
        _schema(spec, s, "schema " + name, errors)
    for name, r in spec.get("components", {}).get("responses", {}).items():
        if _keys("response " + name, r, RESPONSE_KEYS, errors):
            _content(spec, r.get("content", {}), "response " + name, errors)
    return errors


# ---- what the tables show ----

def shape_of(schema):
    """A response schema as the tables name it: "status", "[receipt]"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if schema.get("type") == "array" and "$ref" in schema.get("items", {}):
        return "[%s]" % shape_of(schema["items"])
    return "*"


def answer_shape(response):
    """The shape a response's body has, None for none: "text" for a text/*
    body, "bytes" for another that is not JSON (a photo)."""
    content = response.get("content", {})
    if "application/json" in content:
        return shape_of(content["application/json"]["schema"])
    if any(t.startswith("text/") for t in content):
        return "text"
    if content:
        return "bytes"
    return None


def operations(spec):
    """Every (method, path, operation) in the document's order."""
    for path, item in spec["paths"].items():
        for method, op in item.items():
            yield method.upper(), path, op


def shown_path(path, op):
    """A path as the tables show it: a path parameter with an enum as its
    alternatives, the query parameters after '?'."""
    for p in op.get("parameters", []):
        if p["in"] == "path" and "enum" in p["schema"]:
            path = path.replace("{%s}" % p["name"],
                                "{%s}" % ",".join(p["schema"]["enum"]))
    query = [p["name"] for p in op.get("parameters", [])
             if p["in"] == "query"]
    if query:
        path += "?" + "&".join(q + "=" for q in query)
    return path


def cell(text):
    return re.sub(r"\s*\n\s*", " ", text.strip()).replace("|", "\\|")


def row(*cells):
    return "|" + "|".join(" %s " % c if c else " " for c in cells) + "|"


def answers_cell(op):
    out = []
    for code, r in op["responses"].items():
        if code in GENERAL:
            continue
        shape = answer_shape(r)
        out.append(code if shape in (None, "error") else
                   "%s %s" % (code, shape))
    return ", ".join(out)


def route_table(spec, tag):
    rows = ["| method, path | body | answers | what it does |",
            "|---|---|---|---|"]
    for method, path, op in operations(spec):
        if tag not in op.get("tags", []):
            continue
        first = "%s %s" % (method, shown_path(path, op))
        if op.get("x-retour-not-yet-there"):
            first += " *(not yet there)*"
        rows.append(row(first, cell(op.get("x-retour-body", "")),
                        answers_cell(op), cell(op["description"])))
    return "\n".join(rows)


def parameter_table(spec, where):
    method, path = where.split(" ", 1)
    op = spec["paths"][path][method]
    rows = ["| parameter | finds the receipts |", "|---|---|"]
    for p in op["parameters"]:
        if p["in"] == "query":
            rows.append("| `%s` | %s |" % (p["name"], cell(p["description"])))
    return "\n".join(rows)


def shape_table(spec):
    rows = ["| shape | keys |", "|---|---|"]
    for name, s in spec["components"]["schemas"].items():
        if name.startswith("_") or s.get("x-retour-request"):
            continue
        required = set(s.get("required", []))
        keys = [k if k in required else k + "?" for k in s["properties"]]
        rows.append("| %s | `%s` |" % (name, " ".join(keys)))
    return "\n".join(rows)


def render(spec, upstream):
    info = spec["info"]
    st = spec["x-retour-statuses"]
    out = ["# " + info["title"], "",
           "<!-- Generated by scripts/api-doc.py (make api-doc) from "
           "docs/openapi.json and docs/API.upstream.md: edit those, not "
           "this file. -->", "",
           info["description"], "",
           "## What the status code says", "", st["intro"], "",
           "| status | meaning |", "|---|---|"]
    out += ["| %d | %s |" % (r["status"], cell(r["meaning"]))
            for r in st["table"]]
    out += ["", st["after"], "", "## Routes", "", spec["x-retour-routes"], ""]
    for tag in spec["tags"]:
        out += ["### " + tag["name"], "", route_table(spec, tag["name"]), ""]
        if tag.get("description"):
            out += [tag["description"], ""]
        for sec in tag.get("x-retour-sections", []):
            out += ["### " + sec["title"], ""]
            if "parameters-of" in sec:
                out += [sec["before"], "",
                        parameter_table(spec, sec["parameters-of"]), "",
                        sec["after"], ""]
            else:
                out += [sec["markdown"], ""]
    out += ["### Shapes", "", spec["x-retour-shapes-intro"], "",
            shape_table(spec), ""]
    return "\n".join(out) + "\n" + upstream


# ---- bringing old-style rows in ----

def _md_cells(line):
    line = line.strip().strip("|").replace("\\|", "\x00")
    return [c.strip().replace("\x00", "|") for c in line.split("|")]


def _md_tables(text):
    """(heading above, header cells, [row cells]) of every table."""
    out, heading, lines = [], "", text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("#"):
            heading = lines[i].lstrip("#").strip()
        if lines[i].startswith("|") and i + 1 < len(lines) and \
                re.match(r"^\|[-| ]+\|$", lines[i + 1].strip()):
            header, rows = _md_cells(lines[i]), []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(_md_cells(lines[i]))
                i += 1
            out.append((heading, header, rows))
        else:
            i += 1
    return out


def _md_answers(cell):
    out = []
    for part in cell.split(","):
        m = re.fullmatch(r"\s*(\d{3})(?:\s+(\S+))?\s*", part)
        if not m:
            raise ValueError("cannot read the answer %r" % part)
        out.append((m.group(1), m.group(2)))
    return out


def _response(code, shape):
    r = {"description": STATUS_WORDS.get(code, "")}
    if shape == "text":
        r["content"] = {"text/plain": {"schema": {"type": "string"}}}
    elif shape and shape != "*":
        ref = {"$ref": "#/components/schemas/" + shape.strip("[]")}
        r["content"] = {"application/json": {"schema": {
            "type": "array", "items": ref} if shape.startswith("[") else
            ref}}
    elif shape == "*":
        r["content"] = {"application/json": {"schema": {"type": "object"}}}
    else:
        r["content"] = {"application/json": {"schema": {
            "$ref": "#/components/schemas/error"}}}
    return r


STATUS_WORDS = {"200": "done", "201": "created", "202": "accepted",
                "400": "bad input; nothing changed", "404": "no such thing",
                "409": "refused; nothing recorded", "500": "station fault",
                "503": "unavailable"}


def _order(responses):
    return dict(sorted(responses.items(), key=lambda kv: int(kv[0])))


def port(spec, text):
    """Bring @text's route rows and shapes into @spec; what was done."""
    done = []
    tags = [t["name"] for t in spec["tags"]]
    for heading, header, rows in _md_tables(text):
        if header[:2] == ["shape", "keys"]:
            for name, keys in rows:
                words = keys.strip("`").split()
                s = spec["components"]["schemas"].setdefault(name, {
                    "type": "object", "description": "", "required": [],
                    "properties": {}, "additionalProperties": False})
                for w in words:
                    k = w.rstrip("?")
                    if k not in s["properties"]:
                        s["properties"][k] = {}
                        if not w.endswith("?"):
                            s["required"].append(k)
                        done.append("shape %s: key %s added" % (name, w))
            continue
        if header[:1] != ["method, path"] or "answers" not in header:
            continue
        tag = heading if heading in tags else tags[-1]
        for row in rows:
            first, body = row[0], row[1] if len(row) > 3 else ""
            answers = _md_answers(row[header.index("answers")])
            what = row[-1]
            method, rest = first.split(" ", 1)
            path, _, query = rest.split()[0].partition("?")
            if "(not yet there)" in first or "(coming)" in first:
                continue
            m = re.search(r"\{([^}]*,[^}]*)\}", path)
            params = []
            if m:
                params.append({"name": "which", "in": "path",
                               "required": True, "schema": {
                                   "type": "string",
                                   "enum": m.group(1).split(",")}})
                path = path[:m.start()] + "{which}" + path[m.end():]
            elif "{id}" in path:
                params.append({"name": "id", "in": "path", "required": True,
                               "description": "the record's id",
                               "schema": {"type": "integer",
                                          "minimum": 1}})
            for q in [q.split("=")[0] for q in query.split("&") if q]:
                params.append({"name": q, "in": "query", "required": False,
                               "description": "", "schema": {
                                   "type": "string"}})
            for known in spec["paths"]:  # the same path, its own names
                if re.sub(r"\{\w+\}", "{}", known) == \
                        re.sub(r"\{\w+\}", "{}", path):
                    path = known
                    for p in params:
                        if p["in"] == "path":
                            p["name"] = re.findall(r"\{(\w+)\}", known)[0]
            item = spec["paths"].setdefault(path, {})
            op = item.get(method.lower())
            where = "%s %s" % (method, path)
            if op is None:
                op = item[method.lower()] = {
                    "tags": [tag],
                    "operationId": re.sub(r"\W+", "_", "%s%s" % (
                        method.lower(), path)).strip("_"),
                    "description": what}
                if params:
                    op["parameters"] = params
                if body:
                    op["x-retour-body"] = body
                responses = {c: _response(c, s) for c, s in answers}
                responses["401"] = {
                    "$ref": "#/components/responses/unauthorized"}
                if method != "GET":
                    responses["413"] = {
                        "$ref": "#/components/responses/too_large"}
                op["responses"] = _order(responses)
                done.append("%s: added (tag %s)" % (where, tag))
                continue
            have = {p["name"] for p in op.get("parameters", [])}
            for p in params:
                if p["name"] not in have:
                    op.setdefault("parameters", []).append(p)
                    done.append("%s: parameter %s added" % (where,
                                                            p["name"]))
            for c, s in answers:
                if c not in op["responses"]:
                    op["responses"][c] = _response(c, s)
                    op["responses"] = _order(op["responses"])
                    done.append("%s: answer %s added" % (where, c))
            if what != op["description"]:
                done.append("%s: the description differs (kept the "
                            "document's): %s" % (where, what))
    return done


def main(argv):
    spec = json.loads(SPEC.read_text())
    errors = structure_errors(spec)
    if errors:
        for e in errors:
            print("docs/openapi.json: " + e, file=sys.stderr)
        return 1
    if argv[1:2] == ["--port"] and len(argv) == 3:
        src = sys.stdin if argv[2] == "-" else open(argv[2])
        for line in port(spec, src.read()):
            print(line)
        SPEC.write_text(json.dumps(spec, indent=1, ensure_ascii=False) +
                        "\n")
        errors = structure_errors(spec)
        for e in errors:
            print("docs/openapi.json: " + e, file=sys.stderr)
        return 1 if errors else main(argv[:1])
    text = render(spec, UPSTREAM.read_text())
    if argv[1:] == ["--check"]:
        have = OUT.read_text() if OUT.exists() else ""
        if have != text:
            sys.stderr.writelines(difflib.unified_diff(
                have.splitlines(True), text.splitlines(True),
                "docs/API.md", "made from docs/openapi.json"))
            print("docs/API.md is not what scripts/api-doc.py makes from "
                  "docs/openapi.json: edit docs/openapi.json (or "
                  "docs/API.upstream.md) and run `make api-doc`",
                  file=sys.stderr)
            return 1
        return 0
    if argv[1:]:
        print(__doc__, file=sys.stderr)
        return 2
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
