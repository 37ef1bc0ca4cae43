export { envsubst, SubstitutionSyntaxError, type VariableLookup, VariableNotSetError } from "./envsubst.js";
export { postBuildVariables } from "./post-build-variables.js";
export {
  PostBuildError,
  type SubstituteOptions,
  substituteObject,
  substituteObjects,
  substitutionDisabled,
  VARIABLE_NAME_PATTERN,
} from "./substitute.js";
export { type FetchedSubstituteSource, mergeSubstituteVariables, SubstituteSourceNotFoundError } from "./variables.js";
