// Reader: drains a TUN fd or a raw IPv4 socket in batches on Node's own event
// loop (uv_poll), into memory that is allocated once and reused.
//
//   new Reader(fd, mode, batch, stride, onBatch(count), onError(err))
//     mode 0 = TUN: one read(2) per packet, up to `batch` per round;
//     mode 1 = raw IPv4 socket: one recvmmsg(2) per round. The IPv4 header is
//              validated and skipped: offsets/lengths describe the payload
//              (for GRE: the GRE header onwards) and sources[i] is the
//              sender's IPv4 address as a host-order integer.
//   reader.slab     Buffer of batch * stride bytes; slot i starts at i * stride
//   reader.offsets  Uint32Array(batch): packet i starts at slab[offsets[i]]
//   reader.lengths  Uint32Array(batch)
//   reader.sources  Uint32Array(batch), mode 1 only
//   reader.stop()   stops polling (idempotent); the fd stays open
//   reader.stats()  { packets, batches, dropped, errors }
//
// onBatch(count) sees packets 0..count-1; the arrays are overwritten by the
// next batch, so a consumer copies what it keeps. Malformed or truncated
// datagrams are dropped and counted, never passed on. onError(err) reports a
// fatal error (bad fd, device gone); polling has stopped by then.
#include "common.h"

#include <uv.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace dataplane {
namespace {

constexpr int kModeTun = 0;
constexpr int kModeRawIPv4 = 1;
// Rounds per wakeup: bounds the time spent before other I/O gets its turn.
constexpr int kMaxRounds = 16;

class Reader;

// The uv_poll handle, apart from the Reader: its close completes on a later loop turn,
// possibly after the Reader is gone. An async environment cleanup hook holds a worker's
// teardown (and the unloading of this addon) until that close has completed: without it,
// libuv would call our close callback in code already unmapped.
struct Poller {
  uv_poll_t handle;
  napi_async_cleanup_hook_handle hook = nullptr;
  Reader* owner = nullptr;
  bool closing = false;
};

void ClosePoller(Poller* p) {
  if (p->closing) return;
  p->closing = true;
  p->owner = nullptr;
  uv_poll_stop(&p->handle);
  uv_close(reinterpret_cast<uv_handle_t*>(&p->handle), [](uv_handle_t* h) {
    Poller* done = static_cast<Poller*>(h->data);
    if (done->hook != nullptr) napi_remove_async_cleanup_hook(done->hook);
    delete done;
  });
}

class Reader : public Napi::ObjectWrap<Reader> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Reader",
                       {InstanceMethod("stop", &Reader::Stop), InstanceMethod("stats", &Reader::Stats)});
  }

  explicit Reader(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Reader>(info), async_(info.Env(), "pptpd.Reader") {
    Napi::Env env = info.Env();
    fd_ = ArgInt(info, 0, "fd");
    mode_ = ArgInt(info, 1, "mode");
    batch_ = ArgUint(info, 2, "batch");
    stride_ = ArgUint(info, 3, "stride");
    if (mode_ != kModeTun && mode_ != kModeRawIPv4) throw Napi::RangeError::New(env, "mode must be 0 (TUN) or 1 (raw IPv4)");
    if (batch_ < 1 || batch_ > 1024) throw Napi::RangeError::New(env, "batch must be 1..1024");
    if (stride_ < 64 || stride_ > 65536) throw Napi::RangeError::New(env, "stride must be 64..65536");
    if (!info[4].IsFunction() || !info[5].IsFunction()) throw Napi::TypeError::New(env, "onBatch and onError must be functions");
    onBatch_ = Napi::Persistent(info[4].As<Napi::Function>());
    onError_ = Napi::Persistent(info[5].As<Napi::Function>());

    Napi::Object self = info.This().As<Napi::Object>();
    Napi::Buffer<uint8_t> slab = Napi::Buffer<uint8_t>::New(env, size_t(batch_) * stride_);
    Napi::Uint32Array offsets = Napi::Uint32Array::New(env, batch_);
    Napi::Uint32Array lengths = Napi::Uint32Array::New(env, batch_);
    // The raw pointers below stay valid because this object holds its own references
    // to the arrays (an ArrayBuffer's memory never moves), whatever JS does with the
    // properties; and the properties are read-only, so JS always sees those arrays.
    Expose(self, "slab", slab, slabRef_);
    Expose(self, "offsets", offsets, offsetsRef_);
    Expose(self, "lengths", lengths, lengthsRef_);
    slab_ = slab.Data();
    offsets_ = offsets.Data();
    lengths_ = lengths.Data();
    if (mode_ == kModeRawIPv4) {
      Napi::Uint32Array sources = Napi::Uint32Array::New(env, batch_);
      Expose(self, "sources", sources, sourcesRef_);
      sources_ = sources.Data();
      msgs_.resize(batch_);
      iov_.resize(batch_);
      for (uint32_t i = 0; i < batch_; i++) {
        iov_[i].iov_base = slab_ + size_t(i) * stride_;
        iov_[i].iov_len = stride_;
        memset(&msgs_[i], 0, sizeof msgs_[i]);
        msgs_[i].msg_hdr.msg_iov = &iov_[i];
        msgs_[i].msg_hdr.msg_iovlen = 1;
      }
    }

    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "no event loop");
    Poller* p = new Poller;
    if (int rc = uv_poll_init(loop, &p->handle, fd_)) {
      delete p;
      throw ErrnoError(env, -rc, "uv_poll_init");
    }
    p->handle.data = p;
    p->owner = this;
    poller_ = p;
    napi_add_async_cleanup_hook(env, OnEnvCleanup, p, &p->hook);
    uv_poll_start(&p->handle, UV_READABLE, OnPoll);
    polling_ = true;
    Ref();  // while polling, the reader lives even if JS drops every reference
  }

  ~Reader() override {
    if (poller_ != nullptr) ClosePoller(poller_);
  }

 private:
  template <typename T>
  static void Expose(Napi::Object self, const char* name, T value, Napi::Reference<T>& ref) {
    ref = Napi::Persistent(value);
    self.DefineProperty(Napi::PropertyDescriptor::Value(name, value, napi_enumerable));
  }

  // The environment (a worker) is going away: stop polling; its teardown waits for the
  // close to complete (ClosePoller's callback removes this hook).
  static void OnEnvCleanup(napi_async_cleanup_hook_handle, void* arg) {
    Poller* p = static_cast<Poller*>(arg);
    if (p->owner != nullptr) {
      p->owner->polling_ = false;
      p->owner->poller_ = nullptr;
    }
    ClosePoller(p);
  }

  static void OnPoll(uv_poll_t* handle, int status, int events) {
    Reader* self = static_cast<Poller*>(handle->data)->owner;
    if (self == nullptr || !self->polling_) return;
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    // A local handle to the JS object: it cannot be collected while we are
    // in here, even if a callback stops the reader and drops its references.
    Napi::Object keep = self->Value();
    (void)keep;
    try {
      if (status < 0) return self->Fail(-status, "uv_poll");
      if (events & UV_READABLE) self->Drain();
    } catch (const Napi::Error& e) {
      // A JS callback threw: report it like any uncaught exception.
      napi_fatal_exception(env, e.Value());
    }
  }

  void Drain() {
    for (int round = 0; round < kMaxRounds && polling_; round++) {
      int n = mode_ == kModeTun ? ReadTun() : ReadRaw();
      if (n < 0) return;  // EAGAIN (drained), or a fatal error already reported
      if (n > 0) {
        batches_++;
        packets_ += n;
        onBatch_.MakeCallback(Value(), {Napi::Number::New(Env(), n)}, async_);
      }
      if (uint32_t(got_) < batch_) return;  // the queue is empty for now
    }
  }

  // Returns packets delivered in slots 0..n-1, or -1 to end this wakeup.
  int ReadTun() {
    got_ = 0;
    while (got_ < int(batch_)) {
      uint8_t* slot = slab_ + size_t(got_) * stride_;
      ssize_t r = read(fd_, slot, stride_);
      if (r < 0) {
        if (errno == EINTR) continue;
        if (!Transient(errno, "read")) return -1;
        break;
      }
      offsets_[got_] = uint32_t(got_) * stride_;
      lengths_[got_] = uint32_t(r);
      got_++;
    }
    return got_;
  }

  int ReadRaw() {
    got_ = 0;
    int r = recvmmsg(fd_, msgs_.data(), batch_, MSG_DONTWAIT, nullptr);
    if (r < 0) {
      if (errno == EINTR || Transient(errno, "recvmmsg")) return 0;
      return -1;
    }
    got_ = r;
    int n = 0;  // packets kept, compacted to the front of the arrays
    for (int i = 0; i < r; i++) {
      uint32_t len = msgs_[i].msg_len;
      const uint8_t* ip = slab_ + size_t(i) * stride_;
      uint32_t ihl = uint32_t(ip[0] & 0x0f) * 4;
      // RFC 791 §3.1: version 4, IHL >= 5 words, header within the datagram.
      if ((msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) || len < 20 || (ip[0] >> 4) != 4 || ihl < 20 || ihl > len) {
        dropped_++;
        continue;
      }
      offsets_[n] = uint32_t(i) * stride_ + ihl;
      lengths_[n] = len - ihl;
      sources_[n] = (uint32_t(ip[12]) << 24) | (uint32_t(ip[13]) << 16) | (uint32_t(ip[14]) << 8) | ip[15];
      n++;
    }
    return n;
  }

  // Decides what an errno means for the reader: EAGAIN = drained; errors a
  // socket queues from ICMP (ECONNREFUSED, EHOSTUNREACH...) are counted and
  // cleared by the read itself; a fatal one stops the reader.
  bool Transient(int err, const char* syscall) {
    if (err == EAGAIN || err == EWOULDBLOCK) return true;
    errors_++;
    if (!IsFatalErrno(err)) return true;
    Fail(err, syscall);
    return false;
  }

  void Fail(int err, const char* syscall) {
    StopPolling();
    onError_.MakeCallback(Value(), {ErrnoError(Env(), err, syscall).Value()}, async_);
  }

  void StopPolling() {
    if (!polling_) return;
    polling_ = false;
    // uv_close drops the fd from epoll now; the handle is freed on the next
    // loop turn, after which the fd may be closed and its number reused.
    ClosePoller(poller_);
    poller_ = nullptr;
    Unref();
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    StopPolling();
    return info.Env().Undefined();
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("packets", Napi::Number::New(info.Env(), double(packets_)));
    o.Set("batches", Napi::Number::New(info.Env(), double(batches_)));
    o.Set("dropped", Napi::Number::New(info.Env(), double(dropped_)));
    o.Set("errors", Napi::Number::New(info.Env(), double(errors_)));
    return o;
  }

  Napi::FunctionReference onBatch_, onError_;
  Napi::Reference<Napi::Buffer<uint8_t>> slabRef_;
  Napi::Reference<Napi::Uint32Array> offsetsRef_, lengthsRef_, sourcesRef_;

  Napi::AsyncContext async_;
  int fd_ = -1;
  int mode_ = kModeTun;
  uint32_t batch_ = 0, stride_ = 0;
  int got_ = 0;  // datagrams taken from the kernel in the last round
  uint8_t* slab_ = nullptr;
  uint32_t* offsets_ = nullptr;
  uint32_t* lengths_ = nullptr;
  uint32_t* sources_ = nullptr;
  std::vector<struct mmsghdr> msgs_;
  std::vector<struct iovec> iov_;
  Poller* poller_ = nullptr;
  bool polling_ = false;
  uint64_t packets_ = 0, batches_ = 0, dropped_ = 0, errors_ = 0;
};

}  // namespace

Napi::Function InitReader(Napi::Env env) { return Reader::Init(env); }

}  // namespace dataplane
