# No image without a tag or digest, no disallowed tag (latest by default); an image pinned by
# digest passes. Parameters as gatekeeper-library k8sdisallowedtags.
package k8sdisallowedtags

import data.lib.berth.workload
import future.keywords

violation contains {"msg": msg, "details": {"container": c.name, "image": c.image}} if {
	some c in workload.containers(input.review.object)
	not exempt(c.image)
	not contains(c.image, "@")
	not tag(c.image)
	msg := sprintf("container %v: image %v has no tag; use a version tag or a digest", [c.name, c.image])
}

violation contains {"msg": msg, "details": {"container": c.name, "image": c.image}} if {
	some c in workload.containers(input.review.object)
	not exempt(c.image)
	not contains(c.image, "@")
	tag(c.image) in tags
	msg := sprintf("container %v: image %v uses the disallowed tag %v", [c.name, c.image, tag(c.image)])
}

tags := object.get(input.parameters, "tags", ["latest"])

exempt(image) if workload.exempt(image, object.get(input.parameters, "exemptImages", []))

# The part after the last ":" when it is not part of a registry host:port.
tag(image) := t if {
	parts := split(image, ":")
	count(parts) > 1
	t := parts[count(parts) - 1]
	not contains(t, "/")
}
