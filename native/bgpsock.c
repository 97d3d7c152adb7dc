// Socket options Node's net module cannot set, for the BGP speaker (src/bgp/net-transport.ts):
// TCP MD5 signatures (RFC 2385, Linux TCP_MD5SIG) and the IP TTL / hop limit for eBGP multihop.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(call)                                                              \
  if ((call) != napi_ok) {                                                       \
    napi_throw_error(env, NULL, "bgpsock: bad arguments");                       \
    return NULL;                                                                 \
  }

static napi_value throw_errno(napi_env env, const char *what) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static int fill_addr(const char *text, int port, struct sockaddr_storage *ss, socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, text, &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    *len = sizeof *s4;
    return AF_INET;
  }
  if (inet_pton(AF_INET6, text, &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    *len = sizeof *s6;
    return AF_INET6;
  }
  return -1;
}

// socket(family: 4|6) -> fd (non-blocking, close-on-exec)
static napi_value Socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t family;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &family));
  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket");
  napi_value out;
  CHECK(napi_create_int32(env, fd, &out));
  return out;
}

// bind(fd, address, port)
static napi_value Bind(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd, port;
  char addr[64];
  size_t n;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_string_utf8(env, argv[1], addr, sizeof addr, &n));
  CHECK(napi_get_value_int32(env, argv[2], &port));
  struct sockaddr_storage ss;
  socklen_t len;
  if (fill_addr(addr, port, &ss, &len) < 0) {
    napi_throw_error(env, NULL, "bind: not an IP address");
    return NULL;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&ss, len) < 0) return throw_errno(env, "bind");
  return NULL;
}

// close(fd), for sockets that never reached Node
static napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  close(fd);
  return NULL;
}

// md5(fd, peerAddress, key | "") — an empty key removes the peer's key
static napi_value Md5(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd;
  char addr[64];
  char key[TCP_MD5SIG_MAXKEYLEN + 1];
  size_t n, keylen;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_string_utf8(env, argv[1], addr, sizeof addr, &n));
  CHECK(napi_get_value_string_utf8(env, argv[2], key, sizeof key, &keylen));
  struct tcp_md5sig sig;
  memset(&sig, 0, sizeof sig);
  socklen_t len;
  if (fill_addr(addr, 0, (struct sockaddr_storage *)&sig.tcpm_addr, &len) < 0) {
    napi_throw_error(env, NULL, "md5: not an IP address");
    return NULL;
  }
  sig.tcpm_keylen = (unsigned short)keylen;
  memcpy(sig.tcpm_key, key, keylen);
  if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig) < 0) return throw_errno(env, "setsockopt(TCP_MD5SIG)");
  return NULL;
}

// ttl(fd, family, ttl): IP_TTL or IPV6_UNICAST_HOPS
static napi_value Ttl(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd, family, ttl;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_int32(env, argv[1], &family));
  CHECK(napi_get_value_int32(env, argv[2], &ttl));
  int v = ttl;
  int rc = family == 6 ? setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof v) : setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof v);
  if (rc < 0) return throw_errno(env, "setsockopt(TTL)");
  return NULL;
}

// getTtl(fd, family) -> ttl (for tests)
static napi_value GetTtl(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd, family;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_int32(env, argv[1], &family));
  int v = 0;
  socklen_t l = sizeof v;
  int rc = family == 6 ? getsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &l) : getsockopt(fd, IPPROTO_IP, IP_TTL, &v, &l);
  if (rc < 0) return throw_errno(env, "getsockopt(TTL)");
  napi_value out;
  CHECK(napi_create_int32(env, v, &out));
  return out;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"socket", NULL, Socket, NULL, NULL, NULL, napi_default, NULL},
      {"bind", NULL, Bind, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, Close, NULL, NULL, NULL, napi_default, NULL},
      {"md5", NULL, Md5, NULL, NULL, NULL, napi_default, NULL},
      {"ttl", NULL, Ttl, NULL, NULL, NULL, napi_default, NULL},
      {"getTtl", NULL, GetTtl, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
