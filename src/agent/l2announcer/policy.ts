// What a CiliumL2AnnouncementPolicy means on one node (pkg/l2announcer upsertPolicy): the node
// selector against the local CiliumNode's labels, the interface regexes against the devices Cilium
// selected, the service selector, and which services and IPs it announces. Pure functions; the
// announcer applies their outcome (status conditions, selected services, table entries).

import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { isQualifiedName, isValidLabelValue } from '../../k8s/names.ts';
import { type Labels, type Requirement, type Selector, matches } from '../../k8s/selectors.ts';
import type { CiliumL2AnnouncementPolicy, Service } from '../../k8s/types.ts';
import { type IP, parseIP } from '../../netaddr/ip.ts';
import { GoRegexp } from './re2.ts';

export const CONDITION_BAD_NODE_SELECTOR = 'io.cilium/bad-node-selector';
export const CONDITION_BAD_INTERFACE_REGEX = 'io.cilium/bad-interface-regex';
export const CONDITION_BAD_SERVICE_SELECTOR = 'io.cilium/bad-service-selector';
export type PolicyConditionType = typeof CONDITION_BAD_NODE_SELECTOR | typeof CONDITION_BAD_INTERFACE_REGEX | typeof CONDITION_BAD_SERVICE_SELECTOR;

/** cilium_api_v2alpha1.L2AnnounceLoadBalancerClass. */
export const L2_LB_CLASS = 'io.cilium/l2-announcer';

const SERVICE_NAMESPACE_LABEL = 'io.kubernetes.service.namespace';
const SERVICE_NAME_LABEL = 'io.kubernetes.service.name';

/** A label selector as Cilium's slim LabelSelectorAsSelector builds it: `{}` selects everything. */
export type CompiledSelector = Selector;

/**
 * slim_meta_v1.LabelSelectorAsSelector for a set selector: keys and values are checked as
 * labels.NewRequirement checks them (the CRD schema does not check keys), with its error text,
 * e.g. `key: Invalid value: "k8s:app": name part must consist of …`.
 */
export function labelSelectorAsSelector(sel: LabelSelector): CompiledSelector | { error: string } {
  const out: Requirement[] = [];
  const check = (key: string, values: string[]): string | undefined => {
    const errs: string[] = [];
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length > 0) errs.push(`key: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`);
    values.forEach((v, i) => {
      const valErrs = isValidLabelValue(v);
      if (valErrs.length > 0) errs.push(`values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${valErrs.join('; ')}`);
    });
    // field.ErrorList.ToAggregate: one error as is, several in brackets
    return errs.length === 0 ? undefined : errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
  };
  // Go iterates matchLabels in random order; sorting makes the first error reported stable
  for (const key of Object.keys(sel.matchLabels ?? {}).sort()) {
    const value = sel.matchLabels![key]!;
    const error = check(key, [value]);
    if (error) return { error };
    out.push({ key, op: 'Equals', values: [value] });
  }
  for (const e of sel.matchExpressions ?? []) {
    const op = e.operator;
    if (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist') return { error: `${JSON.stringify(op)} is not a valid label selector operator` };
    const values = e.values ?? [];
    const error = check(e.key, values);
    if (error) return { error };
    out.push({ key: e.key, op, values: [...values] });
  }
  return out;
}

/** The labels a service selector sees: the service's own plus its name and namespace. */
export function svcAndMetaLabels(svc: Service): Labels {
  return { ...(svc.metadata.labels ?? {}), [SERVICE_NAMESPACE_LABEL]: svc.metadata.namespace ?? 'default', [SERVICE_NAME_LABEL]: svc.metadata.name ?? '' };
}

export interface ServiceIPKinds {
  /** spec.externalIPs is set at all (Go: non-nil, so an empty list counts). */
  external: boolean;
  /** At least one status.loadBalancer.ingress entry with an IP. */
  loadBalancer: boolean;
}

export function serviceIPKinds(svc: Service): ServiceIPKinds {
  return {
    external: svc.spec?.externalIPs !== undefined && svc.spec.externalIPs !== null,
    loadBalancer: (svc.status?.loadBalancer?.ingress ?? []).some((i) => !!i.ip),
  };
}

/** Services with another load balancer class are someone else's (upsertSvc). */
export function announceableClass(svc: Service): boolean {
  const cls = svc.spec?.loadBalancerClass;
  return cls === undefined || cls === null || cls === L2_LB_CLASS;
}

/** The policy announces this kind of IP and the service has it. */
export function policyTakesService(policy: CiliumL2AnnouncementPolicy, kinds: ServiceIPKinds): boolean {
  return (!!policy.spec?.externalIPs && kinds.external) || (!!policy.spec?.loadBalancerIPs && kinds.loadBalancer);
}

/** The IPs a policy announces for a service, in Cilium's order (LB ingress, then external), canonical text. */
export function policyServiceIPs(policy: CiliumL2AnnouncementPolicy, svc: Service): IP[] {
  const out: IP[] = [];
  const add = (text: string | undefined) => {
    const ip = text ? parseIP(text) : undefined;
    if (ip) out.push(ip);
  };
  if (policy.spec?.loadBalancerIPs) for (const i of svc.status?.loadBalancer?.ingress ?? []) add(i.ip);
  if (policy.spec?.externalIPs) for (const ip of svc.spec?.externalIPs ?? []) add(ip);
  return out;
}

export interface PolicyCheck {
  type: PolicyConditionType;
  /** The error text (the condition becomes True), or undefined (an existing condition becomes False). */
  error?: string;
}

export type PolicyEvaluation =
  | { checks: PolicyCheck[]; outcome: 'error'; error: string }
  | { checks: PolicyCheck[]; outcome: 'node-not-selected' }
  | { checks: PolicyCheck[]; outcome: 'selected'; serviceSelector: CompiledSelector; devices: string[] };

/**
 * upsertPolicy's checks in order, each one recorded for the status: the node selector (nil: every
 * node), the interface regexes (none: every device Cilium selected; several: OR-ed, unanchored),
 * the service selector (nil: every service). The first error stops the evaluation.
 */
export function evaluatePolicy(policy: CiliumL2AnnouncementPolicy, nodeLabels: Labels, devices: readonly string[]): PolicyEvaluation {
  const checks: PolicyCheck[] = [];
  const spec = policy.spec ?? {};
  if (spec.nodeSelector) {
    const sel = labelSelectorAsSelector(spec.nodeSelector);
    if ('error' in sel) {
      checks.push({ type: CONDITION_BAD_NODE_SELECTOR, error: sel.error });
      return { checks, outcome: 'error', error: `make node selector: ${sel.error}` };
    }
    checks.push({ type: CONDITION_BAD_NODE_SELECTOR });
    if (!matches(sel, nodeLabels)) return { checks, outcome: 'node-not-selected' };
  } else checks.push({ type: CONDITION_BAD_NODE_SELECTOR });

  let selected: string[];
  if (!spec.interfaces || spec.interfaces.length === 0) selected = [...devices];
  else {
    selected = [];
    for (const text of spec.interfaces) {
      const re = GoRegexp.compile(text);
      if (!(re instanceof GoRegexp)) {
        checks.push({ type: CONDITION_BAD_INTERFACE_REGEX, error: re.message });
        return { checks, outcome: 'error', error: `policy compile interface regex: ${re.message}` };
      }
      for (const d of devices) if (!selected.includes(d) && re.matchString(d)) selected.push(d);
    }
  }
  checks.push({ type: CONDITION_BAD_INTERFACE_REGEX });

  let serviceSelector: CompiledSelector = [];
  if (spec.serviceSelector) {
    const sel = labelSelectorAsSelector(spec.serviceSelector);
    if ('error' in sel) {
      checks.push({ type: CONDITION_BAD_SERVICE_SELECTOR, error: sel.error });
      return { checks, outcome: 'error', error: `make service selector: ${sel.error}` };
    }
    serviceSelector = sel;
  }
  checks.push({ type: CONDITION_BAD_SERVICE_SELECTOR });
  return { checks, outcome: 'selected', serviceSelector, devices: selected };
}

/** Whether a policy's node selector selects these labels; an unusable selector selects nothing. */
export function nodeSelectorMatches(policy: CiliumL2AnnouncementPolicy, labels: Labels): boolean {
  const sel = policy.spec?.nodeSelector;
  if (!sel) return true;
  const compiled = labelSelectorAsSelector(sel);
  return !('error' in compiled) && matches(compiled, labels);
}
