{{/* Chart name, for app.kubernetes.io/name. */}}
{{- define "fcp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name, the prefix of every object. As in `helm create`, except that a
release name that starts the chart name (the documented "forensic-checkpoint")
yields the chart name, not "forensic-checkpoint-forensic-checkpoint-operator".
*/}}
{{- define "fcp.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if or (contains $name .Release.Name) (hasPrefix (printf "%s-" .Release.Name) $name) }}
{{- $name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "fcp.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "fcp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fcp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "fcp.labels" -}}
{{ include "fcp.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "fcp.chart" . }}
{{- end }}

{{- define "fcp.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "fcp.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name must name an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "fcp.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The operator's ServiceAccount as an RBAC subject. */}}
{{- define "fcp.subject" -}}
- kind: ServiceAccount
  name: {{ include "fcp.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
{{- end }}

{{/* Rules on namespaced objects: bound cluster-wide or per watched namespace. */}}
{{- define "fcp.namespacedRules" -}}
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
- apiGroups: ["forensics.ckpt.io"]
  resources: ["forensiccheckpoints"]
  # delete: only what spec.ttlSecondsAfterFinished asks for, once the record is not an
  # archive's only one (RecordExpiry); patch, with evidence custody: the finalizer an object
  # holds while its collector runs (CollectionFinalizer; spec itself is immutable)
  verbs: ["get", "list", "watch", "delete"{{ if .Values.evidence.store }}, "patch"{{ end }}]
- apiGroups: ["forensics.ckpt.io"]
  resources: ["forensiccheckpoints/status"]
  verbs: ["get", "update", "patch"]
{{- if .Values.alerts.enabled }}
# alert receiver (alerts.enabled): read CheckpointPolicies, count in their status, and create
# ForensicCheckpoints; admission-alert-checkpoints.yaml admits the operator's creates only
# labelled with a CheckpointPolicy
- apiGroups: ["forensics.ckpt.io"]
  resources: ["checkpointpolicies"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["forensics.ckpt.io"]
  resources: ["checkpointpolicies/status"]
  verbs: ["patch"]
- apiGroups: ["forensics.ckpt.io"]
  resources: ["forensiccheckpoints"]
  verbs: ["create"]
{{- if .Values.alerts.containment.enabled }}
# containment (alerts.containment.enabled): after a policy's checkpoint is stored, label its pod
# and ensure the namespace's deny-all NetworkPolicy; without it the operator cannot do either
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["patch"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["create", "get"]
{{- end }}
{{- end }}
{{- if .Values.restore.enabled }}
# sandbox restore (restore.enabled): the CheckpointRestores, and the sandbox each makes: a pod
# (deleted with its restore by the garbage collector, so no delete), a deny-all NetworkPolicy and
# an empty ServiceAccount (get: to recognise its own after a restart; list networkpolicies: to
# warn of other policies that let traffic through to the sandbox)
- apiGroups: ["forensics.ckpt.io"]
  resources: ["checkpointrestores"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["forensics.ckpt.io"]
  resources: ["checkpointrestores/status"]
  verbs: ["get", "update", "patch"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["create"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["create", "get", "list"]
- apiGroups: [""]
  resources: ["serviceaccounts"]
  verbs: ["create", "get"]
{{- end }}
{{- if and .Values.evidence.store .Values.evidence.fallbackBundles }}
# fallback bundles (evidence.fallbackBundles): a failed checkpoint's pod logs and events
- apiGroups: [""]
  resources: ["pods/log"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["list"]
{{- end }}
{{- end }}

{{/*
Rules on nodes, cluster-wide (nodes are not namespaced), for the chosen transport:
proxy needs create nodes/proxy (see values.yaml for what else it allows);
direct needs get nodes (the kubelet's address), as do fallback bundles and restore; the kubelet checks create
nodes/checkpoint of the checkpointer account (kubelet-checkpointer.yaml).
*/}}
{{- define "fcp.nodeRules" -}}
{{- if eq .Values.transport "direct" -}}
- apiGroups: [""]
  resources: ["nodes"]
  verbs: ["get"]
{{- else if and .Values.evidence.store .Values.evidence.fallbackBundles -}}
- apiGroups: [""]
  resources: ["nodes/proxy"]
  verbs: ["create"]
# fallback bundles (evidence.fallbackBundles): the node's info
- apiGroups: [""]
  resources: ["nodes"]
  verbs: ["get"]
{{- else if .Values.restore.enabled -}}
- apiGroups: [""]
  resources: ["nodes/proxy"]
  verbs: ["create"]
# sandbox restore (restore.enabled): the target node's container runtime and version
- apiGroups: [""]
  resources: ["nodes"]
  verbs: ["get"]
{{- else -}}
- apiGroups: [""]
  resources: ["nodes/proxy"]
  verbs: ["create"]
{{- end }}
{{- end }}

{{/* Suffix of the cluster-wide node objects in watchNamespaces mode. */}}
{{- define "fcp.nodeRulesSuffix" -}}
{{- if eq .Values.transport "direct" }}node-checkpoint{{ else }}node-proxy{{ end }}
{{- end }}

{{/* Where the operator reads the kubelet CA bundle in direct mode. */}}
{{- define "fcp.kubeletCaFile" -}}
{{- if .Values.direct.kubeletCA.configMap }}
{{- printf "/etc/forensic-checkpoint/kubelet-ca/%s" .Values.direct.kubeletCA.key }}
{{- else }}
{{- print "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt" }}
{{- end }}
{{- end }}
