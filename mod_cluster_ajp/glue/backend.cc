#include "glue/backend.h"

#include <algorithm>
#include <new>

#include "mca/balance/atomic.h"

namespace mca::glue {

int ThreadsPerChild() {
  int threads = 1;
  ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads);
  return threads > 0 ? threads : 1;
}

ConnectionPool* ConnectionPool::Create(apr_pool_t* pchild, const PoolSettings& settings,
                                       BufferSlab* buffers) {
  if (buffers == nullptr || buffers->size() < ajp::FrameStream::StorageSize(settings.packet_size))
    return nullptr;
  auto* p = new (std::nothrow) ConnectionPool(pchild, settings, buffers);
  if (p == nullptr) return nullptr;
  if (p->settings_.max <= 0) p->settings_.max = ThreadsPerChild();
  const int max = p->settings_.max;
  if (p->settings_.smax < 0) p->settings_.smax = max;
  // Made here, at child start-up, so that worker threads never allocate for the pool: a
  // thread's first malloc ties it to an arena that keeps pages for the life of the child.
  p->idle_.reserve(static_cast<size_t>(max));
  apr_thread_mutex_create(&p->mutex_, APR_THREAD_MUTEX_DEFAULT, pchild);
  apr_thread_cond_create(&p->cond_, pchild);
  // A pre-cleanup: it must close the connections while their pools (subpools of pchild) and
  // the mutex still exist; plain cleanups run after the subpools are destroyed.
  apr_pool_pre_cleanup_register(pchild, p, Cleanup);
  return p;
}

apr_status_t ConnectionPool::Cleanup(void* self) {
  auto* p = static_cast<ConnectionPool*>(self);
  for (Connection* c : p->idle_) p->Close(c);
  p->idle_.clear();
  delete p;
  return APR_SUCCESS;
}

void ConnectionPool::CloseIdle() {
  Connection* list = nullptr;
  apr_thread_mutex_lock(mutex_);
  for (Connection* c : idle_) {
    c->next_to_close = list;
    list = c;
  }
  open_ -= static_cast<int>(idle_.size());
  idle_.clear();  // keeps its capacity: Release never allocates
  apr_thread_mutex_unlock(mutex_);
  CloseAll(list);
}

void ConnectionPool::GiveBuffer(Connection* conn) {
  // A large answer read past the first packet: those pages go back to the system.
  const size_t written = conn->stream.high_water();
  buffers_->Give(conn->stream.Detach(), written, conn->stream.packet_size());
}

void ConnectionPool::CloseAll(Connection* list) {
  while (list != nullptr) {
    Connection* next = list->next_to_close;
    Close(list);
    list = next;
  }
}

void ConnectionPool::Close(Connection* conn) {
  if (conn == nullptr) return;
  GiveBuffer(conn);
  apr_pool_t* pool = conn->pool;
  conn->~Connection();
  apr_pool_destroy(pool);  // closes the socket and frees the object
  ReleaseShared();
}

bool ConnectionPool::ReserveShared(apr_time_t deadline) {
  balance::MemberSlot* shared = settings_.shared;
  if (shared == nullptr) return true;
  const int64_t cap = shared->hardmax;
  if (cap <= 0) {
    balance::AtomicAdd(shared->connections, int64_t{1});
    return true;
  }
  bool waiting = false;
  apr_interval_time_t nap = 500;  // microseconds, doubling up to 20 ms
  bool ok = false;
  for (;;) {
    int64_t n = balance::AtomicLoad(shared->connections);
    while (n < cap) {
      if (balance::AtomicCompareExchange(shared->connections, n, n + 1)) {
        ok = true;
        break;
      }
    }
    if (ok || apr_time_now() >= deadline) break;
    // Tell the children holding connections to close them when they are done instead of
    // keeping them idle (Release), then look again.
    if (!waiting) balance::AtomicAdd(shared->waiters, int64_t{1});
    waiting = true;
    apr_sleep(std::min(nap, std::max<apr_interval_time_t>(deadline - apr_time_now(), 1)));
    nap = std::min<apr_interval_time_t>(nap * 2, 20000);
  }
  if (waiting) balance::AtomicAdd(shared->waiters, int64_t{-1});
  return ok;
}

void ConnectionPool::ReleaseShared() {
  if (settings_.shared != nullptr) balance::AtomicAdd(settings_.shared->connections, int64_t{-1});
}

apr_status_t ConnectionPool::Acquire(Connection** conn, bool* reused) {
  *conn = nullptr;
  *reused = false;
  Connection* expired = nullptr;
  apr_thread_mutex_lock(mutex_);
  if (busy_ >= settings_.max) {
    const apr_time_t deadline = apr_time_now() + AcquireWait();
    while (busy_ >= settings_.max) {
      const apr_interval_time_t left = deadline - apr_time_now();
      if (left <= 0 || apr_thread_cond_timedwait(cond_, mutex_, left) == APR_TIMEUP) {
        if (busy_ >= settings_.max) {
          apr_thread_mutex_unlock(mutex_);
          return APR_TIMEUP;
        }
      }
    }
  }
  ++busy_;
  const apr_time_t now = apr_time_now();
  while (!idle_.empty()) {
    Connection* c = idle_.back();
    idle_.pop_back();
    // Beyond smax, idle connections older than ttl are closed rather than reused.
    const bool too_old = settings_.ttl > 0 && now - c->last_used > settings_.ttl &&
                         static_cast<int>(idle_.size()) >= settings_.smax;
    if (!too_old) {
      *conn = c;
      *reused = true;
      break;
    }
    c->next_to_close = expired;
    expired = c;
    --open_;
  }
  apr_thread_mutex_unlock(mutex_);
  CloseAll(expired);
  if (*conn != nullptr) {
    uint8_t* buffer = buffers_->Take();
    if (buffer == nullptr) {
      Release(*conn, true);
      *conn = nullptr;
      *reused = false;
      return APR_ENOMEM;
    }
    (*conn)->stream.Attach(buffer, buffers_->size());
  }
  return APR_SUCCESS;
}

apr_status_t ConnectionPool::Connect(Connection** conn) {
  *conn = nullptr;
  if (!ReserveShared(apr_time_now() + AcquireWait())) return APR_EBUSY;
  apr_pool_t* cp = nullptr;
  apr_status_t rv = apr_pool_create(&cp, pchild_);
  if (rv != APR_SUCCESS) {
    ReleaseShared();
    return rv;
  }
  if (addr_ == nullptr) {
    // Resolved once per child, under the lock so threads share the result.
    apr_thread_mutex_lock(mutex_);
    if (addr_ == nullptr) {
      rv = apr_sockaddr_info_get(&addr_, settings_.host.c_str(), APR_UNSPEC, settings_.port, 0,
                                 pchild_);
      if (rv != APR_SUCCESS) addr_ = nullptr;
    }
    apr_thread_mutex_unlock(mutex_);
    if (addr_ == nullptr) {
      apr_pool_destroy(cp);
      ReleaseShared();
      return rv != APR_SUCCESS ? rv : APR_EGENERAL;
    }
  }
  apr_socket_t* s = nullptr;
  rv = apr_socket_create(&s, addr_->family, SOCK_STREAM, APR_PROTO_TCP, cp);
  if (rv == APR_SUCCESS) {
    apr_socket_opt_set(s, APR_TCP_NODELAY, 1);
    if (settings_.keepalive) apr_socket_opt_set(s, APR_SO_KEEPALIVE, 1);
    if (settings_.receive_buffer > 0)
      apr_socket_opt_set(s, APR_SO_RCVBUF, settings_.receive_buffer);
    apr_socket_timeout_set(
        s, settings_.connect_timeout > 0 ? settings_.connect_timeout : settings_.io_timeout);
    rv = apr_socket_connect(s, addr_);
  }
  if (rv != APR_SUCCESS) {
    apr_pool_destroy(cp);
    ReleaseShared();
    return rv;
  }
  rv = SetBlockingTimeout(s, settings_.io_timeout);
  if (rv != APR_SUCCESS) {
    apr_pool_destroy(cp);
    ReleaseShared();
    return rv;
  }
  uint8_t* buffer = buffers_->Take();
  void* mem = buffer != nullptr ? apr_palloc(cp, sizeof(Connection)) : nullptr;
  if (mem == nullptr) {
    buffers_->Give(buffer);
    apr_pool_destroy(cp);
    ReleaseShared();
    return APR_ENOMEM;
  }
  auto* c = new (mem) Connection(settings_.packet_size);
  c->stream.Attach(buffer, buffers_->size());
  c->pool = cp;
  c->socket = s;
  apr_thread_mutex_lock(mutex_);
  ++open_;
  apr_thread_mutex_unlock(mutex_);
  *conn = c;
  return APR_SUCCESS;
}

void ConnectionPool::Release(Connection* conn, bool reuse) {
  // Under hardmax, a connection another child is waiting for is closed rather than kept idle.
  const balance::MemberSlot* shared = settings_.shared;
  const bool wanted =
      shared != nullptr && shared->hardmax > 0 && balance::AtomicLoad(shared->waiters) > 0;
  bool close = !reuse || settings_.disable_reuse || wanted;
  if (conn != nullptr && !close) GiveBuffer(conn);  // Close gives it back
  apr_thread_mutex_lock(mutex_);
  --busy_;
  if (conn != nullptr) {
    if (close) {
      --open_;
    } else {
      conn->last_used = apr_time_now();
      idle_.push_back(conn);
    }
  }
  apr_thread_cond_signal(cond_);
  apr_thread_mutex_unlock(mutex_);
  if (close) Close(conn);
}

void ConnectionPool::ReleaseSlot() { Release(nullptr, false); }

apr_status_t SetBlockingTimeout(apr_socket_t* socket, apr_interval_time_t timeout) {
  apr_os_sock_t fd = -1;
  apr_status_t rv = apr_os_sock_get(&fd, socket);
  if (rv != APR_SUCCESS) return rv;
  struct timeval tv;
  tv.tv_sec = static_cast<time_t>(timeout > 0 ? apr_time_sec(timeout) : 0);
  tv.tv_usec = static_cast<suseconds_t>(timeout > 0 ? apr_time_usec(timeout) : 0);
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
    return APR_FROM_OS_ERROR(errno);
  }
  return apr_socket_timeout_set(socket, -1);
}

apr_status_t Receive(apr_socket_t* socket, char* buf, apr_size_t* len) {
  const apr_status_t rv = apr_socket_recv(socket, buf, len);
  return APR_STATUS_IS_EAGAIN(rv) ? APR_TIMEUP : rv;
}

apr_status_t SendAll(apr_socket_t* socket, struct iovec* iov, int count) {
  while (count > 0) {
    apr_size_t sent = 0;
    apr_status_t rv = apr_socket_sendv(socket, iov, count, &sent);
    if (APR_STATUS_IS_EAGAIN(rv)) return APR_TIMEUP;
    if (rv != APR_SUCCESS) return rv;
    while (count > 0 && sent >= iov->iov_len) {
      sent -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + sent;
      iov->iov_len -= sent;
    }
  }
  return APR_SUCCESS;
}

apr_status_t SendAll(apr_socket_t* socket, const uint8_t* data, size_t size) {
  struct iovec iov;
  iov.iov_base = const_cast<uint8_t*>(data);
  iov.iov_len = size;
  return SendAll(socket, &iov, 1);
}

}  // namespace mca::glue
