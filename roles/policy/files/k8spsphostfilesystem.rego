# No hostPath volume, except under allowedHostPaths ({pathPrefix, readOnly}) - empty by default,
# so a team namespace gets none (gatekeeper-library k8spsphostfilesystem).
package k8spsphostfilesystem

import data.lib.berth.workload
import future.keywords

violation contains {"msg": msg, "details": {"volume": v.name}} if {
	some v in workload.volumes(input.review.object)
	v.hostPath
	not allowed(v)
	msg := sprintf("volume %v: hostPath %v is not allowed", [v.name, v.hostPath.path])
}

# A read-only allowance needs every container mounting the volume to mount it read-only.
allowed(v) if {
	some allowance in object.get(input.parameters, "allowedHostPaths", [])
	startswith(v.hostPath.path, allowance.pathPrefix)
	not writable_mount(v.name, allowance)
}

writable_mount(name, allowance) if {
	allowance.readOnly == true
	some c in workload.containers(input.review.object)
	some mount in object.get(c, "volumeMounts", [])
	mount.name == name
	not mount.readOnly == true
}
