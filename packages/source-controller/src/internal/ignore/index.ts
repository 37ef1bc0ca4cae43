export { compileGlob, globMatch } from "./glob.js";
export { IgnoreMatcher } from "./matcher.js";
export { type IgnorePattern, MatchResult, type MatchResultValue, matchPattern, parsePattern } from "./pattern.js";
export {
  compareNames,
  defaultPatterns,
  EXCLUDE_CI,
  EXCLUDE_EXT,
  EXCLUDE_EXTRA,
  EXCLUDE_VCS,
  loadIgnorePatterns,
  loadSourceIgnore,
  readPatterns,
  SOURCE_IGNORE_FILE,
  sourceIgnoreMatcher,
  vcsPatterns,
} from "./source-ignore.js";
