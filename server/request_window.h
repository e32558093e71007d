#pragma once
// The requests of one read, parsed up to kSize ahead of the one being answered, so that
// what their decisions will read is prefetched together before the first is decided (the
// connection passes RequestHandler::Prefetch): the cache misses of a pipelined batch
// overlap instead of coming one after the other. Each request's slot also keeps where its
// prefetch found its key (storage::KeyLocation), which the connection hands to the request's
// Handle, so that a store that filled it does not find the key again.
//
// The parser is called exactly as one request at a time would call it: on the input from
// the end of the last result, in order. A window ends after the first result that is not a
// request: a kNeedMore ends the input, and an error's message lives in the parser only until
// its next call. Nothing is prefetched for a window of one request (nothing to overlap), nor
// for a request with the limit and key of the one before it (already on its way: a hot key
// is prefetched once per window; its slot gets the location of the one before it).
//
// A window holds kSize results, too large to build for every read and to keep in every
// connection: a thread keeps the windows of the inputs it answers at once, and Reset()s one
// for each new input.

#include <array>
#include <cstddef>
#include <string_view>

#include "protocol/request_parser.h"
#include "storage/limit_keys.h"

namespace limitsd::server {

class RequestWindow {
 public:
  static constexpr std::size_t kSize = 16;

  explicit RequestWindow(protocol::RequestParser& parser) noexcept : parser_(&parser) {}
  RequestWindow(const RequestWindow&) = delete;
  RequestWindow& operator=(const RequestWindow&) = delete;

  /// Starts over on a new input, which `parser` parses (from its start).
  void Reset(protocol::RequestParser& parser) noexcept {
    parser_ = &parser;
    count_ = 0;
    next_ = 0;
    parsed_ = 0;
  }

  /// Whether the result Next() hands out next is known to end the input (a kNeedMore):
  /// the last one handed out was the input's last complete request or error. False when
  /// that is not known yet (the window is used up).
  bool AtEnd() const noexcept {
    return next_ < count_ && results_[next_].kind == protocol::ParseResult::Kind::kNeedMore;
  }

  /// The next result in `input` (the same bytes on every call since the last Reset), parsing
  /// the next window first when this one is used up, and then calling
  /// `prefetch(request, location)` for its requests when it holds two or more (once for a
  /// run of requests with the same limit and key), `location` being the request's slot's,
  /// empty. Valid until the next call.
  template <class Prefetch>
  const protocol::ParseResult& Next(std::string_view input, Prefetch&& prefetch) {
    if (next_ == count_) Fill(input, prefetch);
    return results_[next_++];
  }

  /// Where the prefetch of the request Next() handed out last found its key: what `prefetch`
  /// filled, empty when it filled nothing or the request was not prefetched; a request with
  /// the limit and key of the one before it has that one's location. Only for a request
  /// (kRequest); valid until the next call of Next() or Reset().
  const storage::KeyLocation& location() const noexcept { return locations_[next_ - 1]; }

 private:
  template <class Prefetch>
  void Fill(std::string_view input, Prefetch& prefetch) {
    next_ = 0;
    count_ = 0;
    std::size_t requests = 0;
    while (count_ < kSize) {
      protocol::ParseResult& r = results_[count_++];
      parser_->Next(input.substr(parsed_), r);
      parsed_ += r.consumed;
      if (r.kind != protocol::ParseResult::Kind::kRequest) break;
      ++requests;
    }
    // Every request's location is set anew (a location left from another input could name
    // the same limit and the same bytes' address, holding another key).
    if (requests < 2) {
      locations_[0].Clear();
      return;
    }
    for (std::size_t i = 0; i < requests; ++i) {
      const protocol::Request& r = results_[i].request;
      if (i > 0 && SameKey(r, results_[i - 1].request)) {
        locations_[i] = locations_[i - 1].For(r.key);
        continue;
      }
      locations_[i].Clear();
      prefetch(r, locations_[i]);
    }
  }
  static bool SameKey(const protocol::Request& a, const protocol::Request& b) noexcept {
    return a.key == b.key && a.limit == b.limit;
  }

  protocol::RequestParser* parser_;
  std::array<protocol::ParseResult, kSize> results_;
  std::array<storage::KeyLocation, kSize> locations_;  ///< beside each result
  std::size_t count_ = 0;   ///< results in the window
  std::size_t next_ = 0;    ///< the next one to hand out
  std::size_t parsed_ = 0;  ///< bytes of the input the parser has consumed
};

}  // namespace limitsd::server
