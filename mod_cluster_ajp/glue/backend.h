// Connections to one AJP member, pooled per child process. Sockets, timeouts and the pool are
// httpd/APR business and live here; what goes over the sockets is decided by the core.
//
// Thread-safe: event and worker MPMs share a pool between the threads of a child.
#ifndef MCA_GLUE_BACKEND_H_
#define MCA_GLUE_BACKEND_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "glue/buffer_slab.h"
#include "glue/httpd_includes.h"
#include "mca/ajp/stream.h"
#include "mca/balance/table.h"

namespace mca::glue {

// Lives in its own pool, with the socket. The stream has a buffer (lent by the child's
// BufferSlab) from Acquire or Connect to Release.
struct Connection {
  apr_pool_t* pool = nullptr;  // owns the socket and this object
  apr_socket_t* socket = nullptr;
  ajp::FrameStream stream;
  apr_time_t last_used = 0;
  uint64_t requests = 0;                // exchanges completed on this connection
  Connection* next_to_close = nullptr;  // a list of connections to close after the lock

  explicit Connection(size_t packet_size)
      : stream(ajp::Direction::kFromContainer, packet_size, nullptr) {}
};

struct PoolSettings {
  std::string host;
  apr_port_t port = 8009;
  size_t packet_size = 8192;
  int max = 0;                      // connections per child; 0 = threads per child
  int smax = -1;                    // idle connections kept regardless of ttl; -1: as many as max
  apr_interval_time_t ttl = 0;      // 0 = idle connections never expire
  apr_interval_time_t acquire = 0;  // wait for a free slot; 0 = as long as the io timeout
  apr_interval_time_t connect_timeout = 0;
  apr_interval_time_t io_timeout = 0;
  bool disable_reuse = false;
  bool keepalive = false;
  int receive_buffer = 0;  // SO_RCVBUF; 0 = the system's default
  // The member's shared slot: open connections are counted there for every child, and its
  // hardmax caps them. Null in tests of the pool alone.
  balance::MemberSlot* shared = nullptr;
};

// The MPM's threads per child (at least 1).
int ThreadsPerChild();

class ConnectionPool {
 public:
  // Creates the pool in `pchild` (destroyed with it); resolves the address lazily. `buffers`
  // (slots of at least the packet size) lends the receive buffers and outlives the pool.
  static ConnectionPool* Create(apr_pool_t* pchild, const PoolSettings& settings,
                                BufferSlab* buffers);

  // An idle connection (most recently used first), or a slot for a new one (*conn == nullptr on
  // return with APR_SUCCESS: call Connect). APR_TIMEUP when every slot stayed busy for the
  // acquire time; APR_ENOMEM when no receive buffer was left to lend.
  apr_status_t Acquire(Connection** conn, bool* reused);
  // Opens a new connection in a slot obtained from Acquire. Under hardmax, waits (up to the
  // acquire time) until the member has fewer than hardmax connections over all children;
  // APR_EBUSY when it does not.
  apr_status_t Connect(Connection** conn);
  // Gives the connection back: kept for reuse when `reuse`, closed otherwise. Frees the slot.
  void Release(Connection* conn, bool reuse);
  // Frees a slot obtained from Acquire without a connection (after a failed Connect).
  void ReleaseSlot();

  // Closes the idle connections (the member left the balancer); busy ones close on Release.
  void CloseIdle();

  int open_connections() const { return open_; }
  const PoolSettings& settings() const { return settings_; }

 private:
  ConnectionPool(apr_pool_t* pchild, const PoolSettings& settings, BufferSlab* buffers)
      : pchild_(pchild), settings_(settings), buffers_(buffers) {}
  static apr_status_t Cleanup(void* self);
  void Close(Connection* conn);
  void CloseAll(Connection* list);
  // Takes the connection's buffer back to the slab.
  void GiveBuffer(Connection* conn);
  // Takes one of the member's hardmax places; false when none freed up before `deadline`.
  bool ReserveShared(apr_time_t deadline);
  void ReleaseShared();
  apr_interval_time_t AcquireWait() const {
    return settings_.acquire > 0 ? settings_.acquire : settings_.io_timeout;
  }

  apr_pool_t* pchild_;
  PoolSettings settings_;
  apr_thread_mutex_t* mutex_ = nullptr;
  apr_thread_cond_t* cond_ = nullptr;
  apr_sockaddr_t* addr_ = nullptr;
  BufferSlab* buffers_;
  std::vector<Connection*> idle_;
  int busy_ = 0;  // slots handed out
  int open_ = 0;  // sockets open (idle + busy with a connection)
};

// A pooled connection's socket blocks in read and write, with the kernel's receive and send
// timeouts set to `timeout` (0: none): a read waiting for the member's answer is one system call
// instead of a read, a poll and a read again. The reads and writes below turn the kernel's
// time-out (EAGAIN on a blocking socket) into APR_TIMEUP.
apr_status_t SetBlockingTimeout(apr_socket_t* socket, apr_interval_time_t timeout);
apr_status_t Receive(apr_socket_t* socket, char* buf, apr_size_t* len);

// Writes all of `iov` (several buffers) to the socket.
apr_status_t SendAll(apr_socket_t* socket, struct iovec* iov, int count);
apr_status_t SendAll(apr_socket_t* socket, const uint8_t* data, size_t size);

}  // namespace mca::glue

#endif  // MCA_GLUE_BACKEND_H_
