# No privileged container (gatekeeper-library k8spspprivilegedcontainer; exemptImages).
package k8spspprivilegedcontainer

import data.lib.berth.workload
import future.keywords

violation contains {"msg": msg, "details": {"container": c.name}} if {
	some c in workload.containers(input.review.object)
	not workload.exempt(c.image, object.get(input.parameters, "exemptImages", []))
	c.securityContext.privileged == true
	msg := sprintf("container %v: privileged containers are not allowed", [c.name])
}
