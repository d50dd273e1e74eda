import {
  embed,
  goAny,
  goBool,
  goDuration,
  goInt,
  goOpaque,
  goParamValue,
  goRawExtension,
  goString,
  goTime,
  lazy,
  map,
  opt,
  pointer,
  req,
  slice,
  struct,
  type GoType,
} from "./go-type.ts";

/**
 * Field lists and omitempty rules of the `tekton.dev/v1` Go types (and the Kubernetes types they
 * embed) that end up in provenance. Kubernetes structs that never need their zero values printed
 * are kept `opaque` (as given).
 */

// --- Kubernetes --------------------------------------------------------------------------------

const resourceRequirements = struct(opt("limits", map(goAny)), opt("requests", map(goAny)), opt("claims", goOpaque));

const envVar = struct(req("name", goString), opt("value", goString), opt("valueFrom", goOpaque));

const volumeMount = struct(
  req("name", goString),
  opt("readOnly", goBool),
  opt("recursiveReadOnly", goOpaque),
  req("mountPath", goString),
  opt("subPath", goString),
  opt("mountPropagation", goString),
  opt("subPathExpr", goString),
);

const volumeDevice = struct(req("name", goString), req("devicePath", goString));

const typeMeta = struct(opt("kind", goString), opt("apiVersion", goString));
const runtimeTypeMeta = struct(opt("apiVersion", goString), opt("kind", goString));

const ownerReference = struct(
  req("apiVersion", goString),
  req("kind", goString),
  req("name", goString),
  req("uid", goString),
  opt("controller", pointer(goBool)),
  opt("blockOwnerDeletion", pointer(goBool)),
);

const objectMeta = struct(
  opt("name", goString),
  opt("generateName", goString),
  opt("namespace", goString),
  opt("selfLink", goString),
  opt("uid", goString),
  opt("resourceVersion", goString),
  opt("generation", goInt),
  opt("creationTimestamp", goTime),
  opt("deletionTimestamp", pointer(goTime)),
  opt("deletionGracePeriodSeconds", pointer(goInt)),
  opt("labels", map(goString)),
  opt("annotations", map(goString)),
  opt("ownerReferences", slice(ownerReference)),
  opt("finalizers", slice(goString)),
  opt("managedFields", goOpaque),
);

const containerStateTerminated = struct(
  req("exitCode", goInt),
  opt("signal", goInt),
  opt("reason", goString),
  opt("message", goString),
  opt("startedAt", goTime),
  opt("finishedAt", goTime),
  opt("containerID", goString),
);

const containerState = struct(
  opt("waiting", pointer(struct(opt("reason", goString), opt("message", goString)))),
  opt("running", pointer(struct(opt("startedAt", goTime)))),
  opt("terminated", pointer(containerStateTerminated)),
);

// --- Tekton ------------------------------------------------------------------------------------

const propertySpec = struct(opt("type", goString));

export const param = struct(req("name", goString), req("value", goParamValue));
const params = slice(param);

export const paramSpec = struct(
  req("name", goString),
  opt("type", goString),
  opt("description", goString),
  opt("properties", map(propertySpec)),
  opt("default", pointer(goParamValue)),
  opt("enum", slice(goString)),
);

const resolverRef = struct(opt("resolver", goString), opt("params", params));

export const taskRef = struct(
  opt("name", goString),
  opt("kind", goString),
  opt("apiVersion", goString),
  embed(resolverRef),
);

const pipelineRef = struct(opt("name", goString), opt("apiVersion", goString), embed(resolverRef));

const whenExpression = struct(
  opt("input", goString),
  opt("operator", goString),
  opt("values", slice(goString)),
  opt("cel", goString),
);

const stepOutputConfig = struct(opt("path", goString));
const workspaceUsage = struct(req("name", goString), req("mountPath", goString));

const stepResult = struct(
  req("name", goString),
  opt("type", goString),
  opt("properties", map(propertySpec)),
  opt("description", goString),
);

const containerFields = [
  opt("image", goString),
  opt("command", slice(goString)),
  opt("args", slice(goString)),
  opt("workingDir", goString),
  opt("envFrom", goOpaque),
  opt("env", slice(envVar)),
  opt("computeResources", resourceRequirements),
  opt("volumeMounts", slice(volumeMount)),
  opt("volumeDevices", slice(volumeDevice)),
  opt("imagePullPolicy", goString),
  opt("securityContext", goOpaque),
] as const;

const step = struct(
  req("name", goString),
  ...containerFields,
  opt("script", goString),
  opt("timeout", pointer(goDuration)),
  opt("workspaces", slice(workspaceUsage)),
  opt("onError", goString),
  opt("stdoutConfig", pointer(stepOutputConfig)),
  opt("stderrConfig", pointer(stepOutputConfig)),
  opt("ref", pointer(embedRef())),
  opt("params", params),
  opt("results", slice(stepResult)),
  opt("when", slice(whenExpression)),
);

function embedRef(): GoType {
  return struct(opt("name", goString), embed(resolverRef));
}

const stepTemplate = struct(...containerFields);

const sidecar = struct(
  req("name", goString),
  ...containerFields.slice(0, 6),
  opt("ports", goOpaque),
  ...containerFields.slice(6),
  opt("livenessProbe", goOpaque),
  opt("readinessProbe", goOpaque),
  opt("startupProbe", goOpaque),
  opt("lifecycle", goOpaque),
  opt("terminationMessagePath", goString),
  opt("terminationMessagePolicy", goString),
  opt("stdin", goBool),
  opt("stdinOnce", goBool),
  opt("tty", goBool),
  opt("script", goString),
  opt("workspaces", slice(workspaceUsage)),
  opt("restartPolicy", pointer(goString)),
);

const workspaceDeclaration = struct(
  req("name", goString),
  opt("description", goString),
  opt("mountPath", goString),
  opt("readOnly", goBool),
  opt("optional", goBool),
);

const taskResult = struct(
  req("name", goString),
  opt("type", goString),
  opt("properties", map(propertySpec)),
  opt("description", goString),
  opt("value", pointer(goParamValue)),
);

export const taskSpec = struct(
  opt("params", slice(paramSpec)),
  opt("displayName", goString),
  opt("description", goString),
  opt("steps", slice(step)),
  opt("volumes", goOpaque),
  opt("stepTemplate", pointer(stepTemplate)),
  opt("sidecars", slice(sidecar)),
  opt("workspaces", slice(workspaceDeclaration)),
  opt("results", slice(taskResult)),
);

const pipelineTaskMetadata = struct(opt("labels", map(goString)), opt("annotations", map(goString)));

const embeddedTask = struct(
  embed(runtimeTypeMeta),
  opt("spec", goRawExtension),
  opt("metadata", pipelineTaskMetadata),
  embed(taskSpec),
);

const includeParams = struct(opt("name", goString), opt("params", params));
const matrix = struct(opt("params", params), opt("include", slice(includeParams)));

const workspacePipelineTaskBinding = struct(
  req("name", goString),
  opt("workspace", goString),
  opt("subPath", goString),
);

export const pipelineTask: GoType = struct(
  opt("name", goString),
  opt("displayName", goString),
  opt("description", goString),
  opt("taskRef", pointer(taskRef)),
  opt("taskSpec", pointer(embeddedTask)),
  opt("when", slice(whenExpression)),
  opt("retries", goInt),
  opt("runAfter", slice(goString)),
  opt("params", params),
  opt("matrix", pointer(matrix)),
  opt("workspaces", slice(workspacePipelineTaskBinding)),
  opt("timeout", pointer(goDuration)),
  opt("pipelineRef", pointer(pipelineRef)),
  opt("pipelineSpec", pointer(lazy(() => pipelineSpec))),
  opt("onError", goString),
);

const pipelineWorkspaceDeclaration = struct(
  req("name", goString),
  opt("description", goString),
  opt("optional", goBool),
);

const pipelineResult = struct(
  req("name", goString),
  opt("type", goString),
  req("description", goString),
  req("value", goParamValue),
);

export const pipelineSpec: GoType = struct(
  opt("displayName", goString),
  opt("description", goString),
  opt("tasks", slice(pipelineTask)),
  opt("params", slice(paramSpec)),
  opt("workspaces", slice(pipelineWorkspaceDeclaration)),
  opt("results", slice(pipelineResult)),
  opt("finally", slice(pipelineTask)),
);

const workspaceBinding = struct(
  req("name", goString),
  opt("subPath", goString),
  opt("volumeClaimTemplate", goOpaque),
  opt("persistentVolumeClaim", goOpaque),
  opt("emptyDir", goOpaque),
  opt("configMap", goOpaque),
  opt("secret", goOpaque),
  opt("projected", goOpaque),
  opt("csi", goOpaque),
);

const stepSpecOverride = struct(req("name", goString), req("computeResources", resourceRequirements));

export const taskRunSpec = struct(
  opt("debug", goOpaque),
  opt("params", params),
  req("serviceAccountName", goString),
  opt("taskRef", pointer(taskRef)),
  opt("taskSpec", pointer(taskSpec)),
  opt("status", goString),
  opt("statusMessage", goString),
  opt("retries", goInt),
  opt("timeout", pointer(goDuration)),
  opt("podTemplate", goOpaque),
  opt("workspaces", slice(workspaceBinding)),
  opt("stepSpecs", slice(stepSpecOverride)),
  opt("sidecarSpecs", slice(stepSpecOverride)),
  opt("computeResources", pointer(resourceRequirements)),
  opt("managedBy", pointer(goString)),
);

const timeoutFields = struct(
  opt("pipeline", pointer(goDuration)),
  opt("tasks", pointer(goDuration)),
  opt("finally", pointer(goDuration)),
);

const pipelineTaskRunTemplate = struct(opt("podTemplate", goOpaque), opt("serviceAccountName", goString));

const pipelineTaskRunSpec = struct(
  opt("pipelineTaskName", goString),
  opt("serviceAccountName", goString),
  opt("podTemplate", goOpaque),
  opt("stepSpecs", slice(stepSpecOverride)),
  opt("sidecarSpecs", slice(stepSpecOverride)),
  opt("metadata", pointer(pipelineTaskMetadata)),
  opt("computeResources", pointer(resourceRequirements)),
);

export const pipelineRunSpec = struct(
  opt("pipelineRef", pointer(pipelineRef)),
  opt("pipelineSpec", pointer(pipelineSpec)),
  opt("params", params),
  opt("status", goString),
  opt("timeouts", pointer(timeoutFields)),
  opt("taskRunTemplate", pipelineTaskRunTemplate),
  opt("workspaces", slice(workspaceBinding)),
  opt("taskRunSpecs", slice(pipelineTaskRunSpec)),
  opt("managedBy", goString),
);

/** `config.FeatureFlags` as recorded in `status.provenance.featureFlags`; every field omitempty. */
export const featureFlags = struct(
  opt("disableCredsInit", goBool),
  opt("runningInEnvWithInjectedSidecars", goBool),
  opt("requireGitSSHSecretKnownHosts", goBool),
  opt("enableTektonOCIBundles", goBool),
  opt("scopeWhenExpressionsToTask", goBool),
  opt("enableAPIFields", goString),
  opt("sendCloudEventsForRuns", goBool),
  opt("awaitSidecarReadiness", goBool),
  opt("enforceNonfalsifiability", goString),
  opt("enableKeepPodOnCancel", goBool),
  opt("verificationNoMatchPolicy", goString),
  opt("enableProvenanceInStatus", goBool),
  opt("resultExtractionMethod", goString),
  opt("maxResultSize", goInt),
  opt("setSecurityContext", goBool),
  opt("setSecurityContextReadOnlyRootFilesystem", goBool),
  opt("coschedule", goString),
  opt("enableCELInWhenExpression", goBool),
  opt("enableStepActions", goBool),
  opt("enableParamEnum", goBool),
  opt("enableArtifacts", goBool),
  opt("disableInlineSpec", goString),
  opt("enableConciseResolverSyntax", goBool),
  opt("enableKubernetesSidecar", goBool),
  opt("enableWaitExponentialBackoff", goBool),
);

const refSource = struct(opt("uri", goString), opt("digest", map(goString)), opt("entryPoint", goString));

const provenance = struct(opt("refSource", pointer(refSource)), opt("featureFlags", pointer(featureFlags)));

export const taskRunResult = struct(req("name", goString), opt("type", goString), req("value", goParamValue));

const artifactValue = struct(opt("digest", map(goString)), opt("uri", goString));
const artifact = struct(opt("name", goString), opt("values", slice(artifactValue)), opt("buildOutput", goBool));

const stepState = struct(
  embed(containerState),
  opt("name", goString),
  opt("container", goString),
  opt("imageID", goString),
  opt("results", slice(taskRunResult)),
  opt("provenance", pointer(provenance)),
  opt("terminationReason", goString),
  opt("inputs", slice(artifact)),
  opt("outputs", slice(artifact)),
);

const sidecarState = struct(
  embed(containerState),
  opt("name", goString),
  opt("container", goString),
  opt("imageID", goString),
);

const condition = struct(
  req("type", goString),
  req("status", goString),
  opt("severity", goString),
  opt("lastTransitionTime", goTime),
  opt("reason", goString),
  opt("message", goString),
);

const duckStatus = struct(
  opt("observedGeneration", goInt),
  opt("conditions", slice(condition)),
  opt("annotations", map(goString)),
);

export const taskRunStatus: GoType = struct(
  embed(duckStatus),
  req("podName", goString),
  opt("startTime", pointer(goTime)),
  opt("completionTime", pointer(goTime)),
  opt("steps", slice(stepState)),
  opt("retriesStatus", slice(lazy(() => taskRunStatus))),
  opt("results", slice(taskRunResult)),
  opt("artifacts", goOpaque),
  opt("sidecars", slice(sidecarState)),
  opt("taskSpec", pointer(taskSpec)),
  opt("provenance", pointer(provenance)),
  opt("spanContext", map(goString)),
);

const childStatusReference = struct(
  embed(runtimeTypeMeta),
  opt("name", goString),
  opt("displayName", goString),
  opt("pipelineTaskName", goString),
  opt("whenExpressions", slice(whenExpression)),
);

const skippedTask = struct(
  req("name", goString),
  req("reason", goString),
  opt("whenExpressions", slice(whenExpression)),
);

export const pipelineRunStatus = struct(
  embed(duckStatus),
  opt("startTime", pointer(goTime)),
  opt("completionTime", pointer(goTime)),
  opt("results", slice(struct(req("name", goString), req("value", goParamValue)))),
  opt("pipelineSpec", pointer(pipelineSpec)),
  opt("skippedTasks", slice(skippedTask)),
  opt("childReferences", slice(childStatusReference)),
  opt("finallyStartTime", pointer(goTime)),
  opt("provenance", pointer(provenance)),
  opt("spanContext", map(goString)),
);

export const taskRun = struct(
  embed(typeMeta),
  opt("metadata", objectMeta),
  opt("spec", taskRunSpec),
  opt("status", taskRunStatus),
);
