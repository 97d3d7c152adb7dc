// The service histories behind the seeds' `service list` outputs, replayed against a fixture in
// the order the IDs show they happened (test support for views.test.ts and controller.test.ts).

import type { Service } from '../../k8s/types.ts';
import { cloneJson } from '../../store/json.ts';
import { type Fixture, endpointSlice, service, settle } from './testing.ts';

async function apply(f: Fixture, ...objs: Parameters<Fixture['store']['create']>[0][]): Promise<void> {
  for (const o of objs) await f.store.create(o);
  await settle(f);
}

async function toLoadBalancer(f: Fixture, ns: string, name: string, nodePort: number, lbIP: string): Promise<void> {
  const svc = cloneJson((await f.store.get<Service>({ group: '', kind: 'Service' }, ns, name))!);
  svc.spec = { ...svc.spec, type: 'LoadBalancer', ports: (svc.spec?.ports ?? []).map((p, i) => (i === 0 ? { ...p, nodePort } : p)) };
  const updated = cloneJson(await f.store.update(svc));
  await f.store.updateStatus({ ...updated, status: { loadBalancer: { ingress: [{ ip: lbIP }] } } });
  await settle(f);
}

const dns = (f: Fixture, clusterIP: string, ips: string[]) =>
  apply(
    f,
    endpointSlice('kube-system', 'kube-dns', ips, [
      { port: 53, protocol: 'UDP', name: 'dns' },
      { port: 53, protocol: 'TCP', name: 'dns-tcp' },
      { port: 9153, protocol: 'TCP', name: 'metrics' },
    ]),
    service('kube-system', 'kube-dns', {
      clusterIP,
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        { name: 'metrics', port: 9153, protocol: 'TCP' },
      ],
    }),
  );

const clusterIP = (f: Fixture, ns: string, name: string, ip: string, port: number, backends: string[], targetPort: number) =>
  apply(f, endpointSlice(ns, name, backends, [{ port: targetPort }]), service(ns, name, { clusterIP: ip, ports: [{ port, protocol: 'TCP' }] }));

const nodePort = (f: Fixture, ns: string, name: string, ip: string, port: number, np: number, backend: string, targetPort: number) =>
  apply(f, endpointSlice(ns, name, [backend], [{ port: targetPort }]), service(ns, name, { type: 'NodePort', clusterIP: ip, ports: [{ port, protocol: 'TCP', nodePort: np }] }));

/** Seed 002 (week 4), agent on k8s-w1 with node addresses 10.0.2.15 and 192.168.10.101. */
export async function seed002(f: Fixture): Promise<void> {
  await nodePort(f, 'kube-system', 'hubble-ui', '10.96.155.166', 80, 30003, '172.20.0.11', 8081);
  await nodePort(f, 'monitoring', 'grafana', '10.96.109.67', 3000, 30002, '172.20.0.1', 3000);
  await nodePort(f, 'monitoring', 'prometheus', '10.96.146.52', 9090, 30001, '172.20.0.240', 9090);
  await clusterIP(f, 'default', 'kubernetes', '10.96.0.1', 443, ['192.168.10.100'], 6443);
  await clusterIP(f, 'kube-system', 'hubble-peer', '10.96.217.172', 443, ['192.168.10.101'], 4244);
  await clusterIP(f, 'kube-system', 'hubble-relay', '10.96.38.34', 80, ['172.20.0.254'], 4245);
  await dns(f, '10.96.0.10', ['172.20.0.56', '172.20.0.244']);
  await clusterIP(f, 'kube-system', 'metrics-server', '10.96.218.119', 443, ['172.20.0.139'], 10250);
  await clusterIP(f, 'default', 'webpod', '10.96.48.145', 80, ['172.20.0.158', '172.20.1.219', '172.20.2.77'], 80);
  await toLoadBalancer(f, 'default', 'webpod', 32050, '192.168.10.211');
  await apply(
    f,
    endpointSlice('default', 'netshoot-web', ['172.20.0.36', '172.20.1.117', '172.20.2.230'], [{ port: 8080 }]),
    service(
      'default',
      'netshoot-web',
      { type: 'LoadBalancer', clusterIP: '10.96.56.141', ports: [{ port: 80, protocol: 'TCP', nodePort: 30412 }] },
      { status: { loadBalancer: { ingress: [{ ip: '192.168.10.212' }] } } },
    ),
  );
}

/** Seed 001 (week 5) up to the LB-IPAM step, agent on k8s-ctr (eth0 192.168.121.62, eth1 192.168.10.100). */
export async function seed001(f: Fixture): Promise<void> {
  await clusterIP(f, 'kube-system', 'hubble-relay', '10.96.12.94', 80, ['172.20.0.232'], 4245);
  await nodePort(f, 'kube-system', 'hubble-ui', '10.96.33.159', 80, 30003, '172.20.0.13', 8081);
  await clusterIP(f, 'kube-system', 'metrics-server', '10.96.198.41', 443, ['172.20.0.122'], 10250);
  await clusterIP(f, 'default', 'kubernetes', '10.96.0.1', 443, ['192.168.10.100'], 6443);
  await clusterIP(f, 'kube-system', 'hubble-peer', '10.96.137.113', 443, ['192.168.10.101'], 4244);
  await dns(f, '10.96.0.10', ['172.20.0.82', '172.20.0.104']);
  await clusterIP(f, 'default', 'webpod', '10.96.54.159', 80, ['172.20.0.15', '172.20.1.119', '172.20.2.35'], 80);
  // ID 13 went to a service that was deleted before the snapshot; IDs are not reused.
  await clusterIP(f, 'default', 'curl-test', '10.96.99.99', 80, ['172.20.0.35'], 80);
  await f.store.delete({ group: '', kind: 'Service' }, 'default', 'curl-test');
  await settle(f);
  await toLoadBalancer(f, 'default', 'webpod', 32567, '172.16.1.1');
}
