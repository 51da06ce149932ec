package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.CheckpointRestore;
import io.ckpt.forensics.api.CheckpointRestoreStatus;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.RestorePhase;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CheckpointRestore controller (issue 16 section 2): reads the restore's sandbox pod, and before one
 * exists the ForensicCheckpoint, the target Node and the original pod; asks the {@link RestorePlanner};
 * creates the sandbox ({@link SandboxPod}: ServiceAccount, deny-all NetworkPolicy, then the pod, so the
 * pod never exists without its policy); records status and Events. Pods are read with a direct GET on a
 * timer, never cached, so memory does not grow with the cluster's pods.
 */
@ControllerConfiguration(name = CheckpointRestoreReconciler.NAME)
public class CheckpointRestoreReconciler implements Reconciler<CheckpointRestore> {

  public static final String NAME = "checkpointrestore";
  static final String FORBIDDEN = "Forbidden";
  /** Warning Event: other NetworkPolicies select the sandbox pod and allow traffic. */
  static final String ALLOWING_POLICIES = "NetworkPoliciesAllowTraffic";
  /** Status writes refused with 409 Conflict, each followed by a fresh read, before the framework retries. */
  static final int MAX_CONFLICTING_WRITES = 3;

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointRestoreReconciler.class);

  private final KubernetesClient client;
  private final RestoreConfig config;
  private final Clock clock;
  private final CheckpointEvents events;

  public CheckpointRestoreReconciler(KubernetesClient client, RestoreConfig config, Clock clock,
      CheckpointEvents.Writer eventWriter, String instance) {
    this.client = client;
    this.config = config;
    this.clock = clock;
    this.events = new CheckpointEvents(client, clock, instance, eventWriter);
  }

  @Override
  public UpdateControl<CheckpointRestore> reconcile(CheckpointRestore resource, Context<CheckpointRestore> context) {
    CheckpointRestore restore = resource;
    for (int write = 1; ; write++) {
      try {
        Duration lookAgain = pass(restore);
        return lookAgain == null ? UpdateControl.noUpdate()
            : UpdateControl.<CheckpointRestore>noUpdate().rescheduleAfter(lookAgain);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || write >= MAX_CONFLICTING_WRITES) {
          throw e;
        }
        // the informer had not delivered our own last write yet: decide again on the current object
        restore = resources(restore).get();
        if (restore == null) {
          return UpdateControl.noUpdate();
        }
      }
    }
  }

  /** One decision and what it asks for; returns when to look again (null: not until something changes). */
  Duration pass(CheckpointRestore restore) {
    if (restore.getStatus() != null && restore.getStatus().getPhase() != null
        && restore.getStatus().getPhase().isTerminal()) {
      return null;
    }
    RestorePlanner.Decision decision;
    try {
      decision = RestorePlanner.decide(gather(restore));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw e;
      }
      decision = new RestorePlanner.Decision.Record(RestorePhase.Failed, FORBIDDEN, "the operator may not read what"
          + " a restore needs: " + apiMessage(e) + "; install the chart with restore.enabled=true, which grants"
          + " those rights", null);
    }
    if (decision instanceof RestorePlanner.Decision.Nothing nothing) {
      return nothing.lookAgain();
    }
    if (decision instanceof RestorePlanner.Decision.Record record) {
      record(restore, record.phase(), record.reason(), record.message(), record.runtime() == null ? null
          : status -> {
            status.setRuntime(record.runtime());
            status.setNodeName(restore.getSpec().getNodeName());
          });
      return record.lookAgain();
    }
    RestorePlanner.Decision.Create create = (RestorePlanner.Decision.Create) decision;
    return createSandbox(restore, create);
  }

  /** What the planner needs: the sandbox pod, and until one exists, the checkpoint, node and original pod. */
  private RestorePlanner.Facts gather(CheckpointRestore restore) {
    String namespace = restore.getMetadata().getNamespace();
    Pod sandbox = client.pods().inNamespace(namespace).withName(SandboxPod.name(restore)).get();
    boolean created = restore.getStatus() != null && restore.getStatus().getPodName() != null;
    if (sandbox != null || created) {
      return new RestorePlanner.Facts(restore, null, null, sandbox, null, config);
    }
    ForensicCheckpoint checkpoint = client.resources(ForensicCheckpoint.class).inNamespace(namespace)
        .withName(restore.getSpec().getCheckpointName()).get();
    Node node = client.nodes().withName(restore.getSpec().getNodeName()).get();
    Pod original = null;
    if (checkpoint != null && checkpoint.getSpec() != null && checkpoint.getSpec().getPodName() != null) {
      original = client.pods().inNamespace(namespace).withName(checkpoint.getSpec().getPodName()).get();
    }
    return new RestorePlanner.Facts(restore, checkpoint, node, null, original, config, clock.instant());
  }

  private Duration createSandbox(CheckpointRestore restore, RestorePlanner.Decision.Create create) {
    SandboxPod.Plan plan = create.plan();
    events.normal(restore, "Restoring", "checkpoint " + plan.checkpointName() + " container " + plan.container()
        + ", image " + plan.image() + ", node " + plan.nodeName() + " (" + create.runtime() + "): creating the"
        + " sandbox");
    String namespace = restore.getMetadata().getNamespace();
    String name = SandboxPod.name(restore);
    String refused = ensure(restore, SandboxPod.serviceAccount(restore),
        () -> client.serviceAccounts().inNamespace(namespace).withName(name).get());
    if (refused == null) {
      refused = ensure(restore, SandboxPod.denyAll(restore),
          () -> client.network().v1().networkPolicies().inNamespace(namespace).withName(name).get());
      if (refused == null) {
        events.normal(restore, "NetworkPolicyCreated", "deny-all ingress and egress NetworkPolicy "
            + SandboxPod.name(restore) + " selects " + CheckpointRestore.RESTORE_LABEL + "="
            + restore.getMetadata().getName());
        warnOfAllowingPolicies(restore);
      }
    }
    if (refused == null) {
      refused = ensure(restore, SandboxPod.pod(restore, plan),
          () -> client.pods().inNamespace(namespace).withName(name).get());
    }
    if (refused != null) {
      String reason = refused.startsWith(RestorePlanner.NAME_TAKEN + ":") ? RestorePlanner.NAME_TAKEN
          : RestorePlanner.SANDBOX_REFUSED;
      record(restore, RestorePhase.Failed, reason, refused.substring(refused.indexOf(':') + 2), null);
      return null;
    }
    events.normal(restore, "SandboxPodCreated", "pod " + SandboxPod.name(restore) + " on node " + plan.nodeName()
        + " from " + plan.image() + ": no service-account token, no host namespaces, no privilege, all"
        + " capabilities dropped, seccomp RuntimeDefault" + (plan.runtimeClassName() == null ? ""
            : ", runtime class " + plan.runtimeClassName()));
    record(restore, RestorePhase.Creating, RestorePlanner.SANDBOX_CREATING, "sandbox pod " + SandboxPod.name(restore)
        + " created on node " + plan.nodeName() + ", waiting for it to run", status -> {
          status.setPodName(SandboxPod.name(restore));
          status.setImage(plan.image());
          status.setNodeName(plan.nodeName());
          status.setRuntime(create.runtime());
        });
    return RestorePlanner.WAIT_STARTING;
  }

  /**
   * NetworkPolicies add up, so another policy of the namespace that selects the sandbox pod and allows
   * traffic lets that traffic through despite the deny-all one: say which, as a Warning Event, before the
   * pod exists. Whether that traffic matters is the analyst's call, not the operator's.
   */
  private void warnOfAllowingPolicies(CheckpointRestore restore) {
    String namespace = restore.getMetadata().getNamespace();
    try {
      List<String> allowing = AllowingPolicies.selecting(SandboxPod.labels(restore),
          client.network().v1().networkPolicies().inNamespace(namespace).list().getItems(), SandboxPod.name(restore));
      if (!allowing.isEmpty()) {
        String message = "NetworkPolicies of namespace " + namespace + " also select the sandbox pod and allow"
            + " traffic, which the deny-all policy cannot take back: " + String.join(", ", allowing)
            + " (docs/security.md#sandbox-restore)";
        events.warning(restore, ALLOWING_POLICIES, message);
        LOG.warn("restore fcr={}/{} allowingNetworkPolicies={}", namespace, restore.getMetadata().getName(), allowing);
      }
    } catch (KubernetesClientException e) {
      events.warning(restore, ALLOWING_POLICIES, "could not list the NetworkPolicies of namespace " + namespace
          + " to check that none lets traffic through to the sandbox pod (HTTP " + e.getCode() + "); the chart grants"
          + " list on networkpolicies with restore.enabled=true");
    }
  }

  /**
   * Creates {@code object}, or finds the one this restore made before (a retry after a restart): null when it
   * is there; else "NameTaken: ..." or "SandboxPodRefused: ..." with the API server's words.
   */
  private <T extends HasMetadata> String ensure(CheckpointRestore restore, T object, Supplier<T> existing) {
    String what = object.getKind() + " " + object.getMetadata().getName();
    try {
      client.resource(object).create();
      LOG.info("restore fcr={}/{} created={}", restore.getMetadata().getNamespace(), restore.getMetadata().getName(),
          what);
      return null;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        T found = existing.get();
        if (found != null && SandboxPod.ownedBy(found, restore)) {
          return null;
        }
        return RestorePlanner.NAME_TAKEN + ": a " + what + " exists in this namespace that this CheckpointRestore"
            + " did not create; delete or rename it, or create the restore under another name";
      }
      if (e.getCode() >= 500 || e.getCode() == 0 || e.getCode() == 429) {
        throw e; // the API server is unwell: decide again after the framework's backoff
      }
      return RestorePlanner.SANDBOX_REFUSED + ": the API server refused to create " + what + " (HTTP " + e.getCode()
          + "): " + apiMessage(e) + (e.getCode() == 403 && apiMessage(e).contains("cannot create")
              ? "; the chart grants the operator this right with restore.enabled=true" : "");
    }
  }

  /** Writes phase, reason, message and conditions (and {@code more}), unless they are what status already says. */
  private void record(CheckpointRestore restore, RestorePhase phase, String reason, String message,
      Consumer<CheckpointRestoreStatus> more) {
    CheckpointRestoreStatus current = restore.getStatus();
    Long generation = restore.getMetadata().getGeneration();
    if (more == null && current != null && current.getPhase() == phase && Objects.equals(current.getMessage(), message)
        && Objects.equals(current.getObservedGeneration(), generation)) {
      return;
    }
    CheckpointRestoreStatus status = current == null ? new CheckpointRestoreStatus()
        : client.getKubernetesSerialization().clone(current);
    status.setPhase(phase);
    status.setMessage(message);
    status.setObservedGeneration(generation);
    if (more != null) {
      more.accept(status);
    }
    Conditions.set(status.getConditions(), Conditions.READY, phase == RestorePhase.Running, reason, message,
        generation, clock);
    Conditions.set(status.getConditions(), Conditions.FAILED, phase == RestorePhase.Failed,
        phase == RestorePhase.Failed ? reason : Conditions.REASON_NOT_FAILED, phase == RestorePhase.Failed ? message
            : "", generation, clock);
    CheckpointRestore body = new CheckpointRestore();
    body.setMetadata(new ObjectMetaBuilder().withName(restore.getMetadata().getName())
        .withNamespace(restore.getMetadata().getNamespace())
        .withResourceVersion(restore.getMetadata().getResourceVersion()).build());
    body.setSpec(restore.getSpec());
    body.setStatus(status);
    client.resources(CheckpointRestore.class).inNamespace(restore.getMetadata().getNamespace()).resource(body)
        .updateStatus();
    boolean changedPhase = current == null || current.getPhase() != phase;
    LOG.info("restore fcr={}/{} phase={} reason={} message=\"{}\"", restore.getMetadata().getNamespace(),
        restore.getMetadata().getName(), phase, reason, message);
    if (phase == RestorePhase.Failed) {
      events.warning(restore, reason, message);
    } else if (changedPhase && phase != RestorePhase.Creating) { // Creating has its SandboxPodCreated event
      events.normal(restore, reason, message);
    }
  }

  private Resource<CheckpointRestore> resources(CheckpointRestore restore) {
    return client.resources(CheckpointRestore.class).inNamespace(restore.getMetadata().getNamespace())
        .withName(restore.getMetadata().getName());
  }

  /** The API server's own refusal text (names the verb, resource and user; never a token). */
  private static String apiMessage(KubernetesClientException e) {
    String text = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
        : String.valueOf(e.getMessage());
    String flat = text.replaceAll("\\p{Cntrl}", " ").strip();
    return flat.length() > 512 ? flat.substring(0, 512) + "..." : flat;
  }
}
