// Command deploy-validate checks roster's Kubernetes manifests (deploy/)
// offline, with no cluster and no downloaded schema:
//
//  1. every YAML document is decoded strictly into the Kubernetes API's own
//     Go types (k8s.io/api, the types the API server is generated from), so
//     an unknown or misspelt field, a duplicate field or a value of the
//     wrong type is an error, as `kubectl apply --validate=strict` would make
//     it;
//  2. the structural rules a schema cannot express are checked: names,
//     selectors matching their pod labels, port ranges, a PDB's single
//     budget, a StatefulSet's headless Service, a kustomization listing
//     exactly the files beside it;
//  3. roster's own deployment policy is checked (see checkWorkload).
//
// Usage: deploy-validate DIR_OR_FILE...  Exit 0 when everything passes; 1
// with one line per problem otherwise; 2 on bad usage.
package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// The image's user (Containerfile: USER 65532:65532).
const rosterUID = 65532

// roster's default --shutdown-grace, used when ROSTER_SHUTDOWN_GRACE is unset.
const defaultShutdownGrace = 10 * time.Second

// The replicas each kind of workload must run: three stateless replicas on
// PostgreSQL, exactly one holder of an embedded store.
const (
	deploymentReplicas  = 3
	statefulSetReplicas = 1
)

// The probe kind -> the health service name roster answers it on.
var probeServices = map[string]string{
	"startupProbe":   "startup",
	"livenessProbe":  "liveness",
	"readinessProbe": "readiness",
}

// kustomization is the part of kustomize's Kustomization deploy/ uses;
// anything else in one is an error (a field this check does not know).
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

// doc is one decoded YAML document and where it came from.
type doc struct {
	where string
	file  string
	obj   any
}

// problems collects every failure, so one run reports all of them.
type problems []string

func (p *problems) add(where, format string, args ...any) {
	*p = append(*p, where+": "+fmt.Sprintf(format, args...))
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: deploy-validate DIR_OR_FILE...")
		os.Exit(2)
	}
	probs, n, err := validate(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "deploy-validate: %v\n", err)
		os.Exit(2)
	}
	if len(probs) > 0 {
		for _, p := range probs {
			fmt.Println(p)
		}
		fmt.Printf("deploy-validate: %d problem(s) in %d document(s)\n", len(probs), n)
		os.Exit(1)
	}
	fmt.Printf("deploy-validate: %d document(s) valid\n", n)
}

// validate checks every YAML file under paths together (a Service in one
// file serves a Deployment in another); it returns the problems found and
// the number of documents decoded.
func validate(paths []string) (problems, int, error) {
	var probs problems
	var docs []doc
	for _, path := range paths {
		files, err := yamlFiles(path)
		if err != nil {
			return nil, 0, err
		}
		if len(files) == 0 {
			return nil, 0, fmt.Errorf("%s: no YAML files", path)
		}
		for _, f := range files {
			docs = append(docs, decodeFile(f, &probs)...)
		}
	}
	checkAll(docs, &probs)
	return probs, len(docs), nil
}

// yamlFiles lists the .yaml/.yml files under path (or path itself), sorted.
func yamlFiles(path string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// decodeFile splits a file into documents and decodes each strictly.
func decodeFile(file string, probs *problems) []doc {
	data, err := os.ReadFile(file)
	if err != nil {
		probs.add(file, "%v", err)
		return nil
	}
	var out []doc
	for i, part := range docSeparator.Split(string(data), -1) {
		if strings.TrimSpace(stripComments(part)) == "" {
			continue
		}
		where := fmt.Sprintf("%s#%d", file, i)
		obj, err := decode([]byte(part))
		if err != nil {
			probs.add(where, "%v", err)
			continue
		}
		out = append(out, doc{where: where, file: file, obj: obj})
	}
	return out
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// decode picks the Go type from apiVersion and kind, then decodes strictly:
// unknown fields, duplicate fields and mistyped values are errors.
func decode(data []byte) (any, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(data, &tm); err != nil {
		return nil, err
	}
	var obj any
	switch tm.APIVersion + " " + tm.Kind {
	case "apps/v1 Deployment":
		obj = &appsv1.Deployment{}
	case "apps/v1 StatefulSet":
		obj = &appsv1.StatefulSet{}
	case "v1 Service":
		obj = &corev1.Service{}
	case "v1 ServiceAccount":
		obj = &corev1.ServiceAccount{}
	case "v1 Secret":
		obj = &corev1.Secret{}
	case "v1 ConfigMap":
		obj = &corev1.ConfigMap{}
	case "policy/v1 PodDisruptionBudget":
		obj = &policyv1.PodDisruptionBudget{}
	case "kustomize.config.k8s.io/v1beta1 Kustomization":
		obj = &kustomization{}
	default:
		return nil, fmt.Errorf("unsupported apiVersion/kind %q %q", tm.APIVersion, tm.Kind)
	}
	if err := yaml.UnmarshalStrict(data, obj); err != nil {
		return nil, fmt.Errorf("%s: %w", tm.Kind, err)
	}
	return obj, nil
}

// checkAll runs the structural and policy checks over every document.
func checkAll(docs []doc, probs *problems) {
	var services []*corev1.Service
	var pdbs []*policyv1.PodDisruptionBudget
	for _, d := range docs {
		switch o := d.obj.(type) {
		case *corev1.Service:
			services = append(services, o)
		case *policyv1.PodDisruptionBudget:
			pdbs = append(pdbs, o)
		}
	}
	for _, d := range docs {
		if m := meta(d.obj); m != nil && m.Name == "" {
			probs.add(d.where, "metadata.name is required")
		}
		switch o := d.obj.(type) {
		case *appsv1.Deployment:
			checkDeployment(d.where, o, probs)
			checkWorkload(d.where, o.Spec.Selector, &o.Spec.Template, services, pdbs, probs)
		case *appsv1.StatefulSet:
			checkStatefulSet(d.where, o, services, probs)
			checkWorkload(d.where, o.Spec.Selector, &o.Spec.Template, services, pdbs, probs)
		case *corev1.Service:
			checkService(d.where, o, probs)
		case *policyv1.PodDisruptionBudget:
			checkPDB(d.where, o, probs)
		case *corev1.ServiceAccount:
			if o.AutomountServiceAccountToken == nil || *o.AutomountServiceAccountToken {
				probs.add(d.where, "ServiceAccount %s: automountServiceAccountToken must be false", o.Name)
			}
		case *corev1.Secret:
			if o.Type != corev1.SecretTypeOpaque {
				probs.add(d.where, "Secret %s: type must be Opaque", o.Name)
			}
		case *kustomization:
			checkKustomization(d.where, d.file, o, probs)
		}
	}
}

func meta(obj any) *metav1.ObjectMeta {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return &o.ObjectMeta
	case *appsv1.StatefulSet:
		return &o.ObjectMeta
	case *corev1.Service:
		return &o.ObjectMeta
	case *corev1.ServiceAccount:
		return &o.ObjectMeta
	case *corev1.Secret:
		return &o.ObjectMeta
	case *corev1.ConfigMap:
		return &o.ObjectMeta
	case *policyv1.PodDisruptionBudget:
		return &o.ObjectMeta
	}
	return nil
}

func checkDeployment(where string, d *appsv1.Deployment, probs *problems) {
	if d.Spec.Replicas == nil || *d.Spec.Replicas != deploymentReplicas {
		probs.add(where, "Deployment %s: replicas must be %d", d.Name, deploymentReplicas)
	}
	pod := &d.Spec.Template.Spec
	if len(pod.TopologySpreadConstraints) == 0 &&
		(pod.Affinity == nil || pod.Affinity.PodAntiAffinity == nil) {
		probs.add(where, "Deployment %s: needs topologySpreadConstraints or podAntiAffinity", d.Name)
	}
	c := rosterContainer(pod)
	if c == nil {
		return
	}
	for _, name := range []string{"ROSTER_STORE", "ROSTER_BOOTSTRAP_KEY"} {
		e := env(c, name)
		if e == nil || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.Value != "" {
			probs.add(where, "Deployment %s: %s must come from a Secret (valueFrom.secretKeyRef)", d.Name, name)
		}
	}
}

func checkStatefulSet(where string, s *appsv1.StatefulSet, services []*corev1.Service, probs *problems) {
	if s.Spec.Replicas == nil || *s.Spec.Replicas != statefulSetReplicas {
		probs.add(where, "StatefulSet %s: replicas must be %d (one process holds the embedded store)", s.Name, statefulSetReplicas)
	}
	headless := false
	for _, svc := range services {
		if svc.Name == s.Spec.ServiceName && svc.Spec.ClusterIP == corev1.ClusterIPNone {
			headless = true
		}
	}
	if !headless {
		probs.add(where, "StatefulSet %s: serviceName %q names no headless Service", s.Name, s.Spec.ServiceName)
	}
	c := rosterContainer(&s.Spec.Template.Spec)
	if c == nil {
		return
	}
	dataDir := "/data"
	if e := env(c, "ROSTER_DATA_DIR"); e != nil {
		dataDir = e.Value
	}
	claimed := map[string]bool{}
	for _, t := range s.Spec.VolumeClaimTemplates {
		claimed[t.Name] = true
		if t.Spec.Resources.Requests.Storage().IsZero() {
			probs.add(where, "StatefulSet %s: volumeClaimTemplate %s requests no storage", s.Name, t.Name)
		}
	}
	mounted := false
	for _, m := range c.VolumeMounts {
		if m.MountPath == dataDir && claimed[m.Name] {
			mounted = true
		}
	}
	if !mounted {
		probs.add(where, "StatefulSet %s: the data directory %s must be a volumeClaimTemplate's mount", s.Name, dataDir)
	}
	if env(c, "ROSTER_STORE") != nil {
		probs.add(where, "StatefulSet %s: ROSTER_STORE is for the Deployment; the StatefulSet serves the embedded store", s.Name)
	}
}

// checkWorkload is roster's deployment policy for the pod template of a
// Deployment or StatefulSet.
func checkWorkload(where string, sel *metav1.LabelSelector, tmpl *corev1.PodTemplateSpec,
	services []*corev1.Service, pdbs []*policyv1.PodDisruptionBudget, probs *problems) {
	podLabels := labels.Set(tmpl.Labels)
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if sel == nil || err != nil || selector.Empty() || !selector.Matches(podLabels) {
		probs.add(where, "spec.selector must be set and match the pod template's labels")
	}
	pod := &tmpl.Spec
	checkPodSecurity(where, pod, probs)
	c := rosterContainer(pod)
	if c == nil {
		probs.add(where, "no container named roster")
		return
	}
	checkContainerSecurity(where, pod, c, probs)
	grpcPort := containerPort(c, "grpc")
	metricsPort := containerPort(c, "metrics")
	if grpcPort == 0 || metricsPort == 0 {
		probs.add(where, "container roster must name its ports grpc and metrics")
	}
	checkProbes(where, c, grpcPort, probs)
	checkTermination(where, pod, c, probs)
	checkResources(where, c, probs)
	checkMetrics(where, tmpl, c, metricsPort, probs)
	checkSelected(where, podLabels, grpcPort, services, pdbs, probs)
}

func checkPodSecurity(where string, pod *corev1.PodSpec, probs *problems) {
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		probs.add(where, "automountServiceAccountToken must be false")
	}
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		probs.add(where, "no host namespaces")
	}
	sc := pod.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		probs.add(where, "pod securityContext.runAsNonRoot must be true")
	}
	if sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != rosterUID {
		probs.add(where, "pod securityContext.runAsUser must be %d (the image's user)", rosterUID)
	}
	if sc == nil || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		probs.add(where, "pod securityContext.seccompProfile.type must be RuntimeDefault")
	}
}

func checkContainerSecurity(where string, pod *corev1.PodSpec, c *corev1.Container, probs *problems) {
	sc := c.SecurityContext
	if sc == nil {
		probs.add(where, "container roster: securityContext is required")
		return
	}
	if sc.RunAsNonRoot != nil && !*sc.RunAsNonRoot {
		probs.add(where, "container roster: securityContext.runAsNonRoot must not be false")
	}
	if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
		probs.add(where, "container roster: securityContext.runAsUser must not be 0")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		probs.add(where, "container roster: securityContext.readOnlyRootFilesystem must be true")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		probs.add(where, "container roster: securityContext.allowPrivilegeEscalation must be false")
	}
	if sc.Privileged != nil && *sc.Privileged {
		probs.add(where, "container roster: must not be privileged")
	}
	dropsAll := false
	if sc.Capabilities != nil {
		for _, cap := range sc.Capabilities.Drop {
			dropsAll = dropsAll || cap == "ALL"
		}
		if len(sc.Capabilities.Add) > 0 {
			probs.add(where, "container roster: securityContext.capabilities.add must be empty")
		}
	}
	if !dropsAll {
		probs.add(where, "container roster: securityContext.capabilities.drop must hold ALL")
	}
	if sc.SeccompProfile != nil && sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		probs.add(where, "container roster: securityContext.seccompProfile.type must be RuntimeDefault")
	}
}

// checkProbes: the kubelet's native grpc probes, each on the health name
// roster serves it on, on the gRPC port.
func checkProbes(where string, c *corev1.Container, grpcPort int32, probs *problems) {
	probes := map[string]*corev1.Probe{
		"startupProbe":   c.StartupProbe,
		"livenessProbe":  c.LivenessProbe,
		"readinessProbe": c.ReadinessProbe,
	}
	for kind, want := range probeServices {
		p := probes[kind]
		switch {
		case p == nil:
			probs.add(where, "container roster: %s is required", kind)
		case p.GRPC == nil:
			probs.add(where, "container roster: %s must be a grpc probe", kind)
		case p.GRPC.Service == nil || *p.GRPC.Service != want:
			probs.add(where, "container roster: %s must ask health service %q", kind, want)
		case p.GRPC.Port != grpcPort:
			probs.add(where, "container roster: %s must probe port %d (grpc), not %d", kind, grpcPort, p.GRPC.Port)
		}
	}
}

// checkTermination: preStop sleeps (the image has no shell for an exec
// sleep), and the pod's grace outlasts preStop plus roster's own drain.
func checkTermination(where string, pod *corev1.PodSpec, c *corev1.Container, probs *problems) {
	var sleep time.Duration
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil {
		probs.add(where, "container roster: lifecycle.preStop.sleep is required")
	} else {
		if c.Lifecycle.PreStop.Exec != nil {
			probs.add(where, "container roster: preStop exec cannot run (the image has no shell or sleep)")
		}
		sleep = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	}
	grace := defaultShutdownGrace
	if e := env(c, "ROSTER_SHUTDOWN_GRACE"); e != nil {
		d, err := time.ParseDuration(e.Value)
		if err != nil {
			probs.add(where, "ROSTER_SHUTDOWN_GRACE %q: %v", e.Value, err)
		}
		grace = d
	}
	if pod.TerminationGracePeriodSeconds == nil {
		probs.add(where, "terminationGracePeriodSeconds is required")
		return
	}
	total := time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second
	if total <= sleep+grace {
		probs.add(where, "terminationGracePeriodSeconds (%s) must exceed preStop sleep (%s) + shutdown grace (%s)", total, sleep, grace)
	}
	if l := c.LivenessProbe; l != nil {
		window := time.Duration(l.PeriodSeconds*l.FailureThreshold) * time.Second
		if window <= grace {
			probs.add(where, "livenessProbe periodSeconds x failureThreshold (%s) must exceed the shutdown grace (%s)", window, grace)
		}
	}
}

// checkResources: requests and limits set, a whole number of CPUs as the
// limit, and tokio's worker count taken from that limit.
func checkResources(where string, c *corev1.Container, probs *problems) {
	r := c.Resources
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := r.Requests[name]; !ok {
			probs.add(where, "container roster: resources.requests.%s is required", name)
		}
		if _, ok := r.Limits[name]; !ok {
			probs.add(where, "container roster: resources.limits.%s is required", name)
		}
	}
	if cpu, ok := r.Limits[corev1.ResourceCPU]; ok && cpu.MilliValue()%1000 != 0 {
		probs.add(where, "container roster: resources.limits.cpu (%s) must be whole CPUs, the worker-thread count", cpu.String())
	}
	e := env(c, "TOKIO_WORKER_THREADS")
	if e == nil || e.ValueFrom == nil || e.ValueFrom.ResourceFieldRef == nil {
		probs.add(where, "container roster: TOKIO_WORKER_THREADS must come from resourceFieldRef limits.cpu")
		return
	}
	ref := e.ValueFrom.ResourceFieldRef
	one := resource.MustParse("1")
	if ref.Resource != "limits.cpu" || (ref.ContainerName != "" && ref.ContainerName != c.Name) ||
		(!ref.Divisor.IsZero() && ref.Divisor.Cmp(one) != 0) {
		probs.add(where, "container roster: TOKIO_WORKER_THREADS must be resourceFieldRef limits.cpu of roster, divisor 1")
	}
}

// checkMetrics: the metrics listener is on, on the port the pod's
// prometheus.io annotations name.
func checkMetrics(where string, tmpl *corev1.PodTemplateSpec, c *corev1.Container, port int32, probs *problems) {
	e := env(c, "ROSTER_METRICS_LISTEN")
	if e == nil || !strings.HasSuffix(e.Value, fmt.Sprintf(":%d", port)) {
		probs.add(where, "container roster: ROSTER_METRICS_LISTEN must listen on the metrics port %d", port)
	}
	a := tmpl.Annotations
	if a["prometheus.io/scrape"] != "true" || a["prometheus.io/port"] != fmt.Sprint(port) {
		probs.add(where, "pod template: annotations prometheus.io/scrape \"true\" and prometheus.io/port %q are required", fmt.Sprint(port))
	}
}

// checkSelected: a Service serving the pods' gRPC port as appProtocol grpc,
// and a PodDisruptionBudget covering them.
func checkSelected(where string, podLabels labels.Set, grpcPort int32,
	services []*corev1.Service, pdbs []*policyv1.PodDisruptionBudget, probs *problems) {
	served := false
	for _, svc := range services {
		if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels) {
			continue
		}
		for _, p := range svc.Spec.Ports {
			target := p.TargetPort.String()
			if (target == "grpc" || target == fmt.Sprint(grpcPort)) && p.AppProtocol != nil && *p.AppProtocol == "grpc" {
				served = true
			}
		}
	}
	if !served {
		probs.add(where, "no Service selects these pods with a port to grpc whose appProtocol is grpc")
	}
	covered := false
	for _, pdb := range pdbs {
		s, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err == nil && !s.Empty() && s.Matches(podLabels) {
			covered = true
		}
	}
	if !covered {
		probs.add(where, "no PodDisruptionBudget selects these pods")
	}
}

func checkService(where string, s *corev1.Service, probs *problems) {
	if len(s.Spec.Selector) == 0 {
		probs.add(where, "Service %s: a selector is required", s.Name)
	}
	if len(s.Spec.Ports) == 0 {
		probs.add(where, "Service %s: ports are required", s.Name)
	}
	for _, p := range s.Spec.Ports {
		if p.Port < 1 || p.Port > 65535 {
			probs.add(where, "Service %s: port %d out of range", s.Name, p.Port)
		}
		if p.AppProtocol == nil || *p.AppProtocol == "" {
			probs.add(where, "Service %s: port %s needs an appProtocol", s.Name, p.Name)
		}
	}
}

func checkPDB(where string, p *policyv1.PodDisruptionBudget, probs *problems) {
	if (p.Spec.MinAvailable == nil) == (p.Spec.MaxUnavailable == nil) {
		probs.add(where, "PodDisruptionBudget %s: exactly one of minAvailable and maxUnavailable", p.Name)
	}
	if p.Spec.Selector == nil || (len(p.Spec.Selector.MatchLabels) == 0 && len(p.Spec.Selector.MatchExpressions) == 0) {
		probs.add(where, "PodDisruptionBudget %s: a selector is required", p.Name)
	}
}

// checkKustomization: its resources exist, and every manifest beside it is
// one of them, or an example (*.example.yaml) applied by hand.
func checkKustomization(where, file string, k *kustomization, probs *problems) {
	dir := filepath.Dir(file)
	listed := map[string]bool{}
	for _, r := range k.Resources {
		listed[r] = true
		if _, err := os.Stat(filepath.Join(dir, r)); errors.Is(err, fs.ErrNotExist) {
			probs.add(where, "resource %s does not exist", r)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		probs.add(where, "%v", err)
		return
	}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".yaml") || n == filepath.Base(file) || strings.HasSuffix(n, ".example.yaml") {
			continue
		}
		if !listed[n] {
			probs.add(where, "%s is not among its resources", n)
		}
	}
}

func rosterContainer(pod *corev1.PodSpec) *corev1.Container {
	for i := range pod.Containers {
		if pod.Containers[i].Name == "roster" {
			return &pod.Containers[i]
		}
	}
	return nil
}

func env(c *corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

func containerPort(c *corev1.Container, name string) int32 {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return 0
}
