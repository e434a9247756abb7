# Objects the policy tests share.
package test.berth

import future.keywords

pod(containers) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "team-a"}, "spec": {"containers": containers}}

deployment(containers) := {
	"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "team-a"},
	"spec": {"template": {"spec": {"containers": containers}}},
}

limited(name, image) := {
	"name": name, "image": image,
	"resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
}

review(obj, parameters) := {"review": {"object": obj}, "parameters": parameters}
