package lib.berth.workload_test

import data.lib.berth.workload
import future.keywords

test_containers_of_every_workload_kind if {
	c := {"name": "app", "image": "x"}
	init := {"name": "init", "image": "y"}
	count(workload.containers({"kind": "Pod", "spec": {"containers": [c], "initContainers": [init]}})) == 2
	count(workload.containers({"kind": "Deployment", "spec": {"template": {"spec": {"containers": [c]}}}})) == 1
	count(workload.containers({"kind": "StatefulSet", "spec": {"template": {"spec": {"containers": [c]}}}})) == 1
	count(workload.containers({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [c]}}}}}})) == 1
}

test_no_containers_in_other_objects if {
	count(workload.containers({"kind": "ConfigMap", "data": {"a": "b"}})) == 0
	count(workload.containers({"kind": "Service", "spec": {"ports": []}})) == 0
}

test_exempt_images if {
	workload.exempt("goharbor/harbor-core:v2.15.2", ["goharbor/*"])
	workload.exempt("busybox:1.36", ["busybox:1.36"])
	not workload.exempt("busybox:1.37", ["busybox:1.36"])
}
