/** Fully qualified names of the Envoy messages the generators build (see `typeUrlOf` for their type URLs). */
export const EnvoyTypes = {
  listener: 'envoy.config.listener.v3.Listener',
  cluster: 'envoy.config.cluster.v3.Cluster',
  clusterLoadAssignment: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
  routeConfiguration: 'envoy.config.route.v3.RouteConfiguration',
  secret: 'envoy.extensions.transport_sockets.tls.v3.Secret',
  bootstrap: 'envoy.config.bootstrap.v3.Bootstrap',
  httpConnectionManager: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  router: 'envoy.extensions.filters.http.router.v3.Router',
  tcpProxy: 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  httpProtocolOptions: 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
} as const;

/** Well-known extension names Envoy registers the filters and options above under. */
export const EnvoyExtensionNames = {
  httpConnectionManager: 'envoy.filters.network.http_connection_manager',
  tcpProxy: 'envoy.filters.network.tcp_proxy',
  router: 'envoy.filters.http.router',
  /** Key of `Cluster.typed_extension_protocol_options` for {@link EnvoyTypes.httpProtocolOptions}. */
  httpProtocolOptions: 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
} as const;
