// Batched writes. A batch is one byte array (the "slab") plus, per packet, an
// offset and a length into it; the caller sends packets [start, end).
//
// Contract shared by sendBatch and writeBatch (the TS wrappers rely on it):
//  - returns how many packets, from `start`, the kernel accepted;
//  - stops early, without throwing, when the kernel pushes back (EAGAIN,
//    ENOBUFS) or when a packet fails after others went out: calling again
//    from start + result either returns 0 (still pushing back) or throws the
//    failing packet's error, so the caller can drop that one packet and go on;
//  - throws an errno error when the very first packet fails.
// Nothing is allocated per call: the message vectors are per-thread statics
// (each JS thread, worker threads included, has its own) and a batch is sent
// in chunks of kChunk.
#include "common.h"

#include <cerrno>
#include <cstring>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace dataplane {
namespace {

constexpr unsigned kChunk = 256;
thread_local struct mmsghdr g_msgs[kChunk];
thread_local struct iovec g_iov[kChunk];
thread_local struct sockaddr_in g_dst[kChunk];

struct Batch {
  uint8_t* data;
  size_t size;
  Napi::Uint32Array offsets;
  Napi::Uint32Array lengths;
  uint32_t start;
  uint32_t end;
};

// Reads (data, offsets, lengths) at argument `first` and (start, end) at
// `first + extra + 3`, and checks every range lies inside the slab.
Batch ArgBatch(const Napi::CallbackInfo& info, size_t first, size_t extra) {
  Napi::Uint8Array data = ArgBytes(info, first, "slab");
  Batch b{data.Data(), data.ByteLength(), ArgU32Array(info, first + 1, "offsets"),
          ArgU32Array(info, first + 2, "lengths"), ArgUint(info, first + extra + 3, "start"),
          ArgUint(info, first + extra + 4, "end")};
  if (b.end > b.offsets.ElementLength() || b.end > b.lengths.ElementLength() || b.start > b.end)
    throw Napi::RangeError::New(info.Env(), "start/end outside the offsets/lengths arrays");
  for (uint32_t i = b.start; i < b.end; i++) {
    uint64_t stop = uint64_t(b.offsets[i]) + b.lengths[i];
    if (stop > b.size) throw Napi::RangeError::New(info.Env(), "packet " + std::to_string(i) + " lies outside the slab");
  }
  return b;
}

bool IsBackpressure(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS; }

}  // namespace

// sendBatch(fd, slab, offsets, lengths, dstIPv4: Uint32Array, start, end): sent.
// dstIPv4[i] is packet i's destination as a host-order integer (10.0.0.1 =
// 0x0a000001). One sendmmsg(2) per chunk of up to 256 packets.
Napi::Value SendBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  Batch b = ArgBatch(info, 1, 1);
  Napi::Uint32Array dsts = ArgU32Array(info, 4, "dstIPv4");
  if (b.end > dsts.ElementLength()) throw Napi::RangeError::New(env, "end beyond dstIPv4");
  uint32_t sent = 0;
  uint32_t i = b.start;
  int interrupted = 0;
  while (i < b.end) {
    unsigned n = 0;
    for (; n < kChunk && i + n < b.end; n++) {
      uint32_t p = i + n;
      g_iov[n].iov_base = b.data + b.offsets[p];
      g_iov[n].iov_len = b.lengths[p];
      memset(&g_dst[n], 0, sizeof g_dst[n]);
      g_dst[n].sin_family = AF_INET;
      g_dst[n].sin_addr.s_addr = htonl(dsts[p]);
      memset(&g_msgs[n], 0, sizeof g_msgs[n]);
      g_msgs[n].msg_hdr.msg_name = &g_dst[n];
      g_msgs[n].msg_hdr.msg_namelen = sizeof g_dst[n];
      g_msgs[n].msg_hdr.msg_iov = &g_iov[n];
      g_msgs[n].msg_hdr.msg_iovlen = 1;
    }
    int r = sendmmsg(fd, g_msgs, n, MSG_DONTWAIT);
    if (r < 0 && errno == EINTR && ++interrupted < 8) continue;  // nothing sent: same chunk again
    if (r < 0) {
      int err = errno;
      if (sent > 0 || IsBackpressure(err)) return Napi::Number::New(env, sent);
      throw ErrnoError(env, err, "sendmmsg");
    }
    sent += r;
    i += r;
    if (unsigned(r) < n) break;  // the next call tells why
  }
  return Napi::Number::New(env, sent);
}

// writeBatch(fd, slab, offsets, lengths, start, end): written. A TUN device
// is not a socket (no sendmmsg): one write(2) per packet, each one packet.
Napi::Value WriteBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  Batch b = ArgBatch(info, 1, 0);
  uint32_t i = b.start;
  int interrupted = 0;
  while (i < b.end) {
    ssize_t w = write(fd, b.data + b.offsets[i], b.lengths[i]);
    if (w < 0) {
      int err = errno;
      if (err == EINTR && ++interrupted < 8) continue;
      if (i > b.start || IsBackpressure(err)) break;
      throw ErrnoError(env, err, "write");
    }
    i++;
  }
  return Napi::Number::New(env, i - b.start);
}

}  // namespace dataplane
