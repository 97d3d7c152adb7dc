// meta/v1 pieces shared by every kind: ObjectMeta, owner references, label selectors, conditions.

import type {
  Condition as MetaCondition,
  LabelSelector,
  LabelSelectorRequirement,
  ManagedFieldsEntry,
  ObjectMeta,
  OwnerReference,
} from 'kubernetes-types/meta/v1.js';
import { z } from 'zod';
import { isQualifiedName } from '../names.ts';
import type { Condition } from '../object.ts';
import {
  checkRequirementValues,
  int,
  labelMap,
  obj,
  oneOf,
  opaque,
  report,
  str,
  stringMap,
  strList,
  time,
} from './dsl.ts';

const ownerReference = obj<OwnerReference>()({
  apiVersion: str(),
  kind: str(),
  name: str(),
  uid: str(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});

export const objectMeta = obj<ObjectMeta>()({
  name: str().optional(),
  generateName: str().optional(),
  namespace: str().optional(),
  uid: str().optional(),
  resourceVersion: str().optional(),
  generation: int().optional(),
  creationTimestamp: time().optional(),
  deletionTimestamp: time().optional(),
  deletionGracePeriodSeconds: int().optional(),
  labels: labelMap().optional(),
  annotations: stringMap().optional(),
  ownerReferences: z.array(ownerReference).optional(),
  finalizers: strList().optional(),
  managedFields: z.array(opaque<ManagedFieldsEntry>()).optional(),
  selfLink: str().optional(),
});

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

/** metav1.LabelSelector with apimachinery's checks (ValidateLabelSelector): keys are qualified names. */
export const labelSelector = obj<LabelSelector>()({
  matchLabels: labelMap().optional(),
  matchExpressions: z
    .array(
      obj<LabelSelectorRequirement>()({
        key: str().superRefine((k, ctx) => {
          for (const m of isQualifiedName(k)) report(ctx, 'Invalid', m);
        }),
        operator: oneOf(OPERATORS),
        values: strList().optional(),
      }).superRefine((r, ctx) => checkRequirementValues(r.operator, r.values, ctx)),
    )
    .optional(),
});

// CRD label selectors (Cilium's slim LabelSelector): openAPI checks only on matchLabels values, and
// keys may carry Cilium source prefixes such as `k8s:` or `reserved:`, so keys are not checked.
const MATCH_LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const crdLabelSelector = obj<LabelSelector>()({
  matchLabels: z.record(z.string(), z.string().max(63).regex(MATCH_LABEL_VALUE)).optional(),
  matchExpressions: z
    .array(
      obj<LabelSelectorRequirement>()({
        key: str(),
        operator: oneOf(OPERATORS),
        values: strList().optional(),
      }).superRefine((r, ctx) => checkRequirementValues(r.operator, r.values, ctx)),
    )
    .optional(),
});

/**
 * metav1.Condition as CRD status lists carry it. type and status are required; reason, message and
 * lastTransitionTime are left optional so a controller's half-filled condition is not an admission error.
 */
export const crdCondition = obj<Condition>()({
  type: str().min(1).max(316),
  status: oneOf(['True', 'False', 'Unknown']),
  reason: str().max(1024).optional(),
  message: str().max(32768).optional(),
  lastTransitionTime: time().optional(),
  observedGeneration: int().min(0).optional(),
});

// metav1.Condition as core status lists validate it (metav1validation.ValidateCondition).
const CONDITION_REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

export const metaCondition = obj<MetaCondition>()({
  type: z.string().superRefine((t, ctx) => {
    for (const m of isQualifiedName(t)) report(ctx, 'Invalid', m);
  }),
  status: oneOf(['True', 'False', 'Unknown']),
  reason: z.string().superRefine((r, ctx) => {
    if (r === '') report(ctx, 'Required', 'must be set');
    else if (r.length > 1024) report(ctx, 'TooLong', 'may not be more than 1024 bytes');
    else if (!CONDITION_REASON.test(r)) {
      report(ctx, 'Invalid', "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')");
    }
  }),
  message: str().max(32768),
  lastTransitionTime: time(),
  observedGeneration: int().min(0).optional(),
});
