# Client-side evaluation (berth.platform.policy_check): every constraint over every object it
# matches, as Gatekeeper would at admission. input: {"objects": [...], "constraints": [{kind,
# name, match: {kinds, namespaces, excludedNamespaces}, parameters}]}. Not a Gatekeeper template.
package berth.check

import future.keywords

violations contains {
	"kind": object.get(obj, "kind", ""),
	"namespace": object.get(obj.metadata, "namespace", ""),
	"name": object.get(obj.metadata, "name", ""),
	"constraint": sprintf("%v/%v", [c.kind, c.name]),
	"message": v.msg,
	"details": object.get(v, "details", {}),
} if {
	some obj in input.objects
	some c in input.constraints
	matches(object.get(c, "match", {}), obj)
	review := {"review": {"object": obj}, "parameters": object.get(c, "parameters", {})}
	some v in data[lower(c.kind)].violation with input as review
}

group(obj) := g if {
	parts := split(obj.apiVersion, "/")
	count(parts) == 2
	g := parts[0]
}

group(obj) := "" if not contains(obj.apiVersion, "/")

matches(match, obj) if {
	kind_matches(object.get(match, "kinds", []), obj)
	namespace_matches(match, object.get(obj.metadata, "namespace", ""))
}

kind_matches(kinds, _) if count(kinds) == 0

kind_matches(kinds, obj) if {
	some k in kinds
	some g in object.get(k, "apiGroups", ["*"])
	g in {"*", group(obj)}
	some kind in object.get(k, "kinds", ["*"])
	kind in {"*", obj.kind}
}

# Gatekeeper's namespace matching: exact names, or a prefix ending in "*".
listed(ns, patterns) if ns in patterns

listed(ns, patterns) if {
	some pattern in patterns
	endswith(pattern, "*")
	startswith(ns, trim_suffix(pattern, "*"))
}

namespace_matches(match, ns) if {
	not match.namespaces
	not listed(ns, object.get(match, "excludedNamespaces", []))
}

namespace_matches(match, ns) if {
	listed(ns, match.namespaces)
	not listed(ns, object.get(match, "excludedNamespaces", []))
}
