# The pod spec and containers of any workload: a Pod, a template-based controller (Deployment,
# StatefulSet, DaemonSet, ReplicaSet, Job, ReplicationController) or a CronJob. Shared by every
# template (Gatekeeper "libs"), so a rule written for Pods also judges what creates them.
package lib.berth.workload

import future.keywords

pod_spec(obj) := obj.spec if obj.kind == "Pod"

pod_spec(obj) := obj.spec.jobTemplate.spec.template.spec if obj.kind == "CronJob"

pod_spec(obj) := obj.spec.template.spec if {
	not obj.kind in {"Pod", "CronJob"}
	obj.spec.template.spec
}

# Every container, init and ephemeral ones included.
containers(obj) := [c |
	spec := pod_spec(obj)
	some field in ["containers", "initContainers", "ephemeralContainers"]
	some c in object.get(spec, field, [])
]

volumes(obj) := object.get(pod_spec(obj), "volumes", [])

# exemptImages as in the gatekeeper-library: an exact image, or a prefix ending in "*".
exempt(image, patterns) if {
	some pattern in patterns
	endswith(pattern, "*")
	startswith(image, trim_suffix(pattern, "*"))
}

exempt(image, patterns) if image in patterns
