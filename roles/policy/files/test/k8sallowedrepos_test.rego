package k8sallowedrepos_test

import data.k8sallowedrepos
import data.test.berth
import future.keywords

params := {"repos": ["harbor.example.com/team-a/", "harbor.example.com/platform/"]}

test_own_project_and_allow_list_pass if {
	obj := berth.deployment([
		{"name": "app", "image": "harbor.example.com/team-a/app:1.0"},
		{"name": "proxy", "image": "harbor.example.com/platform/proxy:2.1"},
	])
	count(k8sallowedrepos.violation) == 0 with input as berth.review(obj, params)
}

test_other_project_and_docker_hub_are_denied if {
	obj := berth.pod([{"name": "app", "image": "harbor.example.com/team-b/app:1.0"}, {"name": "db", "image": "postgres:16"}])
	found := k8sallowedrepos.violation with input as berth.review(obj, params)
	{v.details.container | some v in found} == {"app", "db"}
}

test_prefix_is_a_prefix_not_a_substring if {
	obj := berth.pod([{"name": "app", "image": "evil.example.com/harbor.example.com/team-a/app:1"}])
	count(k8sallowedrepos.violation) == 1 with input as berth.review(obj, params)
}

test_init_containers_are_judged_too if {
	obj := {"kind": "Pod", "metadata": {"name": "p"}, "spec": {
		"containers": [{"name": "app", "image": "harbor.example.com/team-a/app:1"}],
		"initContainers": [{"name": "init", "image": "busybox:1.36"}],
	}}
	found := k8sallowedrepos.violation with input as berth.review(obj, params)
	[v.details.container | some v in found] == ["init"]
}

test_no_repos_allows_nothing if {
	obj := berth.pod([{"name": "app", "image": "harbor.example.com/team-a/app:1"}])
	count(k8sallowedrepos.violation) == 1 with input as berth.review(obj, {})
}
