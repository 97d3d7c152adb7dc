// The Services the lab benchmarks apply, as objects and as the YAML file a user would write.

import { stringify } from 'yaml';

export function serviceManifest(i: number): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${i}`, namespace: 'default', labels: { bench: 'true' } },
    spec: { selector: { app: 'webpod' }, ports: [{ port: 8000 + (i % 1000), targetPort: 80 }] },
  };
}

/** `n` Services, one YAML document each. */
export function servicesYaml(services: readonly object[]): string {
  return services.map((s) => stringify(s)).join('---\n');
}
