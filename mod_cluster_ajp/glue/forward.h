// One proxied request over one AJP connection: sends FORWARD_REQUEST and the request body,
// streams the response to the client. The rules of the exchange are the core's (ajp::Exchange);
// this file moves bytes between sockets, httpd's filters and the core.
#ifndef MCA_GLUE_FORWARD_H_
#define MCA_GLUE_FORWARD_H_

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string>
#include <vector>

#include "glue/config.h"
#include "glue/httpd_includes.h"
#include "glue/pool_memory.h"
#include "mca/ajp/request.h"

namespace mca::glue {

// What the caller must do after one attempt on one member.
enum class Outcome {
  kDone,             // the response went to the client (whatever its status)
  kMemberDown,       // connect/CPing failed or the secret was refused: mark, try another member
  kRetrySameMember,  // a pooled connection turned out stale before any response byte
  kNoAnswer,         // a fresh connection closed before any response byte: try another member
                     // (not marked: the next connect says whether the member is down)
  kFailStatus,       // the status is in failonstatus and the response was dropped: mark, try
                     // another member (only when AttemptOptions::may_fail_over)
  kCutBeforeClient,  // the connection closed in the middle of an answer of which nothing had
                     // reached the client yet: another member may take an idempotent request
  kTimeout,          // no answer in time (504 unless something was sent)
  kBadGateway,       // protocol error before anything was sent (502)
  kClientError,      // the client's request could not be forwarded (status in http_status)
};

struct AttemptResult {
  Outcome outcome = Outcome::kDone;
  int http_status = 0;             // for kClientError / kDone of a response the module generated
  bool mark_error = false;         // kDone of a failonstatus response passed on: mark the member
  bool connection_failed = false;  // kMemberDown because connect or CPing failed
  std::string why;                 // for the log line
};

struct AttemptOptions {
  // Another member may take the request if this one answers with a failonstatus status (the
  // request can be replayed, attempts are left and some other member can serve).
  bool may_fail_over = false;
};

// Everything about the client request that does not depend on the member.
struct ClientRequest {
  explicit ClientRequest(std::pmr::memory_resource* request_memory)
      : memory(request_memory),
        forward(request_memory),
        initial_body(request_memory),
        replay(request_memory) {}
  std::pmr::memory_resource* memory;  // the request's memory (PoolMemory on the request pool)
  ajp::ForwardRequest forward;        // views into request memory
  std::string_view raw_path;          // the path as the client sent it, still %-encoded
  int64_t content_length = 0;         // ajp::kUnknownLength for chunked
  std::pmr::string initial_body;      // first body packet, read before any attempt (replayable)
  bool client_body_done = false;      // the client's body was read to its end
  // Body read after the first packet, kept while it fits replay_limit so that another member
  // can be sent the whole request; once more was read, replay_overflow and nothing is kept.
  std::pmr::string replay;
  // One body packet read from the client after the first, reused for every packet: request
  // memory that is not given back until the request ends, so it is taken once.
  char* body_buffer = nullptr;
  size_t body_buffer_size = 0;
  size_t replay_limit = 0;
  bool replay_overflow = false;

  bool Replayable() const { return !replay_overflow; }
};

// Reads what the request needs before the first attempt (headers, first body packet).
// Returns OK or an HTTP error status for the client.
int PrepareClientRequest(request_rec* r, std::string_view backend_path, ClientRequest* req);

// Reads the first body packet (Content-Length > 0) so every attempt can send it.
int ReadInitialBody(request_rec* r, ClientRequest* req, size_t packet_size);

// One attempt on `member`. `fresh_connection` is true on the retry after a stale pooled
// connection. Counts the bytes sent and received in the member's shared slot.
AttemptResult ForwardToMember(request_rec* r, const ServerConfig& conf, Balancer* balancer,
                              Member* member, ClientRequest* request, bool fresh_connection,
                              const AttemptOptions& options);

}  // namespace mca::glue

#endif  // MCA_GLUE_FORWARD_H_
