#!/usr/bin/env python3
"""json_schema_check.py: check JSON documents against the schemas of assets/schema/json/.

Used by tests/test_schema.c, which runs each command with --json and hands its output here. The
checking is python3-jsonschema's (Debian package python3-jsonschema, draft 2020-12); this script
only loads every schema of the folder, by its "$id", so that a "$ref" to
"common.schema.json#/$defs/..." resolves without the network (the https://usine.invalid/ ids are
names, never fetched), checks the schema itself against the draft's meta-schema, then the documents.

Usage: json_schema_check.py SCHEMA_DIR SCHEMA_FILE [--lines] DOCUMENT...
  --lines: each document holds one JSON object per line (grade --format json).
Exit status: 0 all valid, 1 a document does not follow its schema, 2 usage, a missing module or a
bad schema. Each error is one line: document, path in it, message.
"""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    sys.stderr.write("json_schema_check: python3-jsonschema is missing (make deps installs it)\n")
    sys.exit(2)


def validator_for(schema_dir, schema):
    """A draft 2020-12 validator whose $ref finds the other files of schema_dir by name."""
    store = {}
    for name in sorted(os.listdir(schema_dir)):
        if name.endswith(".schema.json"):
            with open(os.path.join(schema_dir, name), encoding="utf-8") as f:
                s = json.load(f)
                store[s.get("$id", name)] = s
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    try:  # jsonschema 4.18 and later: the referencing library
        import referencing
        import referencing.jsonschema
        resources = [(name, referencing.Resource.from_contents(s, default_specification=referencing.jsonschema.DRAFT202012))
                     for name, s in store.items()]
        registry = referencing.Registry().with_resources(resources)
        return cls(schema, registry=registry)
    except (ImportError, TypeError):  # Debian bookworm's 4.10 (no registry=, even beside a newer referencing)
        return cls(schema, resolver=jsonschema.RefResolver(schema.get("$id", ""), schema, store=store))


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    schema_dir, schema_file, rest = argv[1], argv[2], argv[3:]
    lines = rest and rest[0] == "--lines"
    if lines:
        rest = rest[1:]
    try:
        with open(schema_file, encoding="utf-8") as f:
            schema = json.load(f)
        v = validator_for(schema_dir, schema)
    except (OSError, ValueError, jsonschema.SchemaError) as e:
        sys.stderr.write("json_schema_check: %s: %s\n" % (schema_file, e))
        return 2
    bad = 0
    for doc in rest:
        with open(doc, encoding="utf-8") as f:
            text = f.read()
        try:
            docs = [json.loads(l) for l in text.splitlines() if l.strip()] if lines else [json.loads(text)]
        except ValueError as e:
            sys.stderr.write("%s: not JSON: %s\n" % (doc, e))
            bad += 1
            continue
        if not docs:
            sys.stderr.write("%s: empty\n" % doc)
            bad += 1
        for i, d in enumerate(docs):
            for e in sorted(v.iter_errors(d), key=lambda e: list(e.absolute_path)):
                where = "/".join(str(p) for p in e.absolute_path)
                sys.stderr.write("%s%s: /%s: %s\n" % (doc, ":%d" % (i + 1) if lines else "", where, e.message))
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
