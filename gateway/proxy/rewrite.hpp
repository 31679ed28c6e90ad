// SPDX-License-Identifier: Apache-2.0
#pragma once
// Header rewriting between client and backend (RFC 9110 §7.6.1): hop-by-hop headers
// and whatever the Connection header names are removed; identity headers are set by
// the gateway only (SP-5), under every spelling a backend might fold into them.
#include <string>
#include <string_view>

#include "gateway/proxy/backend_pool.hpp"

namespace gw::proxy {

// A header name as backends compare it: ASCII lower case, '_' read as '-' (CGI, WSGI,
// PHP and Rack all map both to the same HTTP_X_DEVICE_ID variable).
[[nodiscard]] std::string fold_header_name(std::string_view name);

// True for the names a client may not send under any spelling (after folding): the
// headers the gateway sets (X-Device-ID, X-Forwarded-For, X-Forwarded-Proto, Host), the
// identity headers reverse proxies conventionally add (Forwarded, X-Real-IP,
// X-Forwarded-*, X-Client-Cert*, X-SSL-Client-*), the framing the gateway owns
// (Content-Length, Transfer-Encoding, Expect) and the hop-by-hop ones.
[[nodiscard]] bool reserved_header(std::string_view folded_name);

// Builds the backend request: same method, target and body; X-Device-ID set to the
// authenticated device, X-Forwarded-For set to the client address (a client's own value
// is dropped, not appended to: nothing before the gateway is trusted), X-Forwarded-Proto
// https, Host the backend; every reserved header of the client dropped, Authorization
// too (the backend trusts X-Device-ID; the bearer token goes no further than needed).
// A `device_id` that is not a valid device id is not written at all (and BackendPool
// refuses a request without one).
[[nodiscard]] Request to_backend(const Request& in, std::string_view device_id,
                                 std::string_view client_ip, std::string_view backend_host);

// Strips hop-by-hop headers from the backend response before it goes to the client.
void clean_response(Response& res);

}  // namespace gw::proxy
