export type { ControlPlane, ControlPlaneOptions, ControlPlaneExtension, ControlPlaneExtensionContext } from './control-plane';
export { startControlPlane, MYCEL_VERSION, DEFAULT_MESH } from './control-plane';
export type { Stoppable, BackgroundStartOptions, BackgroundComponent } from './background-start';
export { startInBackground } from './background-start';
export { serveUntilSignal, EXIT_CONFIG, EXIT_START } from './service-lifecycle';
