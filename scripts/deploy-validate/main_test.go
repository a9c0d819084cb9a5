package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The manifests under test: the repository's deploy/.
const deployDir = "../../deploy"

// TestDeployIsValid: the committed manifests pass, every file decoded.
func TestDeployIsValid(t *testing.T) {
	probs, n, err := validate([]string{deployDir})
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 0 {
		t.Fatalf("problems in deploy/:\n%s", strings.Join(probs, "\n"))
	}
	// 2 kustomizations, 2 ServiceAccounts, the Deployment, the StatefulSet,
	// 2 Services, 2 PDBs and the example Secret.
	if n != 11 {
		t.Fatalf("decoded %d documents, want 11", n)
	}
}

// A broken copy of one of deploy/'s directories: in file, old (which must
// occur) is replaced by new, once; the problems must then be exactly want.
type breakage struct {
	name, dir, file, old, new string
	want                      []string
}

var breakages = []breakage{
	{"unknown field", "postgres", "deployment.yaml",
		"      terminationGracePeriodSeconds: 30", "      terminationGracePeriodSecond: 30",
		[]string{`deployment.yaml#0: Deployment: error unmarshaling JSON: while decoding JSON: json: unknown field "terminationGracePeriodSecond"`}},
	{"duplicate field", "postgres", "deployment.yaml",
		"  replicas: 3\n", "  replicas: 3\n  replicas: 3\n",
		[]string{`deployment.yaml#0: Deployment: error converting YAML to JSON: yaml: unmarshal errors:`}},
	{"wrong type", "postgres", "deployment.yaml",
		"  replicas: 3\n", "  replicas: three\n",
		[]string{`deployment.yaml#0: Deployment: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`}},
	{"runAsNonRoot false", "postgres", "deployment.yaml",
		"            runAsNonRoot: true", "            runAsNonRoot: false",
		[]string{"deployment.yaml#0: container roster: securityContext.runAsNonRoot must not be false"}},
	{"root user", "sled", "statefulset.yaml",
		"        runAsUser: 65532", "        runAsUser: 0",
		[]string{"statefulset.yaml#0: pod securityContext.runAsUser must be 65532 (the image's user)"}},
	{"writable root", "postgres", "deployment.yaml",
		"readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false",
		[]string{"deployment.yaml#0: container roster: securityContext.readOnlyRootFilesystem must be true"}},
	{"capabilities kept", "sled", "statefulset.yaml",
		`drop: ["ALL"]`, `drop: ["NET_RAW"]`,
		[]string{"statefulset.yaml#0: container roster: securityContext.capabilities.drop must hold ALL"}},
	{"seccomp unconfined", "postgres", "deployment.yaml",
		"          type: RuntimeDefault", "          type: Unconfined",
		[]string{"deployment.yaml#0: pod securityContext.seccompProfile.type must be RuntimeDefault"}},
	{"token mounted", "postgres", "deployment.yaml",
		"      automountServiceAccountToken: false", "      automountServiceAccountToken: true",
		[]string{"deployment.yaml#0: automountServiceAccountToken must be false"}},
	{"probe asks the wrong name", "postgres", "deployment.yaml",
		"service: liveness", "service: readiness",
		[]string{`deployment.yaml#0: container roster: livenessProbe must ask health service "liveness"`}},
	{"probe on the metrics port", "sled", "statefulset.yaml",
		"              port: 50051\n              service: startup", "              port: 9090\n              service: startup",
		[]string{"statefulset.yaml#0: container roster: startupProbe must probe port 50051 (grpc), not 9090"}},
	{"grace too short", "postgres", "deployment.yaml",
		"terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 15",
		[]string{"deployment.yaml#0: terminationGracePeriodSeconds (15s) must exceed preStop sleep (5s) + shutdown grace (10s)"}},
	{"preStop exec", "sled", "statefulset.yaml",
		"              sleep:\n                seconds: 5", "              exec:\n                command: [\"sleep\", \"5\"]",
		[]string{"statefulset.yaml#0: container roster: lifecycle.preStop.sleep is required"}},
	{"two replicas", "postgres", "deployment.yaml",
		"  replicas: 3\n", "  replicas: 2\n",
		[]string{"deployment.yaml#0: Deployment roster: replicas must be 3"}},
	{"workers from requests", "postgres", "deployment.yaml",
		"resource: limits.cpu", "resource: requests.cpu",
		[]string{"deployment.yaml#0: container roster: TOKIO_WORKER_THREADS must be resourceFieldRef limits.cpu of roster, divisor 1"}},
	{"fractional CPU limit", "sled", "statefulset.yaml",
		"            limits:\n              cpu: \"2\"", "            limits:\n              cpu: 1500m",
		[]string{"statefulset.yaml#0: container roster: resources.limits.cpu (1500m) must be whole CPUs, the worker-thread count"}},
	{"no appProtocol grpc", "postgres", "service.yaml",
		"appProtocol: grpc", "appProtocol: h2c",
		[]string{"deployment.yaml#0: no Service selects these pods with a port to grpc whose appProtocol is grpc"}},
	{"store in plain text", "postgres", "deployment.yaml",
		"            - name: ROSTER_STORE\n              valueFrom:\n                secretKeyRef:\n                  name: roster\n                  key: store",
		"            - name: ROSTER_STORE\n              value: postgres://roster:pw@db/roster",
		[]string{"deployment.yaml#0: Deployment roster: ROSTER_STORE must come from a Secret (valueFrom.secretKeyRef)"}},
	{"data not on the volume", "sled", "statefulset.yaml",
		"              mountPath: /data", "              mountPath: /var/data",
		[]string{"statefulset.yaml#0: StatefulSet roster-sled: the data directory /data must be a volumeClaimTemplate's mount"}},
	{"no metrics annotation", "sled", "statefulset.yaml",
		"      annotations:\n        prometheus.io/scrape: \"true\"", "      annotations:\n        prometheus.io/scrape: \"false\"",
		[]string{`statefulset.yaml#0: pod template: annotations prometheus.io/scrape "true" and prometheus.io/port "9090" are required`}},
}

// TestBreakagesAreCaught: each broken copy fails with exactly its problems.
func TestBreakagesAreCaught(t *testing.T) {
	for _, b := range breakages {
		t.Run(b.name, func(t *testing.T) {
			dir := copyDir(t, filepath.Join(deployDir, b.dir))
			path := filepath.Join(dir, b.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), b.old) {
				t.Fatalf("%s holds no %q: the case is stale", b.file, b.old)
			}
			broken := strings.Replace(string(data), b.old, b.new, 1)
			if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
				t.Fatal(err)
			}
			probs, _, err := validate([]string{dir})
			if err != nil {
				t.Fatal(err)
			}
			got := relative(probs, dir)
			if len(got) != len(b.want) {
				t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(b.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], b.want[i]) {
					t.Fatalf("problem %d:\n%s\nwant (a prefix):\n%s", i, got[i], b.want[i])
				}
			}
		})
	}
}

// TestMissingPDB: a directory without its PodDisruptionBudget fails twice:
// the kustomization lists a missing file, and no PDB covers the pods.
func TestMissingPDB(t *testing.T) {
	dir := copyDir(t, filepath.Join(deployDir, "postgres"))
	if err := os.Remove(filepath.Join(dir, "pdb.yaml")); err != nil {
		t.Fatal(err)
	}
	probs, _, err := validate([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(relative(probs, dir), "\n")
	want := "deployment.yaml#0: no PodDisruptionBudget selects these pods\nkustomization.yaml#0: resource pdb.yaml does not exist"
	if got != want {
		t.Fatalf("problems:\n%s\nwant:\n%s", got, want)
	}
}

func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// relative strips the temporary directory from each problem's location.
func relative(probs problems, dir string) []string {
	out := make([]string, len(probs))
	for i, p := range probs {
		out[i] = strings.TrimPrefix(p, dir+string(filepath.Separator))
	}
	return out
}
