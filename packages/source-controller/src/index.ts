// Public entry of @sluice/source-controller. The reconcilers and `createSourceController` are added on top
// of the internal storage, ignore and git modules; nothing is exported until then.
export {};
