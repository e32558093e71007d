#include "storage/memory/key_digest.h"

#include <cstring>
#include <random>

namespace limitsd::storage::memory {
namespace {

// Odd constants with well-spread bits (from the golden ratio and two 64-bit primes).
constexpr std::uint64_t kK0 = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t kK1 = 0xd6e8feb86659fd93ULL;
constexpr std::uint64_t kK2 = 0xc2b2ae3d27d4eb4fULL;
constexpr std::uint64_t kK3 = 0x165667b19e3779f9ULL;

__extension__ using Uint128 = unsigned __int128;

// 64x64 -> 128 multiply, folded: the core mixing step.
inline std::uint64_t Fold(std::uint64_t a, std::uint64_t b) noexcept {
  const Uint128 product = static_cast<Uint128>(a) * b;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

// A bijective avalanche of 64 bits (xorshift-multiply).
inline std::uint64_t Avalanche(std::uint64_t x) noexcept {
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  return x;
}

inline std::uint64_t Load64(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Up to 8 trailing bytes, zero-padded (the length is mixed in at the end).
inline std::uint64_t LoadTail(const char* p, std::size_t n) noexcept {
  std::uint64_t v = 0;
  std::memcpy(&v, p, n);
  return v;
}

inline std::uint64_t Rotl(std::uint64_t x, int r) noexcept { return (x << r) | (x >> (64 - r)); }

}  // namespace

KeyHasher::KeyHasher(std::uint64_t seed) noexcept
    : seed_lo_(Avalanche(seed ^ kK0)), seed_hi_(Avalanche(seed + kK2)) {}

KeyHasher KeyHasher::Random() {
  std::random_device device;
  const std::uint64_t seed = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  return KeyHasher(seed);
}

KeyDigest KeyHasher::Digest(std::string_view bytes) const noexcept {
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  std::uint64_t a = seed_lo_;
  std::uint64_t b = seed_hi_;
  // Each lane keeps its previous value (xor) so that a block whose product happens to be
  // zero cannot erase what came before it.
  for (; n >= 16; n -= 16, p += 16) {
    const std::uint64_t w0 = Load64(p);
    const std::uint64_t w1 = Load64(p + 8);
    a ^= Fold(w0 ^ a ^ kK0, w1 ^ seed_hi_ ^ kK1);
    b ^= Fold(w1 ^ b ^ kK2, w0 ^ seed_lo_ ^ kK3);
  }
  if (n > 0) {
    const std::uint64_t w0 = n >= 8 ? Load64(p) : LoadTail(p, n);
    const std::uint64_t w1 = n > 8 ? LoadTail(p + 8, n - 8) : 0;
    a ^= Fold(w0 ^ a ^ kK0, w1 ^ seed_hi_ ^ kK1);
    b ^= Fold(w1 ^ b ^ kK2, w0 ^ seed_lo_ ^ kK3);
  }
  const std::uint64_t length = bytes.size();
  const std::uint64_t x = Avalanche(a ^ Rotl(b, 23) ^ (length * kK3));
  const std::uint64_t y = Avalanche(b ^ Rotl(a, 41) ^ (length * kK1));
  return KeyDigest{x, y};
}

std::string_view HashTag(std::string_view key) noexcept {
  const std::size_t open = key.find('{');
  if (open == std::string_view::npos) return key;
  const std::size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

}  // namespace limitsd::storage::memory
