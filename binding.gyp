# The data plane's native addon (server/dataplane/native): TUN devices and raw
# IPv4 GRE sockets with batched reads (recvmmsg) and writes (sendmmsg), and the
# MPPE cipher (RC4 + RFC 3078 key change; SHA-1 from the OpenSSL inside node,
# whose headers node-gyp puts on the include path).
# `npm ci` runs `node-gyp rebuild` by itself because this file sits at the
# repository root; the result is build/Release/pptpd_dataplane.node.
{
  "targets": [{
    "target_name": "pptpd_dataplane",
    "sources": [
      "server/dataplane/native/addon.cc",
      "server/dataplane/native/errors.cc",
      "server/dataplane/native/devices.cc",
      "server/dataplane/native/batch_io.cc",
      "server/dataplane/native/reader.cc",
      "server/dataplane/native/mppe.cc"
    ],
    "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
    "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra"],
    "conditions": [["OS!='linux'", {"type": "none"}]]
  }]
}
