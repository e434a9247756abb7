# CPU and memory requests and limits on every container, limits within optional maxima
# (parameters cpu, memory, exemptImages as gatekeeper-library k8scontainerlimits).
package k8scontainerlimits

import data.lib.berth.workload
import future.keywords

resources := ["cpu", "memory"]

violation contains {"msg": msg, "details": {"container": c.name, "missing": missing}} if {
	some c in workload.containers(input.review.object)
	not exempt(c.image)
	missing := [sprintf("%v.%v", [section, resource]) |
		some section in ["requests", "limits"]
		some resource in resources
		not c.resources[section][resource]
	]
	count(missing) > 0
	msg := sprintf("container %v: resources %v not set", [c.name, concat(", ", missing)])
}

violation contains {"msg": msg, "details": {"container": c.name}} if {
	some c in workload.containers(input.review.object)
	not exempt(c.image)
	some resource in resources
	value := c.resources.limits[resource]
	not quantity(value)
	msg := sprintf("container %v: %v limit %v is not a quantity", [c.name, resource, value])
}

violation contains {"msg": msg, "details": {"container": c.name}} if {
	some c in workload.containers(input.review.object)
	not exempt(c.image)
	some resource in resources
	maximum := input.parameters[resource]
	value := c.resources.limits[resource]
	quantity(value) > quantity(maximum)
	msg := sprintf("container %v: %v limit %v is above the maximum %v", [c.name, resource, value, maximum])
}

exempt(image) if workload.exempt(image, object.get(input.parameters, "exemptImages", []))

# "500m" -> 0.5, "1Gi" -> 1073741824, 2 -> 2; undefined when it is not a quantity.
quantity(value) := units.parse(format_int(value, 10)) if is_number(value)

quantity(value) := units.parse(value) if is_string(value)
