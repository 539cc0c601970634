#ifndef MCA_VERSION_H_
#define MCA_VERSION_H_

namespace mca {
inline constexpr const char* kVersion = "0.1.0";
}  // namespace mca

#endif  // MCA_VERSION_H_
