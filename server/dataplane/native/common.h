// Shared by the addon's files: argument checks that throw JS TypeErrors or
// RangeErrors instead of crashing, errors carrying errno names like Node's own
// (`err.code === 'EACCES'`), and the registry of file descriptors we opened.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace dataplane {

// An Error shaped like Node's system errors: message "EACCES: permission
// denied, open '/dev/net/tun'", code 'EACCES', errno -13 (negative, as in
// Node), syscall 'open'.
Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& path = "");

// True when the error cannot go away by itself (closed or wrong descriptor):
// a reader stops, a writer rethrows instead of dropping one packet.
bool IsFatalErrno(int err);

// Argument accessors. Each throws a TypeError naming the argument.
int32_t ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name);
uint32_t ArgUint(const Napi::CallbackInfo& info, size_t i, const char* name);
Napi::Uint8Array ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* name);
Napi::Uint32Array ArgU32Array(const Napi::CallbackInfo& info, size_t i, const char* name);

// Descriptors opened by this addon, per Node environment; the ones still
// open when the environment is torn down are closed then.
void TrackFd(Napi::Env env, int fd);
void UntrackFd(Napi::Env env, int fd);
void InitFdRegistry(Napi::Env env);

// The JS functions, one file per concern.
Napi::Value OpenTun(const Napi::CallbackInfo& info);          // devices.cc
Napi::Value SetLinkUp(const Napi::CallbackInfo& info);        // devices.cc
Napi::Value OpenRawGre(const Napi::CallbackInfo& info);       // devices.cc
Napi::Value SocketBufferSizes(const Napi::CallbackInfo& info);// devices.cc
Napi::Value CloseFd(const Napi::CallbackInfo& info);          // devices.cc
Napi::Value SendBatch(const Napi::CallbackInfo& info);        // batch_io.cc
Napi::Value WriteBatch(const Napi::CallbackInfo& info);       // batch_io.cc
Napi::Function InitReader(Napi::Env env);                     // reader.cc
void InitMppe(Napi::Env env, Napi::Object exports);           // mppe.cc: mppeStateSize, mppeRc4Engine, mppeInit, mppeCrypt

}  // namespace dataplane
