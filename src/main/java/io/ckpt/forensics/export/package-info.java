/**
 * Turns a checkpoint archive into an OCI image that CRI-O and containerd restore from (issue 16
 * §1): the sanitized layer, the runtimes' checkpoint annotations, an OCI image layout on disk or a
 * push to a registry through Jib's registry client. No Kubernetes client: fcp and the collector use
 * it without a cluster.
 */
package io.ckpt.forensics.export;
