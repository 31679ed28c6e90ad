#pragma once
// Header rewriting between client and backend (RFC 9110 §7.6.1): hop-by-hop headers
// and whatever the Connection header names are removed; identity headers are set by
// the gateway only (SP-5).
#include <string_view>

#include "gateway/proxy/backend_pool.hpp"

namespace gw::proxy {

// Builds the backend request: same method, target and body; X-Device-ID set to the
// authenticated device (any client value dropped), X-Forwarded-For appended with the
// client address, Authorization dropped (the backend trusts X-Device-ID, and a bearer
// token should not travel further than needed), Host set to the backend.
[[nodiscard]] Request to_backend(const Request& in, std::string_view device_id,
                                 std::string_view client_ip, std::string_view backend_host);

// Strips hop-by-hop headers from the backend response before it goes to the client.
void clean_response(Response& res);

}  // namespace gw::proxy
