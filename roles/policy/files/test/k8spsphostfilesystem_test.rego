package k8spsphostfilesystem_test

import data.k8spsphostfilesystem
import data.test.berth
import future.keywords

host_pod(read_only) := {"kind": "Pod", "metadata": {"name": "p"}, "spec": {
	"containers": [{"name": "app", "image": "x:1", "volumeMounts": [{"name": "logs", "mountPath": "/l", "readOnly": read_only}]}],
	"volumes": [{"name": "logs", "hostPath": {"path": "/var/log/app"}}, {"name": "tmp", "emptyDir": {}}],
}}

test_host_path_is_denied_by_default if {
	found := k8spsphostfilesystem.violation with input as berth.review(host_pod(true), {})
	[v.msg | some v in found] == ["volume logs: hostPath /var/log/app is not allowed"]
}

test_allowed_host_paths if {
	read_only := {"allowedHostPaths": [{"pathPrefix": "/var/log", "readOnly": true}]}
	count(k8spsphostfilesystem.violation) == 0 with input as berth.review(host_pod(true), read_only)
	count(k8spsphostfilesystem.violation) == 1 with input as berth.review(host_pod(false), read_only)
	writable := {"allowedHostPaths": [{"pathPrefix": "/var/log"}]}
	count(k8spsphostfilesystem.violation) == 0 with input as berth.review(host_pod(false), writable)
}
