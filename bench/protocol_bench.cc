// Micro-benchmarks of the protocol layer: parsing pipelined HIT requests on each wire (and,
// as the baseline the hand-written RESP parser must beat, hiredis' reader on the same
// frames) and formatting decisions. Items per second are requests (or replies) per second.
#include <benchmark/benchmark.h>
#include <hiredis/hiredis.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/reply_writer.h"
#include "protocol/request_parser.h"

namespace limitsd::protocol {
namespace {

constexpr std::size_t kMaxLineBytes = 4096;

std::string LineRequests(int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    out += "HIT api user" + std::to_string(i) + "\r\n";
  }
  return out;
}

std::string RespRequests(int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    const std::string key = "user" + std::to_string(i);
    out += "*3\r\n$3\r\nHIT\r\n$3\r\napi\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n";
  }
  return out;
}

// The server's loop: parse every request in the buffer, consuming as told.
void ParseBuffer(benchmark::State& state, const std::string& buffer, int requests) {
  RequestParser parser(kMaxLineBytes);
  for (auto _ : state) {
    std::string_view input = buffer;
    std::int64_t cost = 0;
    for (;;) {
      const ParseResult result = parser.Next(input);
      input.remove_prefix(result.consumed);
      if (result.kind != ParseResult::Kind::kRequest) {
        break;
      }
      cost += result.request.cost + static_cast<std::int64_t>(result.request.key.size());
    }
    benchmark::DoNotOptimize(cost);
  }
  state.SetItemsProcessed(state.iterations() * requests);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(buffer.size()));
}

void BM_ParseLinePipelined(benchmark::State& state) {
  const int requests = static_cast<int>(state.range(0));
  ParseBuffer(state, LineRequests(requests), requests);
}
BENCHMARK(BM_ParseLinePipelined)->Arg(1)->Arg(16)->Arg(256);

void BM_ParseRespPipelined(benchmark::State& state) {
  const int requests = static_cast<int>(state.range(0));
  ParseBuffer(state, RespRequests(requests), requests);
}
BENCHMARK(BM_ParseRespPipelined)->Arg(1)->Arg(16)->Arg(256);

// Baseline for the hand-written RESP parser: hiredis' reader, which parses the same frames
// (an array of bulk strings) but builds a redisReply tree, one allocation per element.
void BM_ParseRespWithHiredisReader(benchmark::State& state) {
  const int requests = static_cast<int>(state.range(0));
  const std::string buffer = RespRequests(requests);
  redisReader* reader = redisReaderCreate();
  for (auto _ : state) {
    redisReaderFeed(reader, buffer.data(), buffer.size());
    std::size_t bytes = 0;
    void* reply = nullptr;
    while (redisReaderGetReply(reader, &reply) == REDIS_OK && reply != nullptr) {
      const auto* array = static_cast<const redisReply*>(reply);
      bytes += array->elements > 2 ? array->element[2]->len : 0;
      freeReplyObject(reply);
    }
    benchmark::DoNotOptimize(bytes);
  }
  redisReaderFree(reader);
  state.SetItemsProcessed(state.iterations() * requests);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(buffer.size()));
}
BENCHMARK(BM_ParseRespWithHiredisReader)->Arg(1)->Arg(16)->Arg(256);

// A request that arrives a few bytes at a time: the cost of resuming where it stopped.
void BM_ParseRespInPieces(benchmark::State& state) {
  const std::string frame = RespRequests(1);
  const auto piece = static_cast<std::size_t>(state.range(0));
  RequestParser parser(kMaxLineBytes);
  for (auto _ : state) {
    for (std::size_t end = piece;; end += piece) {
      const ParseResult result =
          parser.Next(std::string_view(frame).substr(0, std::min(end, frame.size())));
      if (result.kind != ParseResult::Kind::kNeedMore) {
        benchmark::DoNotOptimize(result.request.key.data());
        break;
      }
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseRespInPieces)->Arg(1)->Arg(8);

void FormatDecisions(benchmark::State& state, Wire wire) {
  constexpr int kBatch = 16;
  std::string out;
  out.reserve(4096);
  std::int64_t remaining = 0;
  for (auto _ : state) {
    out.clear();
    ReplyWriter writer(out);
    for (int i = 0; i < kBatch; ++i) {
      writer.Decision(wire, {remaining % 3 != 0, 100, remaining % 100, 59873, 0});
      ++remaining;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_FormatDecisionLine(benchmark::State& state) { FormatDecisions(state, Wire::kLine); }
BENCHMARK(BM_FormatDecisionLine);

void BM_FormatDecisionResp(benchmark::State& state) { FormatDecisions(state, Wire::kResp); }
BENCHMARK(BM_FormatDecisionResp);

}  // namespace
}  // namespace limitsd::protocol

BENCHMARK_MAIN();
