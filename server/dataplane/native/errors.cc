// Errors, argument checks and the descriptor registry (see common.h).
#include "common.h"

#include <uv.h>

#include <cerrno>
#include <cstring>
#include <set>

#include <unistd.h>

namespace dataplane {

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& path) {
  char name[64];
  // libuv's table gives the symbolic name ("EACCES"); it takes negative errnos.
  uv_err_name_r(-err, name, sizeof name);
  std::string message = std::string(name) + ": " + strerror(err) + ", " + syscall;
  if (!path.empty()) message += " '" + path + "'";
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, name));
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("syscall", Napi::String::New(env, syscall));
  if (!path.empty()) e.Set("path", Napi::String::New(env, path));
  return e;
}

bool IsFatalErrno(int err) {
  return err == EBADF || err == EBADFD || err == ENOTSOCK || err == EFAULT;
}

// Whole numbers in range only: ToInt32/ToUint32 would wrap 2^32 + 1 to 1 silently.
int32_t ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= -2147483648.0 && d <= 2147483647.0) || d != static_cast<double>(static_cast<int32_t>(d)))
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be a whole number from -2^31 to 2^31-1");
  return static_cast<int32_t>(d);
}

uint32_t ArgUint(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a non-negative number");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 4294967295.0) || d != static_cast<double>(static_cast<uint32_t>(d)))
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be a whole number from 0 to 2^32-1");
  return static_cast<uint32_t>(d);
}

Napi::Uint8Array ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Buffer or Uint8Array");
  return info[i].As<Napi::Uint8Array>();
}

Napi::Uint32Array ArgU32Array(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array)
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Uint32Array");
  return info[i].As<Napi::Uint32Array>();
}

namespace {
struct FdRegistry {
  std::set<int> fds;
  ~FdRegistry() {
    for (int fd : fds) close(fd);
  }
};
}  // namespace

void InitFdRegistry(Napi::Env env) { env.SetInstanceData<FdRegistry>(new FdRegistry()); }

void TrackFd(Napi::Env env, int fd) {
  if (FdRegistry* r = env.GetInstanceData<FdRegistry>()) r->fds.insert(fd);
}

void UntrackFd(Napi::Env env, int fd) {
  if (FdRegistry* r = env.GetInstanceData<FdRegistry>()) r->fds.erase(fd);
}

}  // namespace dataplane
