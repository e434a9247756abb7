package berth.check_test

import data.berth.check
import data.test.berth
import future.keywords

bad := {
	"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "bad", "namespace": "team-a"},
	"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "harbor.example.com/team-b/app:latest"}]}}},
}

constraints := [
	{"kind": "K8sAllowedRepos", "name": "team-a", "match": {"namespaces": ["team-a"]}, "parameters": {"repos": ["harbor.example.com/team-a/"]}},
	{"kind": "K8sDisallowedTags", "name": "teams", "match": {"namespaces": ["team-*"], "kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}]}, "parameters": {"tags": ["latest"]}},
	{"kind": "K8sContainerLimits", "name": "teams", "match": {"namespaces": ["team-a"], "excludedNamespaces": ["team-a"]}, "parameters": {}},
]

test_each_constraint_over_the_objects_it_matches if {
	found := check.violations with input as {"objects": [bad], "constraints": constraints}
	{v.constraint | some v in found} == {"K8sAllowedRepos/team-a", "K8sDisallowedTags/teams"}
	every v in found {
		v.kind == "Deployment"
		v.namespace == "team-a"
		v.name == "bad"
		v.details.container == "app"
	}
}

test_other_namespaces_and_kinds_do_not_match if {
	elsewhere := json.patch(bad, [{"op": "replace", "path": "/metadata/namespace", "value": "kube-system"}])
	count(check.violations) == 0 with input as {"objects": [elsewhere], "constraints": constraints}
	as_pod := berth.pod([{"name": "app", "image": "nginx:latest"}])
	found := check.violations with input as {"objects": [as_pod], "constraints": [constraints[1]]}
	count(found) == 0
}

test_cluster_scoped_objects_only_match_without_namespaces if {
	ns := {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}}
	count(check.violations) == 0 with input as {"objects": [ns], "constraints": constraints}
}
