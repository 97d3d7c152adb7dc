#!/bin/bash
# Records real FRR 8.4 output for the seed-001 topology, as golden layouts for src/bgp/frr.
# Router netns with zebra+bgpd (the seed's frr.conf), three GoBGP "Cilium nodes" (AS 65001)
# in two more netns, joined by veth pairs. Needs root and the Debian frr + gobgpd packages.
#   sudo test/interop/capture-frr-golden.sh [outdir]   (default: src/bgp/frr/testdata)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/../../src/bgp/frr/testdata}
R=$(mktemp -d -t frrgold.XXXX)
chmod 777 "$R" # zebra drops to the frr user and creates its sockets here
NS_R=cgold-r NS_1=cgold-1 NS_2=cgold-2
cleanup() {
  for f in "$R"/*.pid; do [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  sleep 0.5
  for n in $NS_R $NS_1 $NS_2; do ip netns del $n 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] && echo "kept $R" || rm -rf "$R"
}
trap cleanup EXIT
for n in $NS_R $NS_1 $NS_2; do ip netns add $n; ip -n $n link set lo up; done
ip link add eth1 netns $NS_R type veth peer name eth1 netns $NS_1
ip link add eth2 netns $NS_R type veth peer name eth1 netns $NS_2
ip -n $NS_R addr add 192.168.10.200/24 dev eth1
ip -n $NS_R addr add 192.168.20.200/24 dev eth2
ip -n $NS_R addr add 10.10.1.200/24 dev lo
ip -n $NS_R addr add fd00:10::200/64 dev eth1 nodad
ip -n $NS_1 addr add 192.168.10.100/24 dev eth1
ip -n $NS_1 addr add 192.168.10.101/24 dev eth1
ip -n $NS_1 addr add fd00:10::100/64 dev eth1 nodad
ip -n $NS_2 addr add 192.168.20.100/24 dev eth1
for n in $NS_R $NS_1 $NS_2; do for l in eth1 eth2; do ip -n $n link set $l up 2>/dev/null || true; done; done

cat > "$R/frr.conf" <<CONF
frr version 8.4.4
frr defaults traditional
hostname router
log syslog informational
no ipv6 forwarding
service integrated-vtysh-config
!
router bgp 65000
  bgp router-id 192.168.10.200
  bgp graceful-restart
  no bgp ebgp-requires-policy
  bgp bestpath as-path multipath-relax
  maximum-paths 4
  network 10.10.1.0/24
  neighbor CILIUM peer-group
  neighbor CILIUM remote-as external
  neighbor 192.168.10.100 peer-group CILIUM
  neighbor 192.168.10.101 peer-group CILIUM
  neighbor 192.168.20.100 peer-group CILIUM
  neighbor fd00:10::100 remote-as external
  address-family ipv6 unicast
   network fd00:aaaa::/64
   neighbor fd00:10::100 activate
  exit-address-family
CONF
: > "$R/vtysh.conf"
Z="-z $R/zserv.api --vty_socket $R"
ip netns exec $NS_R /usr/lib/frr/zebra -f "$R/frr.conf" $Z -i "$R/zebra.pid" --log file:"$R/zebra.log" >/dev/null 2>&1 &
sleep 1
ip netns exec $NS_R /usr/lib/frr/bgpd -f "$R/frr.conf" $Z -S -i "$R/bgpd.pid" --log file:"$R/bgpd.log" >/dev/null 2>&1 &

gobgp_node() { # ns address asn router-address
  local ns=$1 a=$2 asn=$3 peer=$4 fam=ipv4-unicast rid=$2
  case $a in *:*) fam=ipv6-unicast; rid=192.168.10.110 ;; esac
  cat > "$R/gobgp-$a.toml" <<TOML
[global.config]
  as = $asn
  router-id = "$rid"
  port = -1
[global.apply-policy.config]
  default-export-policy = "accept-route"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "$peer"
    peer-as = 65000
  [neighbors.transport.config]
    local-address = "$a"
  [neighbors.timers.config]
    hold-time = 9
    keepalive-interval = 3
    connect-retry = 2
  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = 15
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "$fam"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
TOML
  ip netns exec "$ns" setsid -f sh -c "echo \$\$ > '$R/gobgp-$a.pid'; exec gobgpd -f '$R/gobgp-$a.toml' --api-hosts unix://$R/gobgp-$a.sock --pprof-disable -p -l warn" >"$R/gobgp-$a.log" 2>&1
}
gobgp_node $NS_1 192.168.10.100 65001 192.168.10.200
gobgp_node $NS_1 192.168.10.101 65001 192.168.10.200
gobgp_node $NS_2 192.168.20.100 65001 192.168.20.200
gobgp_node $NS_1 fd00:10::100 65001 fd00:10::200
G() { # retries while gobgpd starts
  for _ in $(seq 1 20); do
    if [ -S "$R/gobgp-$1.sock" ] && timeout 5 gobgp --target "unix://$R/gobgp-$1.sock" "${@:2}"; then return 0; fi
    sleep 0.5
  done
  echo "gobgp $* failed" >&2; return 1
}
G 192.168.10.100 global rib add 172.20.0.0/24 origin igp -a ipv4
G 192.168.10.101 global rib add 172.20.1.0/24 origin igp -a ipv4
G 192.168.20.100 global rib add 172.20.2.0/24 origin igp community 65000:100 large-community 65001:1:2 -a ipv4
for a in 192.168.10.100 192.168.10.101 192.168.20.100; do G $a global rib add 172.16.1.1/32 origin igp -a ipv4; done
G fd00:10::100 global rib add fd00:20::/64 origin igp -a ipv6

VTY="vtysh --config_dir $R --vty_socket $R"
for i in $(seq 1 60); do
  n=$($VTY -c 'show bgp summary json' 2>/dev/null | jq '[.ipv4Unicast.peers[] | select(.state=="Established")] | length' 2>/dev/null || echo 0)
  r=$($VTY -c 'show ip bgp json' 2>/dev/null | jq '.routes | length' 2>/dev/null || echo 0)
  [ "$n" = 3 ] && [ "$r" = 5 ] && break
  sleep 1
done
sleep 3
mkdir -p "$OUT"
cap() { # file command
  $VTY -c "$2" > "$OUT/$1" 2>&1 || true
}
cap show-running.txt 'show running'
cap show-ip-bgp.txt 'show ip bgp'
cap show-ip-bgp.json 'show ip bgp json'
cap show-ip-bgp-summary.txt 'show ip bgp summary'
cap show-ip-bgp-summary.json 'show ip bgp summary json'
cap show-bgp-summary.txt 'show bgp summary'
cap show-ip-bgp-prefix.txt 'show ip bgp 172.16.1.1/32'
cap show-ip-bgp-prefix.json 'show ip bgp 172.16.1.1/32 json'
cap show-ip-bgp-prefix-comm.txt 'show ip bgp 172.20.2.0/24'
cap show-ip-bgp-prefix-local.txt 'show ip bgp 10.10.1.0/24'
cap show-ip-bgp-address.txt 'show ip bgp 172.20.0.7'
cap show-ip-route-bgp.txt 'show ip route bgp'
cap show-ip-route-bgp.json 'show ip route bgp json'
cap show-bgp-ipv6.txt 'show bgp ipv6'
cap show-bgp-ipv6.json 'show bgp ipv6 json'
cap show-bgp-ipv6-summary.txt 'show bgp ipv6 summary'
cap show-ip-bgp-neighbors.txt 'show ip bgp neighbors 192.168.10.100'
cap show-ip-bgp-neighbors.json 'show ip bgp neighbors 192.168.10.100 json'
cap show-ip-bgp-advertised.txt 'show ip bgp neighbors 192.168.10.100 advertised-routes'
cap show-ip-bgp-received.txt 'show ip bgp neighbors 192.168.10.100 routes'
cap show-ip-bgp-none.txt 'show ip bgp 10.99.0.0/24'
cap show-bad-command.txt 'show ip bgpp'
ip -n $NS_R route show proto bgp > "$OUT/ip-route-bgp.txt"
ip -n $NS_R -6 route show proto bgp > "$OUT/ip6-route-bgp.txt"
# withdraw one ECMP member, as the seed's externalTrafficPolicy=Local step does
G 192.168.10.100 global rib del 172.16.1.1/32 -a ipv4
sleep 2
cap show-ip-bgp-after-withdraw.txt 'show ip bgp'
cap show-ip-bgp-summary-after-withdraw.txt 'show ip bgp summary'
# a peer goes away (the seed's k8s-w0 drain)
kill "$(cat "$R/gobgp-192.168.20.100.pid")"
sleep 12
cap show-ip-bgp-summary-peer-down.txt 'show ip bgp summary'
cap show-ip-bgp-peer-down.txt 'show ip bgp'
echo "captured into $OUT"
