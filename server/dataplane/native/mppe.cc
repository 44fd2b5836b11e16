// MPPE encryption core (RFC 3078) for the packet path: RC4 over the payload and
// the key change of RFC 3078 §7.3 (GetNewKeyFromSHA, RFC 3079 §3.1-3.3), in C++
// because stateless MPPE changes key on every packet and that is the largest
// part of the data path's cost in TypeScript (docs/performance.md, "Crypto").
//
// Only the cipher lives here. Which packets change key, the coherency count,
// flushes and every decision about network input stay in TypeScript
// (server/crypto/mppe.ts); this file is told "make n key changes, then XOR the
// key stream into this range" and does exactly that.
//
// One direction's state is a JS-owned Buffer of kMppeStateSize bytes laid out
// as MppeState below, so the JS session object owns it (nothing to free, no
// handle to leak) and this code keeps nothing between calls. The buffer is
// checked on every call: a foreign or damaged buffer is a TypeError, never an
// out-of-bounds access (every index is a uint8_t into a 256-byte table, key
// lengths are re-checked).
//
// SHA-1 comes from the OpenSSL inside node (node exports its libcrypto
// symbols to addons). We call SHA1_Init/Update/Final, deprecated in OpenSSL 3
// but present in node's build: the one-shot SHA1() goes through EVP_Q_digest,
// which fetches the algorithm by name on every call (measured 330 ns against
// 82 ns for the 112-octet input, on every packet in stateless mode).
//
// The key stream over the payload comes from the same OpenSSL's RC4() (its
// assembly processes eight octets per round: 1.5 µs against 2.0 µs for
// Rc4Xor below on a 1400-octet packet here), on a stack copy of our table;
// see Rc4Payload. Rc4Xor stays for short ranges and as the fallback when that
// RC4 does not keep the table in the plain layout (checked once at load).
#include "common.h"

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/rc4.h>
#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace dataplane {
namespace {

constexpr uint8_t kMagic = 0x4d;  // 'M': written by mppeInit
constexpr size_t kPadLength = 40;  // SHApad1 / SHApad2 (RFC 3079 §3.1)
// Upper bound on key changes in one call. The decoder never asks for more than
// MPPE_MAX_STATELESS_GAP (2048) plus a few flag packets; this only bounds the
// work of a caller bug.
constexpr uint32_t kMaxChanges = 4096;

struct MppeState {
  uint8_t s[256];          // RC4 permutation S
  uint8_t i;               // RC4 index i
  uint8_t j;               // RC4 index j
  uint8_t magic;           // kMagic once initialized
  uint8_t keyLength;       // session key length: 8 (40/56-bit) or 16 (128-bit)
  uint8_t bits;            // 40, 56 or 128
  uint8_t reserved[3];
  uint8_t startKey[16];    // RFC 3078 §7.3 StartKey (the master key for this direction)
  uint8_t sessionKey[16];  // the current SessionKey (first keyLength octets)
};
static_assert(sizeof(MppeState) == 296, "MppeState layout is shared with server/crypto/mppe-native.ts");

struct Identity {
  uint8_t v[256];
  Identity() {
    for (unsigned k = 0; k < 256; k++) v[k] = uint8_t(k);
  }
};
const Identity kIdentity;

// rc4_key (RFC 3078 §5 names it so): the RC4 key schedule. MPPE keys are 8
// or 16 octets, divisors of 256, so the key index is the inner loop's counter;
// with the inner loop fully unrolled, the key octets held in registers and j
// an octet (no masking), it runs in ~445 ns against ~540 ns for the plain
// loop here (two schedules per packet in stateless mode).
template <unsigned kLength>
void Rc4ScheduleFixed(uint8_t* s, const uint8_t* keyBytes) {
  static_assert(256 % kLength == 0, "key length must divide 256");
  uint8_t key[kLength];
  memcpy(key, keyBytes, kLength);
  memcpy(s, kIdentity.v, 256);
  uint8_t j = 0;
  for (unsigned k = 0; k < 256; k += kLength) {
#pragma GCC unroll 16
    for (unsigned q = 0; q < kLength; q++) {
      uint8_t sk = s[k + q];
      j = uint8_t(j + sk + key[q]);
      s[k + q] = s[j];
      s[j] = sk;
    }
  }
}

void Rc4Schedule(uint8_t* s, const uint8_t* key, unsigned keyLength) {
  if (keyLength == 16) Rc4ScheduleFixed<16>(s, key);
  else Rc4ScheduleFixed<8>(s, key);  // 40/56-bit: the only other length ArgState admits
}

// One RC4 output step: advances (i, j), swaps, returns the key stream octet.
inline uint8_t Rc4Step(uint8_t* s, unsigned& i, unsigned& j) {
  i = (i + 1) & 0xff;
  unsigned si = s[i];
  j = (j + si) & 0xff;
  unsigned sj = s[j];
  s[i] = uint8_t(sj);
  s[j] = uint8_t(si);
  return s[(si + sj) & 0xff];
}

// XORs the key stream into p[0, n), in place. Eight octets of key stream are
// gathered in a register and XORed as one word (measured ~25 % faster than
// one octet at a time on the 1400-octet packets of the data path).
void Rc4Xor(uint8_t* s, uint8_t& si8, uint8_t& sj8, uint8_t* p, size_t n) {
  unsigned i = si8;
  unsigned j = sj8;
  size_t k = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  for (; k + 8 <= n; k += 8) {
    // Written out: GCC at -O2 does not unroll the 8-step loop, and the shifts by a
    // loop counter then cost more than the steps.
    uint64_t ks = uint64_t(Rc4Step(s, i, j));
    ks |= uint64_t(Rc4Step(s, i, j)) << 8;
    ks |= uint64_t(Rc4Step(s, i, j)) << 16;
    ks |= uint64_t(Rc4Step(s, i, j)) << 24;
    ks |= uint64_t(Rc4Step(s, i, j)) << 32;
    ks |= uint64_t(Rc4Step(s, i, j)) << 40;
    ks |= uint64_t(Rc4Step(s, i, j)) << 48;
    ks |= uint64_t(Rc4Step(s, i, j)) << 56;
    uint64_t w;
    memcpy(&w, p + k, 8);
    w ^= ks;  // little endian: bits 8b..8b+7 of ks are octet b of the word
    memcpy(p + k, &w, 8);
  }
#endif
  for (; k < n; k++) p[k] ^= Rc4Step(s, i, j);
  si8 = uint8_t(i);
  sj8 = uint8_t(j);
}

// Whether OpenSSL's RC4_KEY holds the permutation as data[0..255] = S[0..255]
// with x = i and y = j (its public layout). Its x86_64 assembly picks a
// packed-octet layout on some old Intel CPUs instead, which Rc4Payload cannot
// translate; OpensslRc4Usable() checks once with a known answer.
bool OpensslRc4Usable();

// Below this many octets the table copies cost more than the faster loop saves.
constexpr size_t kOpensslRc4Min = 128;

// The key stream XORed into p[0, n) from the state's table, which is advanced
// exactly as Rc4Xor would; through OpenSSL's RC4 on a copy of the table
// when that is available and worth it.
void Rc4Payload(uint8_t* s, uint8_t& si8, uint8_t& sj8, uint8_t* p, size_t n) {
  if (n < kOpensslRc4Min || !OpensslRc4Usable()) return Rc4Xor(s, si8, sj8, p, n);
  RC4_KEY key;
  key.x = si8;
  key.y = sj8;
  for (unsigned q = 0; q < 256; q++) key.data[q] = s[q];
  RC4(&key, n, p, p);
  for (unsigned q = 0; q < 256; q++) s[q] = uint8_t(key.data[q]);
  si8 = uint8_t(key.x);
  sj8 = uint8_t(key.y);
}

// Runs both key streams on the same table and text once; OpenSSL's RC4 is used
// only when it agrees with Rc4Xor octet for octet and leaves the same table.
bool OpensslRc4Agrees() {
  uint8_t key[16];
  for (unsigned q = 0; q < 16; q++) key[q] = uint8_t(0x5a ^ (q * 37));
  uint8_t a[256], b[256];
  memcpy(a, kIdentity.v, 256);
  unsigned j = 0;
  for (unsigned k = 0; k < 256; k++) {
    j = (j + a[k] + key[k % 16]) & 0xff;
    uint8_t t = a[k];
    a[k] = a[j];
    a[j] = t;
  }
  memcpy(b, a, 256);
  uint8_t ia = 7, ja = 201, ib = 7, jb = 201;
  uint8_t x[1000], y[1000];
  for (unsigned q = 0; q < sizeof x; q++) x[q] = y[q] = uint8_t(q * 13 + 1);
  Rc4Xor(a, ia, ja, x, sizeof x);
  RC4_KEY k;
  k.x = ib;
  k.y = jb;
  for (unsigned q = 0; q < 256; q++) k.data[q] = b[q];
  RC4(&k, sizeof y, y, y);
  for (unsigned q = 0; q < 256; q++) {
    if (k.data[q] > 0xff) return false;
    b[q] = uint8_t(k.data[q]);
  }
  return memcmp(x, y, sizeof x) == 0 && memcmp(a, b, 256) == 0 && ia == uint8_t(k.x) && ja == uint8_t(k.y);
}

bool OpensslRc4Usable() {
  static const bool usable = OpensslRc4Agrees();  // once per process, thread-safe
  return usable;
}

// The strength reduction of RFC 3078 §7.3 / RFC 3079 §3.1-3.2: 40-bit keys
// start D1 26 9E, 56-bit keys start D1.
void ReduceKey(uint8_t* key, uint8_t bits) {
  if (bits == 40) {
    key[0] = 0xd1;
    key[1] = 0x26;
    key[2] = 0x9e;
  } else if (bits == 56) {
    key[0] = 0xd1;
  }
}

// GetNewKeyFromSHA(StartKey, SessionKey, Length) (RFC 3079 §3.1 pseudocode,
// RFC 3078 §7.3): the first Length octets of
// SHA-1(StartKey ‖ SHApad1 (40 × 0x00) ‖ SessionKey ‖ SHApad2 (40 × 0xF2)).
void GetNewKeyFromSHA(const uint8_t* startKey, const uint8_t* sessionKey, unsigned len, uint8_t* interimKey) {
  uint8_t input[16 + kPadLength + 16 + kPadLength];
  uint8_t* p = input;
  memcpy(p, startKey, len);
  p += len;
  memset(p, 0x00, kPadLength);
  p += kPadLength;
  memcpy(p, sessionKey, len);
  p += len;
  memset(p, 0xf2, kPadLength);
  p += kPadLength;
  uint8_t digest[SHA_DIGEST_LENGTH];
  SHA_CTX ctx;
  SHA1_Init(&ctx);
  SHA1_Update(&ctx, input, size_t(p - input));
  SHA1_Final(digest, &ctx);
  memcpy(interimKey, digest, len);
}

// The key change of RFC 3078 §7.3, session key only:
//   InterimKey = GetNewKeyFromSHA(StartKey, SessionKey, Length)
//   rc4_key(RC4Key, Length, InterimKey)
//   SessionKey = rc4(RC4Key, Length, InterimKey)
//   (40/56-bit) reduce SessionKey
// The RC4 table for the data is set up by the caller, once after the last change.
// `len` and `bits` are the values ArgState checked, passed down rather than re-read
// from the buffer (JS owns it: nothing may be trusted twice).
void ChangeSessionKey(MppeState* st, unsigned len, uint8_t bits) {
  uint8_t interim[16];
  GetNewKeyFromSHA(st->startKey, st->sessionKey, len, interim);
  uint8_t s[256];
  Rc4Schedule(s, interim, len);
  unsigned i = 0;
  unsigned j = 0;
  for (unsigned k = 0; k < len; k++) st->sessionKey[k] = interim[k] ^ Rc4Step(s, i, j);
  ReduceKey(st->sessionKey, bits);
}

void ResetTables(MppeState* st, unsigned len) {
  Rc4Schedule(st->s, st->sessionKey, len);
  st->i = 0;
  st->j = 0;
}

// ---- argument checks (raw N-API on the per-packet call: no wrapper objects) ----

// napi_get_typedarray_info itself refuses (napi_invalid_arg) anything but a
// typed array, so no separate napi_is_typedarray call on the per-packet path.
bool IsByteArray(napi_env env, napi_value v, uint8_t** data, size_t* length) {
  napi_typedarray_type type;
  void* ptr = nullptr;
  if (napi_get_typedarray_info(env, v, &type, length, &ptr, nullptr, nullptr) != napi_ok) return false;
  if (type != napi_uint8_array) return false;
  *data = static_cast<uint8_t*>(ptr);
  return true;
}

// The state buffer, checked; nullptr (with a TypeError pending) when it is not one. Its
// memory must be a plain ArrayBuffer: a SharedArrayBuffer could be rewritten by another
// thread between the checks below and their use. `len`/`bits` get the checked values.
MppeState* ArgState(napi_env env, napi_value v, bool mustBeInitialized, unsigned* len = nullptr, uint8_t* bits = nullptr) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value ab;
  bool plain = false;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, nullptr) != napi_ok || type != napi_uint8_array ||
      length != sizeof(MppeState) || napi_is_arraybuffer(env, ab, &plain) != napi_ok || !plain) {
    napi_throw_type_error(env, nullptr, "MPPE state must be a Uint8Array of mppeStateSize bytes over a plain (not shared) ArrayBuffer");
    return nullptr;
  }
  MppeState* st = static_cast<MppeState*>(data);  // all members are octets: no alignment needed
  if (mustBeInitialized) {
    const uint8_t b = st->bits;
    const uint8_t l = st->keyLength;
    bool lengthOk = (b == 128 && l == 16) || ((b == 40 || b == 56) && l == 8);
    if (st->magic != kMagic || !lengthOk) {
      napi_throw_type_error(env, nullptr, "MPPE state is not initialized (mppeInit) or was overwritten");
      return nullptr;
    }
    if (len != nullptr) *len = l;
    if (bits != nullptr) *bits = b;
  }
  return st;
}

// A whole number in [0, 2^32): values that ToUint32 would wrap (negative, fractional,
// 2^32 and above) are a RangeError, anything else a TypeError.
bool ArgU32(napi_env env, napi_value v, const char* name, uint32_t* out) {
  double d = 0;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    std::string msg = std::string(name) + " must be a number";
    napi_throw_type_error(env, nullptr, msg.c_str());
    return false;
  }
  if (!(d >= 0 && d <= 4294967295.0) || d != static_cast<double>(static_cast<uint32_t>(d))) {
    std::string msg = std::string(name) + " must be a whole number from 0 to 2^32-1";
    napi_throw_range_error(env, nullptr, msg.c_str());
    return false;
  }
  *out = static_cast<uint32_t>(d);
  return true;
}

// mppeInit(state: Uint8Array(mppeStateSize), masterKey: Uint8Array, bits: 40 | 56 | 128): void
// Sets up one direction: StartKey = the master key's first Length octets, the
// initial SessionKey = GetNewKeyFromSHA(StartKey, StartKey) reduced (RFC 3079
// §3.1-3.3: no RC4 step for the first key), RC4 keyed with it.
napi_value MppeInit(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  if (argc < 3) {
    napi_throw_type_error(env, nullptr, "mppeInit(state, masterKey, bits)");
    return nullptr;
  }
  MppeState* st = ArgState(env, argv[0], false);
  if (st == nullptr) return nullptr;
  uint8_t* key = nullptr;
  size_t keyBytes = 0;
  if (!IsByteArray(env, argv[1], &key, &keyBytes)) {
    napi_throw_type_error(env, nullptr, "masterKey must be a Uint8Array");
    return nullptr;
  }
  uint32_t bits = 0;
  if (!ArgU32(env, argv[2], "bits", &bits)) return nullptr;
  if (bits != 40 && bits != 56 && bits != 128) {
    napi_throw_range_error(env, nullptr, "bits must be 40, 56 or 128");
    return nullptr;
  }
  const unsigned len = bits == 128 ? 16 : 8;
  if (keyBytes < len) {
    napi_throw_range_error(env, nullptr, "masterKey is shorter than the session key length");
    return nullptr;
  }
  memset(st, 0, sizeof *st);
  st->keyLength = uint8_t(len);
  st->bits = uint8_t(bits);
  memcpy(st->startKey, key, len);
  GetNewKeyFromSHA(st->startKey, st->startKey, len, st->sessionKey);
  ReduceKey(st->sessionKey, uint8_t(bits));
  ResetTables(st, len);
  st->magic = kMagic;
  return nullptr;
}

// mppeCrypt(state, buf: Uint8Array, start, end, keyChanges, flushed): void
// Makes `keyChanges` key changes (§7.3) and keys RC4 with the final session
// key; with no key change and `flushed` true, re-keys RC4 with the current
// session key (§8.2 resynchronization). Then XORs the key stream into
// buf[start, end). Encrypt and decrypt are the same call.
napi_value MppeCrypt(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  if (argc < 6) {
    napi_throw_type_error(env, nullptr, "mppeCrypt(state, buf, start, end, keyChanges, flushed)");
    return nullptr;
  }
  unsigned len = 0;
  uint8_t bits = 0;
  MppeState* st = ArgState(env, argv[0], true, &len, &bits);
  if (st == nullptr) return nullptr;
  uint8_t* buf = nullptr;
  size_t bufBytes = 0;
  if (!IsByteArray(env, argv[1], &buf, &bufBytes)) {
    napi_throw_type_error(env, nullptr, "buf must be a Uint8Array");
    return nullptr;
  }
  uint32_t start = 0, end = 0, changes = 0;
  if (!ArgU32(env, argv[2], "start", &start) || !ArgU32(env, argv[3], "end", &end) ||
      !ArgU32(env, argv[4], "keyChanges", &changes)) {
    return nullptr;
  }
  if (start > end || end > bufBytes) {
    napi_throw_range_error(env, nullptr, "MPPE range outside the buffer");
    return nullptr;
  }
  if (changes > kMaxChanges) {
    napi_throw_range_error(env, nullptr, "too many key changes in one call");
    return nullptr;
  }
  bool flushed = false;
  if (napi_get_value_bool(env, argv[5], &flushed) != napi_ok) {
    napi_throw_type_error(env, nullptr, "flushed must be a boolean");
    return nullptr;
  }
  for (uint32_t k = 0; k < changes; k++) ChangeSessionKey(st, len, bits);
  if (changes > 0 || flushed) ResetTables(st, len);
  Rc4Payload(st->s, st->i, st->j, buf + start, end - start);
  return nullptr;
}

}  // namespace

void InitMppe(Napi::Env env, Napi::Object exports) {
  const bool opensslRc4 = OpensslRc4Usable();
  exports.Set("mppeStateSize", Napi::Number::New(env, double(sizeof(MppeState))));
  exports.Set("mppeRc4Engine", Napi::String::New(env, opensslRc4 ? RC4_options() : "builtin"));
  napi_value fn;
  if (napi_create_function(env, "mppeInit", NAPI_AUTO_LENGTH, MppeInit, nullptr, &fn) != napi_ok) {
    throw Napi::Error::New(env, "cannot create mppeInit");
  }
  exports.Set("mppeInit", Napi::Value(env, fn));
  if (napi_create_function(env, "mppeCrypt", NAPI_AUTO_LENGTH, MppeCrypt, nullptr, &fn) != napi_ok) {
    throw Napi::Error::New(env, "cannot create mppeCrypt");
  }
  exports.Set("mppeCrypt", Napi::Value(env, fn));
}

}  // namespace dataplane
