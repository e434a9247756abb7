package k8spspprivilegedcontainer_test

import data.k8spspprivilegedcontainer
import data.test.berth
import future.keywords

test_privileged_is_denied if {
	obj := berth.pod([{"name": "app", "image": "x:1", "securityContext": {"privileged": true}}])
	found := k8spspprivilegedcontainer.violation with input as berth.review(obj, {})
	[v.msg | some v in found] == ["container app: privileged containers are not allowed"]
}

test_unprivileged_passes if {
	obj := berth.pod([{"name": "app", "image": "x:1", "securityContext": {"privileged": false}}, {"name": "b", "image": "y:1"}])
	count(k8spspprivilegedcontainer.violation) == 0 with input as berth.review(obj, {})
}
