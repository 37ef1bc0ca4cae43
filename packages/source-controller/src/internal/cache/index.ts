export { LabelSelectedCache } from "./label-selected-cache.js";
export { InvalidLabelSelectorError, validateLabelSelector } from "./label-selector.js";
