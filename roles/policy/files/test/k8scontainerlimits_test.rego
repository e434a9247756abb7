package k8scontainerlimits_test

import data.k8scontainerlimits
import data.test.berth
import future.keywords

params := {"cpu": "2", "memory": "4Gi"}

test_requests_and_limits_within_maxima_pass if {
	obj := berth.deployment([berth.limited("app", "x:1"), berth.limited("sidecar", "y:1")])
	count(k8scontainerlimits.violation) == 0 with input as berth.review(obj, params)
}

test_missing_resources_are_named if {
	obj := berth.pod([{"name": "app", "image": "x:1", "resources": {"limits": {"cpu": "1"}}}])
	found := k8scontainerlimits.violation with input as berth.review(obj, params)
	[v.msg | some v in found] == ["container app: resources requests.cpu, requests.memory, limits.memory not set"]
}

test_limits_above_maxima_are_denied if {
	big := {"name": "app", "image": "x:1", "resources": {
		"requests": {"cpu": "100m", "memory": "1Gi"},
		"limits": {"cpu": "2500m", "memory": "8Gi"},
	}}
	found := k8scontainerlimits.violation with input as berth.review(berth.pod([big]), params)
	{v.msg | some v in found} == {
		"container app: cpu limit 2500m is above the maximum 2",
		"container app: memory limit 8Gi is above the maximum 4Gi",
	}
}

test_numbers_and_no_maxima if {
	numeric := {"name": "app", "image": "x:1", "resources": {"requests": {"cpu": 1, "memory": "1G"}, "limits": {"cpu": 3, "memory": "1G"}}}
	count(k8scontainerlimits.violation) == 0 with input as berth.review(berth.pod([numeric]), {})
	count(k8scontainerlimits.violation) == 1 with input as berth.review(berth.pod([numeric]), params)
}

test_not_a_quantity if {
	odd := {"name": "app", "image": "x:1", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "lots", "memory": "1Gi"}}}
	found := k8scontainerlimits.violation with input as berth.review(berth.pod([odd]), params)
	[v.msg | some v in found] == ["container app: cpu limit lots is not a quantity"]
}

test_exempt_images if {
	bare := {"name": "app", "image": "harbor.example.com/platform/tool:1"}
	count(k8scontainerlimits.violation) == 0 with input as berth.review(berth.pod([bare]), {"exemptImages": ["harbor.example.com/platform/*"]})
}
