# Images only from allowed repositories (prefixes): in a team namespace its Harbor project
# <harbor host>/<project>/ plus an allow list. Parameters as gatekeeper-library k8sallowedrepos.
package k8sallowedrepos

import data.lib.berth.workload
import future.keywords

violation contains {"msg": msg, "details": {"container": c.name, "image": c.image}} if {
	some c in workload.containers(input.review.object)
	not allowed(c.image)
	msg := sprintf("container %v: image %v is not from an allowed repository %v", [c.name, c.image, repos])
}

repos := object.get(input.parameters, "repos", [])

allowed(image) if {
	some repo in repos
	startswith(image, repo)
}
