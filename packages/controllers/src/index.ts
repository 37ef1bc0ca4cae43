// Public exports of @sluice/controllers: the dispatcher the container image runs.

export { CONTROLLERS, type ControllerCommand, controllerNames } from "./controllers.js";
export { type DispatchOutput, runController, usage } from "./run.js";
