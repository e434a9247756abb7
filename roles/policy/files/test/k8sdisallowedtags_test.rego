package k8sdisallowedtags_test

import data.k8sdisallowedtags
import data.test.berth
import future.keywords

params := {"tags": ["latest"]}

test_version_tag_and_digest_pass if {
	every image in [
		"harbor.example.com/team-a/app:1.2.3",
		"harbor.example.com:8443/team-a/app:v2",
		"harbor.example.com/team-a/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"harbor.example.com/team-a/app:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	] {
		count(k8sdisallowedtags.violation) == 0 with input as berth.review(berth.pod([{"name": "app", "image": image}]), params)
	}
}

test_latest_is_denied if {
	found := k8sdisallowedtags.violation with input as berth.review(berth.pod([{"name": "app", "image": "nginx:latest"}]), params)
	[v.msg | some v in found] == ["container app: image nginx:latest uses the disallowed tag latest"]
}

test_untagged_is_denied_even_with_a_registry_port if {
	every image in ["nginx", "harbor.example.com:8443/team-a/app"] {
		found := k8sdisallowedtags.violation with input as berth.review(berth.pod([{"name": "app", "image": image}]), params)
		[v.msg | some v in found] == [sprintf("container app: image %v has no tag; use a version tag or a digest", [image])]
	}
}

test_exempt_images_and_other_tags if {
	exempt := {"tags": ["latest", "dev"], "exemptImages": ["harbor.example.com/platform/*"]}
	count(k8sdisallowedtags.violation) == 0 with input as berth.review(berth.pod([{"name": "a", "image": "harbor.example.com/platform/tool:latest"}]), exempt)
	count(k8sdisallowedtags.violation) == 1 with input as berth.review(berth.pod([{"name": "a", "image": "harbor.example.com/team-a/tool:dev"}]), exempt)
}
