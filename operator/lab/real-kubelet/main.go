// Command real-kubelet runs the kubelet's own code as a lab node: the real kubelet (server,
// authentication, authorization, checkpoint handler, pod workers, status manager) with a fake CRI
// runtime, as kubemark's hollow node does, plus what the hollow node leaves out.
//
// Built by operator/provision from k8s.io/kubernetes at the pinned version (same wrapper module,
// replace lines and version stamping as kube-apiserver); started by the lab
// (src/test/java/io/ckpt/forensics/lab/RealKubeletNode.java) inside its network namespace.
//
// What it adds to kubemark's hollow kubelet (pkg/kubemark/hollow_kubelet.go):
//   - HTTPS with the lab's serving certificate (kubeletapp.InitializeTLS) and the kubelet's
//     authentication and authorization (kubeletapp.BuildAuth): anonymous off, webhook TokenReview
//     on, x509 client CA, authorization mode Webhook. Cache TTLs: --authn-cache-ttl and
//     --authz-cache-ttl, both 0 by default so that RBAC changes made by a test apply to the next
//     request (a real kubelet's defaults are 2 min for tokens, 5 min allowed / 30 s denied).
//   - Every path under --run-dir: root dir, pod logs, static pods, the CRI socket, the runtime's
//     call log. Nothing is written outside it (the hollow node uses /tmp/hollow-kubelet.*).
//   - A CRI runtime whose CheckpointContainer writes a real archive (a copy of --archive-fixture)
//     at the location the kubelet chose, and takes faults from --fault-file, read on every call:
//     {"code":"Unknown","message":"...","delayMillis":0}. "code" is a gRPC code name; with a
//     message the call fails with it ({{containerId}} and {{location}} in it are replaced by the
//     request's container ID and archive location, as a runtime's texts name them); the delay comes first and ends early when the kubelet's
//     deadline passes, so a delay beyond the effective timeout gives DeadlineExceeded.
//     Each call is appended as JSON lines to <run-dir>/runtime-calls.jsonl, one when it starts
//     (outcome "started") and one when it ends (container, location, the timeout the runtime was
//     given, outcome: "ok" or the error).
//
// What it is not: no CRIU, no container processes (the fake runtime's containers are records that
// are "running" once started), no cgroups, no real volumes (fake mounter), no images.
package main

import (
	"context"
	"encoding/json"
	goflag "flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"k8s.io/apimachinery/pkg/types"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/record"
	"k8s.io/component-base/version"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	remote "k8s.io/cri-client/pkg"
	fakeremote "k8s.io/cri-client/pkg/fake"
	"k8s.io/klog/v2"
	kubeletapp "k8s.io/kubernetes/cmd/kubelet/app"
	"k8s.io/kubernetes/cmd/kubelet/app/options"
	kubeletconfig "k8s.io/kubernetes/pkg/kubelet/apis/config"
	cadvisortest "k8s.io/kubernetes/pkg/kubelet/cadvisor/testing"
	"k8s.io/kubernetes/pkg/kubelet/cm"
	"k8s.io/kubernetes/pkg/kubemark"

	utilfeature "k8s.io/apiserver/pkg/util/feature"
)

// Unix socket paths are limited to 108 bytes (sun_path); the kubelet puts one at
// <root>/pod-resources/kubelet.sock.
const maxSocketPath = 107

type config struct {
	runDir, nodeName, nodeIP, kubeconfig                string
	servingCert, servingKey, clientCA                   string
	archiveFixture, faultFile                           string
	port                                                int
	maxPods                                             int
	runtimeRequestTimeout, authnCacheTTL, authzCacheTTL time.Duration
	checkpointGate                                      bool
}

func main() {
	var c config
	fs := goflag.NewFlagSet("real-kubelet", goflag.ExitOnError)
	klog.InitFlags(fs)
	fs.StringVar(&c.runDir, "run-dir", "", "the node's directory; everything this kubelet writes goes under it (required)")
	fs.StringVar(&c.nodeName, "node-name", "", "Node name (required)")
	fs.StringVar(&c.nodeIP, "node-ip", "", "InternalIP, also the serving address (required)")
	fs.IntVar(&c.port, "port", 10250, "HTTPS port")
	fs.StringVar(&c.kubeconfig, "kubeconfig", "", "client kubeconfig, identity system:node:<name> (default <run-dir>/kubeconfig)")
	fs.StringVar(&c.servingCert, "tls-cert-file", "", "serving certificate with the node IP (default <run-dir>/pki/serving.crt)")
	fs.StringVar(&c.servingKey, "tls-private-key-file", "", "its key (default <run-dir>/pki/serving.key)")
	fs.StringVar(&c.clientCA, "client-ca-file", "", "CA of client certificates (default <run-dir>/pki/client-ca.crt)")
	fs.StringVar(&c.archiveFixture, "archive-fixture", "", "archive copied to the kubelet's location on a successful checkpoint (required)")
	fs.StringVar(&c.faultFile, "fault-file", "", "runtime faults, read on every CheckpointContainer (default <run-dir>/runtime-fault.json)")
	fs.IntVar(&c.maxPods, "max-pods", 110, "pods this node accepts")
	fs.DurationVar(&c.runtimeRequestTimeout, "runtime-request-timeout", 2*time.Minute, "the kubelet's runtimeRequestTimeout")
	fs.DurationVar(&c.authnCacheTTL, "authn-cache-ttl", 0, "TokenReview cache TTL (a real kubelet: 2m)")
	fs.DurationVar(&c.authzCacheTTL, "authz-cache-ttl", 0, "SubjectAccessReview cache TTL, allowed and denied (a real kubelet: 5m and 30s)")
	fs.BoolVar(&c.checkpointGate, "checkpoint-gate", true, "the ContainerCheckpoint feature gate")
	_ = fs.Parse(os.Args[1:])
	if err := c.complete(); err != nil {
		fmt.Fprintln(os.Stderr, "real-kubelet:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, &c); err != nil {
		fmt.Fprintln(os.Stderr, "real-kubelet:", err)
		os.Exit(1)
	}
}

func (c *config) complete() error {
	for name, v := range map[string]string{"--run-dir": c.runDir, "--node-name": c.nodeName, "--node-ip": c.nodeIP,
		"--archive-fixture": c.archiveFixture} {
		if v == "" {
			return fmt.Errorf("%s is required", name)
		}
	}
	if net.ParseIP(c.nodeIP) == nil {
		return fmt.Errorf("--node-ip %q is not an IP address", c.nodeIP)
	}
	abs, err := filepath.Abs(c.runDir)
	if err != nil {
		return err
	}
	c.runDir = abs
	def := func(v *string, rel string) {
		if *v == "" {
			*v = filepath.Join(c.runDir, rel)
		}
	}
	def(&c.kubeconfig, "kubeconfig")
	def(&c.servingCert, "pki/serving.crt")
	def(&c.servingKey, "pki/serving.key")
	def(&c.clientCA, "pki/client-ca.crt")
	def(&c.faultFile, "runtime-fault.json")
	if n := len(c.podResourcesSocket()); n > maxSocketPath {
		return fmt.Errorf("--run-dir is too long: the kubelet's socket %s would be %d bytes, unix sockets allow %d; use a shorter run directory",
			c.podResourcesSocket(), n, maxSocketPath)
	}
	return nil
}

func (c *config) rootDir() string   { return filepath.Join(c.runDir, "root") }
func (c *config) criSocket() string { return filepath.Join(c.runDir, "cri.sock") }
func (c *config) podResourcesSocket() string {
	return filepath.Join(c.rootDir(), "pod-resources", "kubelet.sock")
}

func run(ctx context.Context, c *config) error {
	klog.InfoS("real-kubelet", "version", version.Get().GitVersion, "node", c.nodeName, "ip", c.nodeIP, "runDir", c.runDir)
	if err := utilfeature.DefaultMutableFeatureGate.SetFromMap(map[string]bool{
		"ContainerCheckpoint": c.checkpointGate,
		// only consulted when /dev/kmsg cannot be opened (kubelet.go, oomwatcher), as in a user namespace
		"KubeletInUserNamespace": true,
	}); err != nil {
		return err
	}
	for _, d := range []string{c.rootDir(), filepath.Join(c.rootDir(), "static-pods"), filepath.Join(c.rootDir(), "pod-logs")} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return err
		}
	}

	restConfig, err := clientcmd.BuildConfigFromFlags("", c.kubeconfig)
	if err != nil {
		return fmt.Errorf("kubeconfig %s: %w", c.kubeconfig, err)
	}
	restConfig.UserAgent = "real-kubelet/" + c.nodeName
	restConfig.ContentType = "application/vnd.kubernetes.protobuf"
	client, err := clientset.NewForConfig(restConfig)
	if err != nil {
		return err
	}
	flags, kc := kubeletConfiguration(c)
	heartbeatConfig := *restConfig
	heartbeatConfig.Timeout = kc.NodeStatusUpdateFrequency.Duration
	heartbeatConfig.QPS = -1
	heartbeatClient, err := clientset.NewForConfig(&heartbeatConfig)
	if err != nil {
		return err
	}

	// The CRI runtime: kubemark's fake, served over gRPC on a socket under the run dir, with our
	// CheckpointContainer. The kubelet talks to it through the real CRI client (k8s.io/cri-client),
	// which applies the checkpoint timeout rule (the larger of ?timeout and runtimeRequestTimeout).
	fake := fakeremote.NewFakeRemoteRuntime()
	fake.RuntimeService.FakeStatus = &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{
		{Type: runtimeapi.RuntimeReady, Status: true}, {Type: runtimeapi.NetworkReady, Status: true}}}
	rt := &checkpointingRuntime{RemoteRuntime: fake, fixture: c.archiveFixture, faultFile: c.faultFile,
		callLog: filepath.Join(c.runDir, "runtime-calls.jsonl")}
	_ = os.Remove(c.criSocket())
	listener, err := net.Listen("unix", c.criSocket())
	if err != nil {
		return fmt.Errorf("CRI socket: %w", err)
	}
	grpcServer := grpc.NewServer()
	runtimeapi.RegisterRuntimeServiceServer(grpcServer, rt)
	runtimeapi.RegisterImageServiceServer(grpcServer, fake)
	go func() { _ = grpcServer.Serve(listener) }()
	defer grpcServer.Stop()
	endpoint := "unix://" + c.criSocket()
	kc.ContainerRuntimeEndpoint = endpoint
	kc.ImageServiceEndpoint = endpoint
	// as the kubelet does (PreInitRuntimeService): the connection timeout is runtimeRequestTimeout
	runtimeService, err := remote.NewRemoteRuntimeServiceBuilder().WithEndpoint(endpoint).
		WithConnectionTimeout(kc.RuntimeRequestTimeout.Duration).Build(ctx)
	if err != nil {
		return fmt.Errorf("CRI client: %w", err)
	}

	hollow := kubemark.NewHollowKubelet(flags, kc, client, heartbeatClient, &cadvisortest.Fake{NodeName: c.nodeName},
		fake.ImageService, runtimeService, cm.NewStubContainerManager())
	deps := hollow.KubeletDeps
	deps.Recorder = &record.FakeRecorder{}
	// What the hollow node leaves out: HTTPS and the kubelet's authn/authz filter.
	if deps.TLSOptions, err = kubeletapp.InitializeTLS(ctx, flags, kc); err != nil {
		return fmt.Errorf("TLS: %w", err)
	}
	auth, runCAReload, err := kubeletapp.BuildAuth(types.NodeName(c.nodeName), client, *kc)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	deps.Auth = auth
	runCAReload(ctx.Done())

	if err := kubeletapp.RunKubelet(ctx, &options.KubeletServer{KubeletFlags: *flags, KubeletConfiguration: *kc}, deps); err != nil {
		return fmt.Errorf("kubelet: %w", err)
	}
	klog.InfoS("real-kubelet started", "node", c.nodeName, "serving", fmt.Sprintf("https://%s:%d", c.nodeIP, c.port))
	<-ctx.Done()
	klog.InfoS("real-kubelet stopping", "node", c.nodeName)
	return nil
}

// kubeletConfiguration: kubemark's hollow settings (GetHollowKubeletConfig) with our paths, and
// the serving, authentication and authorization settings of a kubeadm-like node.
func kubeletConfiguration(c *config) (*options.KubeletFlags, *kubeletconfig.KubeletConfiguration) {
	f := options.NewKubeletFlags()
	f.RootDirectory = c.rootDir()
	f.CertDirectory = filepath.Join(c.runDir, "pki")
	f.HostnameOverride = c.nodeName
	f.NodeIP = c.nodeIP
	f.KubeConfig = c.kubeconfig
	f.MinimumGCAge.Duration = time.Minute
	f.MaxContainerCount = 100
	f.MaxPerPodContainerCount = 2

	kc, err := options.NewKubeletConfiguration()
	if err != nil {
		panic(err)
	}
	kc.StaticPodURL = ""
	kc.StaticPodPath = filepath.Join(c.rootDir(), "static-pods")
	kc.PodLogsDir = filepath.Join(c.rootDir(), "pod-logs")
	kc.EnableServer = true
	kc.Address = c.nodeIP
	kc.Port = int32(c.port)
	kc.ReadOnlyPort = 0
	kc.HealthzPort = 0 // several kubelets share the namespace's loopback
	kc.FileCheckFrequency.Duration = 20 * time.Second
	kc.HTTPCheckFrequency.Duration = 20 * time.Second
	kc.NodeStatusUpdateFrequency.Duration = 10 * time.Second
	kc.NodeStatusReportFrequency.Duration = 5 * time.Minute
	kc.SyncFrequency.Duration = 10 * time.Second
	kc.EvictionPressureTransitionPeriod.Duration = 5 * time.Minute
	kc.MaxPods = int32(c.maxPods)
	kc.PodsPerCore = 0
	kc.ClusterDNS = []string{}
	kc.ImageGCHighThresholdPercent = 90
	kc.ImageGCLowThresholdPercent = 80
	kc.ProviderID = "lab://" + c.nodeName
	kc.VolumeStatsAggPeriod.Duration = time.Minute
	kc.CgroupRoot = ""
	kc.CPUCFSQuota = true
	kc.EnableControllerAttachDetach = false
	kc.EnableDebuggingHandlers = true
	kc.CgroupsPerQOS = false
	kc.HairpinMode = kubeletconfig.HairpinVeth
	kc.MaxOpenFiles = 1024
	kc.RegistryBurst = 10
	kc.RegistryPullQPS = 5.0
	kc.ResolverConfig = "" // no DNS config of the machine's
	kc.KubeletCgroups = "/kubelet"
	kc.SerializeImagePulls = true
	kc.SystemCgroups = ""
	kc.ProtectKernelDefaults = false
	kc.RegisterNode = true
	kc.LocalStorageCapacityIsolation = true
	kc.RuntimeRequestTimeout.Duration = c.runtimeRequestTimeout

	kc.TLSCertFile = c.servingCert
	kc.TLSPrivateKeyFile = c.servingKey
	kc.Authentication.Anonymous.Enabled = false
	kc.Authentication.Webhook.Enabled = true
	kc.Authentication.Webhook.CacheTTL.Duration = c.authnCacheTTL
	kc.Authentication.X509.ClientCAFile = c.clientCA
	kc.Authorization.Mode = kubeletconfig.KubeletAuthorizationModeWebhook
	kc.Authorization.Webhook.CacheAuthorizedTTL.Duration = c.authzCacheTTL
	kc.Authorization.Webhook.CacheUnauthorizedTTL.Duration = c.authzCacheTTL
	return f, kc
}

// checkpointingRuntime is the fake CRI runtime with a CheckpointContainer that writes an archive.
type checkpointingRuntime struct {
	*fakeremote.RemoteRuntime
	fixture, faultFile, callLog string
	logMu                       sync.Mutex
}

// fault is the test's instruction for the next CheckpointContainer calls.
type fault struct {
	Code        string `json:"code"`
	Message     string `json:"message"`
	DelayMillis int64  `json:"delayMillis"`
}

func (r *checkpointingRuntime) CheckpointContainer(ctx context.Context, req *runtimeapi.CheckpointContainerRequest) (*runtimeapi.CheckpointContainerResponse, error) {
	start := time.Now()
	r.record(start, req, "started")
	err := r.checkpoint(ctx, req)
	outcome := "ok"
	if err != nil {
		outcome = err.Error()
	}
	r.record(start, req, outcome)
	if err != nil {
		return nil, err
	}
	return &runtimeapi.CheckpointContainerResponse{}, nil
}

func (r *checkpointingRuntime) checkpoint(ctx context.Context, req *runtimeapi.CheckpointContainerRequest) error {
	if _, err := r.RuntimeService.ContainerStatus(ctx, req.ContainerId, false); err != nil {
		return status.Errorf(codes.NotFound, "could not find container %q: %v", req.ContainerId, err)
	}
	f, err := r.readFault()
	if err != nil {
		return status.Errorf(codes.Internal, "lab fault file %s: %v", r.faultFile, err)
	}
	if f.DelayMillis > 0 {
		select {
		case <-time.After(time.Duration(f.DelayMillis) * time.Millisecond):
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	}
	if f.Message != "" {
		code, ok := codeNamed(f.Code)
		if !ok {
			return status.Errorf(codes.Internal, "lab fault file %s: %q is not a gRPC code name (e.g. Unknown, Unimplemented)", r.faultFile, f.Code)
		}
		return status.Error(code, strings.NewReplacer("{{containerId}}", req.ContainerId, "{{location}}", req.Location).Replace(f.Message))
	}
	return copyFile(r.fixture, req.Location)
}

// codeNamed: a gRPC code by the name its String() gives (the name in "rpc error: code = <name>"); "" is Unknown.
func codeNamed(name string) (codes.Code, bool) {
	if name == "" {
		return codes.Unknown, true
	}
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		if c.String() == name {
			return c, true
		}
	}
	return codes.Unknown, false
}

func (r *checkpointingRuntime) readFault() (fault, error) {
	var f fault
	data, err := os.ReadFile(r.faultFile)
	if os.IsNotExist(err) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	return f, json.Unmarshal(data, &f)
}

// copyFile writes the fixture at the kubelet's location. Like CRI-O and containerd it opens the
// path without truncating: two checkpoints in one second share one name (kubelet.go uses RFC 3339
// times) and the second writes over the first.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return status.Errorf(codes.Unknown, "archive fixture: %v", err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return status.Errorf(codes.Unknown, "error creating checkpoint export file %q: %v", to, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return status.Errorf(codes.Unknown, "writing %q: %v", to, err)
	}
	return out.Close()
}

// record appends one line per call when it starts (outcome "started") and one when it ends.
func (r *checkpointingRuntime) record(start time.Time, req *runtimeapi.CheckpointContainerRequest, outcome string) {
	line, _ := json.Marshal(map[string]any{
		"start": start.UTC().Format(time.RFC3339Nano), "millis": time.Since(start).Milliseconds(),
		"containerId": req.ContainerId, "location": req.Location, "timeoutSeconds": req.Timeout, "outcome": outcome,
	})
	r.logMu.Lock()
	defer r.logMu.Unlock()
	f, ferr := os.OpenFile(r.callLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if ferr != nil {
		klog.ErrorS(ferr, "runtime call log")
		return
	}
	defer f.Close()
	_, _ = f.Write(append(line, '\n'))
}
