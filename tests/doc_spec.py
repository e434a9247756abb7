"""A module's DOCUMENTATION options against its argument spec, recursively (shared by unit tests)."""

import yaml


def _compare(doc_options, spec_options, where, out):
    if sorted(doc_options) != sorted(spec_options):
        out.append("%s: documented %s, in the spec %s" % (where, sorted(doc_options), sorted(spec_options)))
    for name in sorted(set(doc_options) & set(spec_options)):
        doc, spec = doc_options[name], spec_options[name]
        path = "%s.%s" % (where, name) if where else name
        if not doc.get("description"):
            out.append("%s: no description" % path)
        for key, default in (("type", "str"), ("elements", None), ("required", False), ("choices", None),
                             ("default", None)):
            if doc.get(key, default) != spec.get(key, default):
                out.append("%s: %s documented %r, spec %r" % (path, key, doc.get(key, default), spec.get(key, default)))
        if bool(doc.get("suboptions")) != bool(spec.get("options")):
            out.append("%s: suboptions documented %s, in the spec %s"
                       % (path, bool(doc.get("suboptions")), bool(spec.get("options"))))
        elif doc.get("suboptions"):
            _compare(doc["suboptions"], spec["options"], path, out)


def doc_spec_problems(documentation, argument_spec):
    """Every difference between the documented options and the argument spec, as sentences."""
    problems = []
    _compare(yaml.safe_load(documentation)["options"], argument_spec, "", problems)
    return problems
