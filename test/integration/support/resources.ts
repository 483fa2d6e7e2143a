/** Request bodies of valid resources, for tests that need many of them. */

/** A valid Dataplane body with one inbound serving `service` on `port`. */
export function dataplaneBody(mesh: string, name: string, options: { labels?: Record<string, string>; port?: number; service?: string; address?: string } = {}) {
  return {
    type: 'Dataplane',
    mesh,
    name,
    labels: options.labels ?? {},
    spec: {
      networking: {
        address: options.address ?? '10.0.0.1',
        inbound: [{ port: options.port ?? 8080, servicePort: 80, tags: { 'mycel.io/service': options.service ?? 'web', 'mycel.io/protocol': 'http' } }],
      },
    },
  };
}

/** A valid Mesh body. */
export function meshBody(name: string, labels: Record<string, string> = {}) {
  return { type: 'Mesh', name, labels };
}

/** The same dataplane as {@link dataplaneBody}, as a YAML document. */
export function dataplaneYaml(mesh: string, name: string, port = 8080): string {
  return [
    'type: Dataplane',
    `mesh: ${mesh}`,
    `name: ${name}`,
    'labels:',
    '  team: web',
    'spec:',
    '  networking:',
    '    address: 10.0.0.2',
    '    inbound:',
    `      - port: ${port}`,
    '        servicePort: 80',
    '        tags:',
    '          mycel.io/service: web',
    '          mycel.io/protocol: http',
    '',
  ].join('\n');
}
