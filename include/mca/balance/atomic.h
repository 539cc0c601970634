// Atomic access to plain integer fields of the shared member table.
//
// The table (table.h) is plain, trivially copyable data so that its bytes can live in shared
// memory, be formatted, copied and checked like any other bytes. Fields that more than one
// process writes outside the balancer lock (counters, error_until, the health-failed flag) are
// read and written only through these helpers, which are the compiler's __atomic built-ins on
// naturally aligned 4- and 8-byte integers: lock-free and address-free on every target httpd
// runs on, so they work across processes. Relaxed order: each field is a value of its own; no
// reader infers anything about another field from it.
//
// Must not depend on: httpd, APR, anything outside the C++17 standard library and the core.
#ifndef MCA_BALANCE_ATOMIC_H_
#define MCA_BALANCE_ATOMIC_H_

#include <type_traits>

namespace mca::balance {

template <typename T>
inline constexpr bool kAtomicField = std::is_integral_v<T> && (sizeof(T) == 4 || sizeof(T) == 8) &&
                                     !std::is_same_v<T, bool>;

template <typename T>
T AtomicLoad(const T& field) noexcept {
  static_assert(kAtomicField<T>);
  return __atomic_load_n(&field, __ATOMIC_RELAXED);
}

template <typename T>
void AtomicStore(T& field, T value) noexcept {
  static_assert(kAtomicField<T>);
  __atomic_store_n(&field, value, __ATOMIC_RELAXED);
}

// Adds `delta` (which may be negative for signed fields); returns the new value.
template <typename T>
T AtomicAdd(T& field, T delta) noexcept {
  static_assert(kAtomicField<T>);
  return __atomic_add_fetch(&field, delta, __ATOMIC_RELAXED);
}

template <typename T>
void AtomicOr(T& field, T bits) noexcept {
  static_assert(kAtomicField<T> && std::is_unsigned_v<T>);
  __atomic_fetch_or(&field, bits, __ATOMIC_RELAXED);
}

template <typename T>
void AtomicAndNot(T& field, T bits) noexcept {
  static_assert(kAtomicField<T> && std::is_unsigned_v<T>);
  __atomic_fetch_and(&field, static_cast<T>(~bits), __ATOMIC_RELAXED);
}

// Replaces `expected` by `desired` if the field holds `expected`; otherwise loads the field's
// value into `expected`. True when replaced.
template <typename T>
bool AtomicCompareExchange(T& field, T& expected, T desired) noexcept {
  static_assert(kAtomicField<T>);
  return __atomic_compare_exchange_n(&field, &expected, desired, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_RELAXED);
}

}  // namespace mca::balance

#endif  // MCA_BALANCE_ATOMIC_H_
