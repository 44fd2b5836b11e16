// pptpd_dataplane: the data plane's system calls, plus the MPPE cipher (RC4
// and the RFC 3078 key change, mppe.cc). Packet parsing beyond the IPv4
// header, GRE, PPP and every MPPE decision live in TypeScript; see
// docs/dataplane.md and server/dataplane/native.ts (the typed loader).
#include "common.h"

namespace {

Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  using namespace dataplane;
  InitFdRegistry(env);
  exports.Set("openTun", Napi::Function::New(env, OpenTun, "openTun"));
  exports.Set("setLinkUp", Napi::Function::New(env, SetLinkUp, "setLinkUp"));
  exports.Set("openRawGre", Napi::Function::New(env, OpenRawGre, "openRawGre"));
  exports.Set("socketBufferSizes", Napi::Function::New(env, SocketBufferSizes, "socketBufferSizes"));
  exports.Set("close", Napi::Function::New(env, CloseFd, "close"));
  exports.Set("sendBatch", Napi::Function::New(env, SendBatch, "sendBatch"));
  exports.Set("writeBatch", Napi::Function::New(env, WriteBatch, "writeBatch"));
  exports.Set("Reader", InitReader(env));
  InitMppe(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(pptpd_dataplane, InitAddon)
