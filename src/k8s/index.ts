// The resource model's public surface. Modules may also be imported directly.

export { type AdmitOp, admit, resolveType } from './admission.ts';
export { checkManifests, loadCheckedManifests, locateError, parseFieldPath } from './check.ts';
export { applyDefaults, defaultPullPolicy } from './defaults.ts';
export {
  AdmissionError,
  FieldError,
  type FieldErrorType,
  type FieldPath,
  fieldErrors,
  formatFieldPath,
  formatInputError,
  type InputError,
  invalidError,
  qualifiedKind,
  strictDecodingError,
} from './errors.ts';
export * from './kinds.ts';
export {
  findDuplicates,
  type LoadOptions,
  type ManifestDoc,
  type ManifestSource,
  type ParsedManifests,
  parseManifests,
  type ReadOptions,
  readManifestSources,
} from './manifest.ts';
export {
  type ConditionLike,
  controllerOf,
  controllerRef,
  deepClone,
  deepEqual,
  findCondition,
  formatMicroTime,
  formatTime,
  getAnnotation,
  getLabel,
  isConditionTrue,
  isControlledBy,
  labelsOf,
  removeCondition,
  setCondition,
} from './meta.ts';
export * from './object.ts';
export {
  applyJSONPatch,
  applyMergePatch,
  applyPatch,
  applyStrategicMergePatch,
  createMergePatch,
  formatPointer,
  type JSONPatchOp,
  listStrategy,
  PatchError,
  parsePointer,
} from './patch.ts';
export * from './selectors.ts';
export type * from './types.ts';
export { validateObject } from './validate.ts';
