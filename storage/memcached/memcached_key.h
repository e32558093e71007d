#pragma once
// From limitsd storage keys to memcached keys.
//
// A storage key such as "{api/alice}/fixed-window/10/60000000" names one rate. Every key of
// one request shares its hash tag (the part between the first '{' and the next '}'), and
// the tag names the memcached item that holds all of those rates, so that one gets/cas
// updates them all or none. A key without a tag is its own item.

#include <string>
#include <string_view>

namespace limitsd::storage::memcached {

/// The item a storage key belongs to: its hash tag (storage/storage_key.h) with the braces,
/// or the whole key when it has none.
std::string_view ItemIdOf(std::string_view key) noexcept;

/// Turns item ids into keys memcached accepts (printable ASCII without spaces, at most 250
/// bytes), without collisions between distinct ids:
///  - prefix + "k:" + the id with every byte outside '!'..'~' and every '%' written as %XX,
///  - or, when that is longer than 250 bytes, prefix + "h:" + hex(SHA-256(id)).
/// The two forms cannot meet, escaping is injective, and SHA-256 collisions are out of reach.
class MemcachedKeyEncoder {
 public:
  static constexpr std::size_t kMaxKeyBytes = 250;

  /// Throws ConfigurationError when the prefix is not itself safe, or leaves no room for the
  /// hashed form.
  explicit MemcachedKeyEncoder(std::string prefix);

  std::string Encode(std::string_view item_id) const { return prefix_ + EncodeBody(item_id); }
  /// The part after the prefix ("k:..." or "h:..."): what the hash ring places.
  std::string EncodeBody(std::string_view item_id) const;
  const std::string& prefix() const noexcept { return prefix_; }

 private:
  std::string prefix_;
};

}  // namespace limitsd::storage::memcached
