// apps/v1 Deployment, ReplicaSet, DaemonSet (k8s.io/kubernetes pkg/apis/apps/validation).

import type {
  DaemonSet,
  DaemonSetCondition,
  DaemonSetSpec,
  DaemonSetStatus,
  Deployment,
  DeploymentCondition,
  DeploymentSpec,
  DeploymentStatus,
  ReplicaSet,
  ReplicaSetCondition,
  ReplicaSetSpec,
  ReplicaSetStatus,
} from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { z } from 'zod';
import { fromLabelSelector, matches } from '../selectors.ts';
import { bool, int, intOrString, type IssueSink, kind, nonNegative, obj, oneOf, report, reportNotSupported, str, time } from './dsl.ts';
import { labelSelector, objectMeta } from './meta.ts';
import { podTemplateSpec } from './pod.ts';

const conditionFields = {
  lastTransitionTime: time().optional(),
  message: str().optional(),
  reason: str().optional(),
  status: oneOf(['True', 'False', 'Unknown']),
  type: str(),
};

const PERCENT = /^[0-9]+%$/;

/** intstr fields such as maxSurge: a non-negative integer or a percentage (ValidatePositiveIntOrPercent). */
function checkIntOrPercent(v: number | string | undefined, path: (string | number)[], ctx: IssueSink): void {
  if (typeof v === 'string') {
    if (!PERCENT.test(v)) {
      report(
        ctx,
        'Invalid',
        "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        path,
        v,
      );
    }
  } else if (typeof v === 'number' && v < 0) {
    report(ctx, 'Invalid', 'must be greater than or equal to 0', path, v);
  }
}

const isZero = (v: number | string | undefined) => v === 0 || v === '0%';

/** Selector required and non-empty, template labels selected by it, restartPolicy Always (ValidatePodTemplateSpecForReplicaSet). */
function checkSelectorAndTemplate(
  selector: LabelSelector | undefined,
  template: PodTemplateSpec | undefined,
  workload: string,
  ctx: IssueSink,
): void {
  if (!selector) {
    report(ctx, 'Required', '', ['selector']);
    return;
  }
  if (!selector.matchLabels && !selector.matchExpressions?.length) {
    report(ctx, 'Invalid', `empty selector is invalid for ${workload}`, ['selector'], selector);
  }
  if (!template) {
    report(ctx, 'Required', '', ['template']);
    return;
  }
  let sel: ReturnType<typeof fromLabelSelector>;
  try {
    sel = fromLabelSelector(selector);
  } catch {
    return; // the selector's own errors are reported at its fields
  }
  const labels = template.metadata?.labels ?? {};
  if (sel !== 'nothing' && !matches(sel, labels)) {
    report(ctx, 'Invalid', '`selector` does not match template `labels`', ['template', 'metadata', 'labels'], labels);
  }
  const restart = template.spec?.restartPolicy;
  if (restart !== undefined && restart !== 'Always') reportNotSupported(ctx, ['template', 'spec', 'restartPolicy'], restart, ['Always']);
}

// ---- Deployment ------------------------------------------------------------------------------

const deploymentSpec = obj<DeploymentSpec>()({
  minReadySeconds: nonNegative().optional(),
  paused: bool().optional(),
  progressDeadlineSeconds: nonNegative().optional(),
  replicas: nonNegative().optional(),
  revisionHistoryLimit: nonNegative().optional(),
  selector: labelSelector,
  strategy: z
    .strictObject({
      rollingUpdate: z.strictObject({ maxSurge: intOrString().optional(), maxUnavailable: intOrString().optional() }).optional(),
      type: oneOf(['Recreate', 'RollingUpdate']).optional(),
    })
    .optional(),
  template: podTemplateSpec,
}).superRefine((spec, ctx) => {
  checkSelectorAndTemplate(spec.selector, spec.template, 'deployment', ctx);
  const strategy = spec.strategy;
  if (strategy?.type === 'Recreate' && strategy.rollingUpdate) {
    report(ctx, 'Forbidden', "may not be specified when strategy `type` is 'Recreate'", ['strategy', 'rollingUpdate']);
  }
  const ru = strategy?.rollingUpdate;
  if (ru) {
    checkIntOrPercent(ru.maxSurge, ['strategy', 'rollingUpdate', 'maxSurge'], ctx);
    checkIntOrPercent(ru.maxUnavailable, ['strategy', 'rollingUpdate', 'maxUnavailable'], ctx);
    if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) {
      report(ctx, 'Invalid', 'may not be 0 when `maxSurge` is 0', ['strategy', 'rollingUpdate', 'maxUnavailable'], ru.maxUnavailable);
    }
    if (typeof ru.maxUnavailable === 'string' && PERCENT.test(ru.maxUnavailable) && Number.parseInt(ru.maxUnavailable, 10) > 100) {
      report(ctx, 'Invalid', 'must not be greater than 100%', ['strategy', 'rollingUpdate', 'maxUnavailable'], ru.maxUnavailable);
    }
  }
  if (spec.progressDeadlineSeconds !== undefined && spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
    report(ctx, 'Invalid', 'must be greater than minReadySeconds', ['progressDeadlineSeconds'], spec.progressDeadlineSeconds);
  }
});

const deploymentStatus = obj<DeploymentStatus>()({
  availableReplicas: nonNegative().optional(),
  collisionCount: nonNegative().optional(),
  conditions: z.array(obj<DeploymentCondition>()({ ...conditionFields, lastUpdateTime: time().optional() })).optional(),
  observedGeneration: int().optional(),
  readyReplicas: nonNegative().optional(),
  replicas: nonNegative().optional(),
  unavailableReplicas: nonNegative().optional(),
  updatedReplicas: nonNegative().optional(),
});

export const deployment = kind<Deployment>()({
  metadata: objectMeta.optional(),
  spec: deploymentSpec.optional(),
  status: deploymentStatus.optional(),
});

// ---- ReplicaSet ------------------------------------------------------------------------------

const replicaSetSpec = obj<ReplicaSetSpec>()({
  minReadySeconds: nonNegative().optional(),
  replicas: nonNegative().optional(),
  selector: labelSelector,
  template: podTemplateSpec.optional(),
}).superRefine((spec, ctx) => checkSelectorAndTemplate(spec.selector, spec.template, 'replicaset', ctx));

const replicaSetStatus = obj<ReplicaSetStatus>()({
  availableReplicas: nonNegative().optional(),
  conditions: z.array(obj<ReplicaSetCondition>()(conditionFields)).optional(),
  fullyLabeledReplicas: nonNegative().optional(),
  observedGeneration: int().optional(),
  readyReplicas: nonNegative().optional(),
  replicas: nonNegative(),
});

export const replicaSet = kind<ReplicaSet>()({
  metadata: objectMeta.optional(),
  spec: replicaSetSpec.optional(),
  status: replicaSetStatus.optional(),
});

// ---- DaemonSet -------------------------------------------------------------------------------

const daemonSetSpec = obj<DaemonSetSpec>()({
  minReadySeconds: nonNegative().optional(),
  revisionHistoryLimit: nonNegative().optional(),
  selector: labelSelector,
  template: podTemplateSpec,
  updateStrategy: z
    .strictObject({
      rollingUpdate: z.strictObject({ maxSurge: intOrString().optional(), maxUnavailable: intOrString().optional() }).optional(),
      type: oneOf(['RollingUpdate', 'OnDelete']).optional(),
    })
    .optional(),
}).superRefine((spec, ctx) => {
  checkSelectorAndTemplate(spec.selector, spec.template, 'daemonset', ctx);
  const ru = spec.updateStrategy?.rollingUpdate;
  if (ru) {
    checkIntOrPercent(ru.maxSurge, ['updateStrategy', 'rollingUpdate', 'maxSurge'], ctx);
    checkIntOrPercent(ru.maxUnavailable, ['updateStrategy', 'rollingUpdate', 'maxUnavailable'], ctx);
  }
});

const daemonSetStatus = obj<DaemonSetStatus>()({
  collisionCount: nonNegative().optional(),
  conditions: z.array(obj<DaemonSetCondition>()(conditionFields)).optional(),
  currentNumberScheduled: nonNegative(),
  desiredNumberScheduled: nonNegative(),
  numberAvailable: nonNegative().optional(),
  numberMisscheduled: nonNegative(),
  numberReady: nonNegative(),
  numberUnavailable: nonNegative().optional(),
  observedGeneration: int().optional(),
  updatedNumberScheduled: nonNegative().optional(),
});

export const daemonSet = kind<DaemonSet>()({
  metadata: objectMeta.optional(),
  spec: daemonSetSpec.optional(),
  status: daemonSetStatus.optional(),
});
