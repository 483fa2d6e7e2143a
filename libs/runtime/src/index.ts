export type { ControlPlane, ControlPlaneOptions } from './control-plane';
export { startControlPlane, MYCEL_VERSION, DEFAULT_MESH } from './control-plane';
