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

int32_t ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().Int32Value();
}

uint32_t ArgUint(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber() || info[i].As<Napi::Number>().DoubleValue() < 0)
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a non-negative number");
  return info[i].As<Napi::Number>().Uint32Value();
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
