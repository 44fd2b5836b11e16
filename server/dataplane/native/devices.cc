// Opening and closing what the data plane reads and writes:
//  - a TUN device (layer 3, IFF_NO_PI: each read/write is exactly one IP
//    packet, no 4-byte packet-information prefix);
//  - a raw IPv4 socket for IP protocol 47 (GRE). The kernel hands us whole
//    datagrams with their IPv4 header (reassembled); on send it adds the
//    header itself, so we write GRE header + payload only.
// Both are non-blocking and close-on-exec. Needs CAP_NET_ADMIN (TUN, link
// flags, MTU) and CAP_NET_RAW (raw socket).
#include "common.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace dataplane {
namespace {

std::string ArgIfName(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsString()) throw Napi::TypeError::New(info.Env(), "name must be a string");
  std::string name = info[i].As<Napi::String>().Utf8Value();
  if (name.size() >= IFNAMSIZ)
    throw Napi::RangeError::New(info.Env(), "interface name longer than 15 bytes: " + name);
  return name;
}

// Link ioctls (SIOCSIFMTU, SIOCGIFFLAGS...) go through any socket of the
// namespace; a throwaway UDP socket is the usual vehicle.
int LinkIoctl(unsigned long request, struct ifreq* ifr) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  int rc = ioctl(s, request, ifr);
  int err = rc < 0 ? errno : 0;
  close(s);
  return err;
}

void SetSockBuf(int fd, int force_opt, int opt, int bytes) {
  if (bytes <= 0) return;
  // SO_*BUFFORCE (CAP_NET_ADMIN) may exceed net.core.[rw]mem_max; fall back
  // to the capped option when we lack the capability.
  if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof bytes) < 0)
    setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes);
}

}  // namespace

// openTun(name: string, mtu: number): { fd, name }. An empty name lets the
// kernel pick tunN; mtu 0 keeps the kernel's default (1500).
Napi::Value OpenTun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = ArgIfName(info, 0);
  int32_t mtu = ArgInt(info, 1, "mtu");
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw ErrnoError(env, errno, "open", "/dev/net/tun");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  memcpy(ifr.ifr_name, name.data(), name.size());
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    close(fd);
    throw ErrnoError(env, err, "ioctl(TUNSETIFF)", name);
  }
  if (mtu > 0) {
    ifr.ifr_mtu = mtu;
    if (int err = LinkIoctl(SIOCSIFMTU, &ifr)) {
      close(fd);  // the device was not persistent: it goes away with the fd
      throw ErrnoError(env, err, "ioctl(SIOCSIFMTU)", ifr.ifr_name);
    }
  }
  TrackFd(env, fd);
  Napi::Object o = Napi::Object::New(env);
  o.Set("fd", Napi::Number::New(env, fd));
  o.Set("name", Napi::String::New(env, ifr.ifr_name));
  return o;
}

// setLinkUp(name: string, up: boolean): sets or clears IFF_UP (ip link set up/down).
Napi::Value SetLinkUp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = ArgIfName(info, 0);
  if (!info[1].IsBoolean()) throw Napi::TypeError::New(env, "up must be a boolean");
  bool up = info[1].As<Napi::Boolean>().Value();
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, name.data(), name.size());
  if (int err = LinkIoctl(SIOCGIFFLAGS, &ifr)) throw ErrnoError(env, err, "ioctl(SIOCGIFFLAGS)", name);
  if (up) ifr.ifr_flags |= IFF_UP; else ifr.ifr_flags &= ~IFF_UP;
  if (int err = LinkIoctl(SIOCSIFFLAGS, &ifr)) throw ErrnoError(env, err, "ioctl(SIOCSIFFLAGS)", name);
  return env.Undefined();
}

// openRawGre(rcvbuf: number, sndbuf: number): fd. Buffer sizes in bytes, 0
// keeps the default. A large receive buffer is what absorbs bursts.
Napi::Value OpenRawGre(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t rcvbuf = ArgInt(info, 0, "rcvbuf");
  int32_t sndbuf = ArgInt(info, 1, "sndbuf");
  int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_GRE);
  if (fd < 0) throw ErrnoError(env, errno, "socket(AF_INET, SOCK_RAW, IPPROTO_GRE)");
  SetSockBuf(fd, SO_RCVBUFFORCE, SO_RCVBUF, rcvbuf);
  SetSockBuf(fd, SO_SNDBUFFORCE, SO_SNDBUF, sndbuf);
  TrackFd(env, fd);
  return Napi::Number::New(env, fd);
}

// socketBufferSizes(fd): { rcvbuf, sndbuf } as the kernel reports them
// (twice the requested size: the kernel counts its own bookkeeping).
Napi::Value SocketBufferSizes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  int rcv = 0, snd = 0;
  socklen_t len = sizeof rcv;
  if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, &len) < 0) throw ErrnoError(env, errno, "getsockopt(SO_RCVBUF)");
  len = sizeof snd;
  if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, &len) < 0) throw ErrnoError(env, errno, "getsockopt(SO_SNDBUF)");
  Napi::Object o = Napi::Object::New(env);
  o.Set("rcvbuf", Napi::Number::New(env, rcv));
  o.Set("sndbuf", Napi::Number::New(env, snd));
  return o;
}

// close(fd). Stop any Reader on the fd first (libuv must drop it from epoll
// before the number can be reused).
Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  UntrackFd(env, fd);
  if (close(fd) < 0 && errno != EINTR) throw ErrnoError(env, errno, "close");
  return env.Undefined();
}

}  // namespace dataplane
